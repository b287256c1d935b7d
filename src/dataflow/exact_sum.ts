// Exact running sum of doubles under inserts and deletes (Shewchuk's non-overlapping
// expansion, as Python's math.fsum): the result is the correctly rounded sum of the current
// multiset, independent of the order of updates, so insert-then-delete leaves no drift.
// NaN and ±Infinity inputs are counted apart (IEEE: Inf + -Inf = NaN).

import { SqlError, SQLSTATE } from '../errors.js';
import type { StateReader, StateWriter } from './state_io.js';

export class ExactFloatSum {
  private partials: number[] = [];
  private nan = 0;
  private pinf = 0;
  private ninf = 0;

  clone(): ExactFloatSum {
    const c = new ExactFloatSum();
    c.partials = this.partials.slice();
    c.nan = this.nan;
    c.pinf = this.pinf;
    c.ninf = this.ninf;
    return c;
  }

  /** Checkpoints: the partials as they are (their order is the expansion's), then the counts. */
  saveState(w: StateWriter): void {
    w.f64s(this.partials);
    w.f64(this.nan);
    w.f64(this.pinf);
    w.f64(this.ninf);
  }
  loadState(r: StateReader): void {
    this.partials = Array.from(r.f64s());
    this.nan = r.f64();
    this.pinf = r.f64();
    this.ninf = r.f64();
  }

  /** Add x with multiplicity w (a 32-bit integer). */
  add(x: number, w: number): void {
    if (x !== x) this.nan += w;
    else if (x === Infinity) this.pinf += w;
    else if (x === -Infinity) this.ninf += w;
    else if (w === 1) this.grow(x);
    else if (w === -1) this.grow(-x);
    else {
      // x*w exactly as p + e (Dekker's two-product; w has at most 32 significant bits)
      const p = x * w;
      const SPLIT = 134217729; // 2^27 + 1
      let c = SPLIT * x;
      const xh = c - (c - x);
      const xl = x - xh;
      c = SPLIT * w;
      const wh = c - (c - w);
      const wl = w - wh;
      const e = xh * wh - p + xh * wl + xl * wh + xl * wl;
      this.grow(p);
      if (e !== 0) this.grow(e);
    }
  }

  private grow(x: number): void {
    const ps = this.partials;
    let i = 0;
    for (let j = 0; j < ps.length; j++) {
      let y = ps[j];
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) ps[i++] = lo;
      x = hi;
    }
    ps.length = i;
    ps.push(x);
  }

  /** The correctly rounded sum; throws 22003 when finite inputs overflow. */
  value(): number {
    if (this.nan > 0 || (this.pinf > 0 && this.ninf > 0)) return NaN;
    if (this.pinf > 0) return Infinity;
    if (this.ninf > 0) return -Infinity;
    const ps = this.partials;
    let n = ps.length;
    if (n === 0) return 0;
    let hi = ps[--n];
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = ps[--n];
      hi = x + y;
      lo = y - (hi - x);
      if (lo !== 0) break;
    }
    if (n > 0 && ((lo < 0 && ps[n - 1] < 0) || (lo > 0 && ps[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    if (!Number.isFinite(hi)) throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'value out of range: overflow');
    return hi;
  }
}
