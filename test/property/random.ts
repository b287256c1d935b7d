// Random choices for the property generators, drawn through fast-check's `gen` so that every
// choice shrinks (index 0, `false` and the lowest number are the simplest).

import fc from 'fast-check';

export class R {
  constructor(private readonly g: fc.GeneratorValue) {}
  int(lo: number, hi: number): number {
    return lo === hi ? lo : this.g(fc.integer, { min: lo, max: hi });
  }
  /** True with probability p; shrinks towards false. */
  bool(p = 0.5): boolean {
    return this.int(0, 999) >= 1000 - Math.round(p * 1000);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(0, xs.length - 1)];
  }
  /** Weighted choice; options with weight 0 are skipped; shrinks towards the first. */
  weighted<T>(opts: readonly (readonly [number, T])[]): T {
    const live = opts.filter(([w]) => w > 0);
    if (!live.length) throw new Error('weighted: no option has a weight');
    const total = live.reduce((s, [w]) => s + w, 0);
    let x = this.int(0, total - 1);
    for (const [w, v] of live) {
      if (x < w) return v;
      x -= w;
    }
    return live[live.length - 1][1];
  }
  /** The same, or null when every weight is 0. */
  weightedOrNull<T>(opts: readonly (readonly [number, T])[]): T | null {
    return opts.some(([w]) => w > 0) ? this.weighted(opts) : null;
  }
}
