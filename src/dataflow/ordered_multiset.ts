// Ordered multiset of values with a count per value, for MIN/MAX under deletes.
// Storage: a list of sorted chunks (bounded size), so insert/delete is a binary search over
// chunk boundaries, a binary search inside one chunk and a splice of at most CHUNK elements;
// min and max are O(1).

const CHUNK = 256;

export class OrderedMultiset<V> {
  private chunks: V[][] = [];
  private counts: number[][] = [];
  private distinct = 0;

  constructor(private readonly cmp: (a: V, b: V) => number) {}

  /** Number of distinct values held. */
  get size(): number {
    return this.distinct;
  }

  min(): V | undefined {
    return this.chunks.length === 0 ? undefined : this.chunks[0][0];
  }

  max(): V | undefined {
    const n = this.chunks.length;
    if (n === 0) return undefined;
    const c = this.chunks[n - 1];
    return c[c.length - 1];
  }

  /** Count of v (0 when absent). */
  count(v: V): number {
    const ci = this.chunkFor(v);
    if (ci < 0) return 0;
    const [pos, found] = this.search(this.chunks[ci], v);
    return found ? this.counts[ci][pos] : 0;
  }

  /** Add w (may be negative) to the count of v; a value whose count reaches 0 is removed. */
  add(v: V, w: number): void {
    if (w === 0) return;
    if (this.chunks.length === 0) {
      if (w < 0) throw new Error('OrderedMultiset: negative count');
      this.chunks.push([v]);
      this.counts.push([w]);
      this.distinct++;
      return;
    }
    let ci = this.chunkFor(v);
    if (ci < 0) ci = 0;
    const chunk = this.chunks[ci];
    const cnt = this.counts[ci];
    const [pos, found] = this.search(chunk, v);
    if (found) {
      const n = cnt[pos] + w;
      if (n < 0) throw new Error('OrderedMultiset: negative count');
      if (n > 0) {
        cnt[pos] = n;
        return;
      }
      chunk.splice(pos, 1);
      cnt.splice(pos, 1);
      this.distinct--;
      if (chunk.length === 0) {
        this.chunks.splice(ci, 1);
        this.counts.splice(ci, 1);
      }
      return;
    }
    if (w < 0) throw new Error('OrderedMultiset: negative count');
    chunk.splice(pos, 0, v);
    cnt.splice(pos, 0, w);
    this.distinct++;
    if (chunk.length > 2 * CHUNK) {
      this.chunks.splice(ci + 1, 0, chunk.splice(CHUNK));
      this.counts.splice(ci + 1, 0, cnt.splice(CHUNK));
    }
  }

  /**
   * Fill an empty multiset with distinct values in ascending order (as entries() gives them)
   * and their positive counts, in whole chunks (a checkpoint's load).
   */
  loadSorted(vs: readonly V[], counts: ArrayLike<number>): void {
    if (this.distinct !== 0) throw new Error('OrderedMultiset: loaded when not empty');
    for (let at = 0; at < vs.length; at += CHUNK) {
      const end = Math.min(vs.length, at + CHUNK);
      const cnt: number[] = new Array(end - at);
      for (let k = at; k < end; k++) {
        if (!(counts[k] > 0) || (k > 0 && this.cmp(vs[k - 1], vs[k]) >= 0)) throw new Error('OrderedMultiset: loaded values out of order');
        cnt[k - at] = counts[k];
      }
      this.chunks.push(vs.slice(at, end));
      this.counts.push(cnt);
    }
    this.distinct = vs.length;
  }

  /**
   * The values at positions skip … skip+limit-1, a value with count n filling n positions,
   * appended to `out` (no iterator: a top-k asks this of every partition a step touches).
   */
  take(skip: number, limit: number, out: V[]): V[] {
    const end = out.length + limit;
    for (let c = 0; c < this.chunks.length && out.length < end; c++) {
      const ch = this.chunks[c];
      const cnt = this.counts[c];
      for (let k = 0; k < ch.length && out.length < end; k++) {
        let n = cnt[k];
        if (skip >= n) {
          skip -= n;
          continue;
        }
        n -= skip;
        skip = 0;
        while (n-- > 0 && out.length < end) out.push(ch[k]);
      }
    }
    return out;
  }

  /**
   * Keep the first `keep` positions (counts included): what is removed, each value with the
   * count it lost, is appended to `removed`.
   */
  truncate(keep: number, removed: [V, number][]): void {
    let seen = 0;
    for (let c = 0; c < this.chunks.length; c++) {
      const ch = this.chunks[c];
      const cnt = this.counts[c];
      for (let k = 0; k < ch.length; k++) {
        const n = cnt[k];
        if (seen + n <= keep) {
          seen += n;
          continue;
        }
        // the first value to lose anything keeps what fits; every value after it goes whole
        let from = k;
        if (seen < keep) {
          removed.push([ch[k], seen + n - keep]);
          cnt[k] = keep - seen;
          from = k + 1;
        }
        let gone = ch.length - from;
        for (let j = from; j < ch.length; j++) removed.push([ch[j], cnt[j]]);
        for (let d = c + 1; d < this.chunks.length; d++) {
          gone += this.chunks[d].length;
          for (let j = 0; j < this.chunks[d].length; j++) removed.push([this.chunks[d][j], this.counts[d][j]]);
        }
        ch.length = from;
        cnt.length = from;
        this.chunks.length = from === 0 ? c : c + 1;
        this.counts.length = this.chunks.length;
        this.distinct -= gone;
        return;
      }
    }
  }

  /** Values in order with their counts. */
  *entries(): IterableIterator<[V, number]> {
    for (let c = 0; c < this.chunks.length; c++) {
      const ch = this.chunks[c];
      for (let k = 0; k < ch.length; k++) yield [ch[k], this.counts[c][k]];
    }
  }

  /** Index of the chunk v belongs in: the last chunk whose first value is <= v (or -1). */
  private chunkFor(v: V): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.cmp(this.chunks[mid][0], v) <= 0) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** Lower bound of v in a sorted chunk, and whether it is there. */
  private search(chunk: V[], v: V): [number, boolean] {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cmp(chunk[mid], v) < 0) lo = mid + 1;
      else hi = mid;
    }
    return [lo, lo < chunk.length && this.cmp(chunk[lo], v) === 0];
  }
}
