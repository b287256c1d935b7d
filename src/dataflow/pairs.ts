// Column-at-a-time assembly of join output: a join first lists its matching pairs (each side
// either a row of a delta batch or an arrangement entry), then every output column is filled
// in one loop over the pairs. Each loop touches one typed array, so it stays monomorphic —
// building rows value by value through a generic builder was the join's main cost.

import type { SqlType } from '../sql/types.js';
import type { Value } from '../expr/value.js';
import { storageKind, type Batch, type Column } from './batch.js';
import type { Entry } from './arrangement.js';

/** One side of a list of pairs: rows of a batch (by index) or arrangement entries. */
export type PairSide = { batch: Batch; idx: number[] } | { entries: Entry[] };

export interface PairList {
  left: PairSide;
  right: PairSide;
  weights: number[];
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
    const data = kind === 'i32' ? new Int32Array(n) : kind === 'f64' ? new Float64Array(n) : new Uint8Array(n);
    let nulls: Uint8Array | null = null;
    let k = 0;
    for (const l of lists) {
      const side = isLeft ? l.left : l.right;
      const count = l.weights.length;
      if ('batch' in side) {
        const col = side.batch.columns[src];
        const d = col.data as Int32Array;
        const idx = side.idx;
        for (let p = 0; p < count; p++) data[k + p] = d[idx[p]];
        if (col.nulls !== null) {
          nulls ??= new Uint8Array(n);
          for (let p = 0; p < count; p++) nulls[k + p] = col.nulls[idx[p]];
        }
      } else {
        const es = side.entries;
        for (let p = 0; p < count; p++) {
          const v = es[p].row[src];
          if (v === null) (nulls ??= new Uint8Array(n))[k + p] = 1;
          else data[k + p] = kind === 'bool' ? (v ? 1 : 0) : (v as number);
        }
      }
      k += count;
    }
    return { kind, data, nulls };
  });
  return { types, columns, weights, length: n };
}

function fillAny(out: Value[], k: number, side: PairSide, src: number, count: number): number {
  if ('batch' in side) {
    const d = side.batch.columns[src].data as Value[];
    for (let p = 0; p < count; p++) out[k + p] = d[side.idx[p]];
  } else {
    for (let p = 0; p < count; p++) out[k + p] = side.entries[p].row[src];
  }
  return k + count;
}
