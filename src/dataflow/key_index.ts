// Key → first slot of that key's chain, for arrangements. Single integer keys (the common
// join key) use an open-addressing table of Int32Arrays; other keys a Map. Buckets are chains
// through the arrangement's slots, so no object or array exists per key or per row — the
// lookups of bucket objects were most of an arrangement's cost.

export interface KeyIndex {
  head(key: unknown): number;
  setHead(key: unknown, slot: number): void;
}

export class MapKeyIndex implements KeyIndex {
  private readonly map = new Map<unknown, number>();
  head(key: unknown): number {
    return this.map.get(key) ?? -1;
  }
  setHead(key: unknown, slot: number): void {
    if (slot < 0) this.map.delete(key);
    else this.map.set(key, slot);
  }
  get size(): number {
    return this.map.size;
  }
}

export class IntKeyIndex implements KeyIndex {
  private keys = new Int32Array(64);
  private heads = new Int32Array(64).fill(-1);
  private used = new Uint8Array(64);
  /** Cells in use, including keys whose chain is now empty (dropped at the next resize). */
  private filled = 0;

  private cell(key: number): number {
    const mask = this.keys.length - 1;
    let p = (Math.imul(key, 0x9e3779b1) >>> 7) & mask;
    while (this.used[p] === 1 && this.keys[p] !== key) p = (p + 1) & mask;
    return p;
  }

  head(key: unknown): number {
    const p = this.cell(key as number);
    return this.used[p] === 1 ? this.heads[p] : -1;
  }

  setHead(key: unknown, slot: number): void {
    let p = this.cell(key as number);
    if (this.used[p] === 0) {
      if (slot < 0) return;
      if ((this.filled + 1) * 2 > this.keys.length) {
        this.resize();
        p = this.cell(key as number);
      }
      this.used[p] = 1;
      this.keys[p] = key as number;
      this.filled++;
    }
    this.heads[p] = slot;
  }

  private resize(): void {
    const { keys, heads, used } = this;
    let live = 0;
    for (let p = 0; p < keys.length; p++) if (used[p] === 1 && heads[p] >= 0) live++;
    let cap = 64;
    while (cap < live * 4) cap *= 2;
    this.keys = new Int32Array(cap);
    this.heads = new Int32Array(cap).fill(-1);
    this.used = new Uint8Array(cap);
    this.filled = 0;
    for (let p = 0; p < keys.length; p++) {
      if (used[p] === 0 || heads[p] < 0) continue;
      const q = this.cell(keys[p]);
      this.used[q] = 1;
      this.keys[q] = keys[p];
      this.heads[q] = heads[p];
      this.filled++;
    }
  }
}
