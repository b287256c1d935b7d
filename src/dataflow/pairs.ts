// Column-at-a-time assembly of join output: a join first lists its matching pairs (each side
// either a row of a delta batch or an arrangement entry), then every output column is filled
// in one loop over the pairs. Each loop touches one typed array, so it stays monomorphic —
// building rows value by value through a generic builder was the join's main cost.

import type { SqlType } from '../sql/types.js';
import type { Value } from '../expr/value.js';
import { storageKind, type Batch, type Column } from './batch.js';
import { CHUNK_BITS, type RowStore } from './row_store.js';
import { pickSide } from './dec_column.js';

const MASK = (1 << CHUNK_BITS) - 1;

/** One side of a list of pairs: rows of a batch (by index) or of a row store (by slot). */
export type PairSide = { batch: Batch; idx: ArrayLike<number> } | { store: RowStore; slots: ArrayLike<number> };

export interface PairList {
  left: PairSide;
  right: PairSide;
  weights: ArrayLike<number>;
}

export function assemblePairs(types: readonly SqlType[], nl: number, lists: readonly PairList[]): Batch {
  let n = 0;
  for (const l of lists) n += l.weights.length;
  const weights = new Int32Array(n);
  let o = 0;
  for (const l of lists) for (let k = 0; k < l.weights.length; k++) weights[o++] = l.weights[k];
  const columns: Column[] = types.map((t, c) => {
    const kind = storageKind(t);
    const isLeft = c < nl;
    const src = isLeft ? c : c - nl;
    if (kind === 'any') {
      const out = new Array<Value>(n);
      let k = 0;
      for (const l of lists) k = fillAny(out, k, isLeft ? l.left : l.right, src, l.weights.length);
      return { kind, data: out, nulls: null };
    }
    const data = kind === 'i32' ? new Int32Array(n) : kind === 'f64' || kind === 'dec' ? new Float64Array(n) : kind === 'i64' ? new BigInt64Array(n) : new Uint8Array(n);
    let nulls: Uint8Array | null = null;
    let aside: Value[] | null = null;
    let k = 0;
    for (const l of lists) {
      const side = isLeft ? l.left : l.right;
      const count = l.weights.length;
      if ('batch' in side) {
        const col = side.batch.columns[src];
        const d = col.data as Int32Array;
        const idx = side.idx;
        for (let p = 0; p < count; p++) data[k + p] = d[idx[p]];
        if (col.side) aside = pickSide(aside, data as Float64Array, k, count, col.side, idx);
        if (col.nulls !== null) {
          nulls ??= new Uint8Array(n);
          for (let p = 0; p < count; p++) nulls[k + p] = col.nulls[idx[p]];
        }
      } else {
        // a store's column in chunks (row_store.ts), with NULL flags in every chunk
        const col = side.store.column(src);
        const d = col.data as readonly Int32Array[];
        const slots = side.slots;
        nulls ??= new Uint8Array(n);
        for (let p = 0; p < count; p++) {
          const s = slots[p];
          data[k + p] = d[s >>> CHUNK_BITS][s & MASK];
          nulls[k + p] = col.nulls[s >>> CHUNK_BITS][s & MASK];
        }
        if (col.side) aside = pickSide(aside, data as Float64Array, k, count, col.side, slots);
      }
      k += count;
    }
    return { kind, data, nulls, side: aside };
  });
  return { types, columns, weights, length: n };
}

function fillAny(out: Value[], k: number, side: PairSide, src: number, count: number): number {
  if ('batch' in side) {
    const d = side.batch.columns[src].data as Value[];
    for (let p = 0; p < count; p++) out[k + p] = d[side.idx[p]];
  } else {
    const d = side.store.column(src).data as readonly Value[][];
    for (let p = 0; p < count; p++) {
      const s = side.slots[p];
      out[k + p] = d[s >>> CHUNK_BITS][s & MASK];
    }
  }
  return k + count;
}
