// Gather selected rows of a batch into a new batch, column by column (typed arrays copied
// element-wise, no per-row Row arrays).

import type { Value } from '../expr/value.js';
import type { Batch, Column } from './batch.js';
import { pickSide } from './dec_column.js';

/** Rows sel[0..n) of b, with weights `weights` (or b's own weights) — a new batch. */
export function gather(b: Batch, sel: Int32Array, n: number, weights?: Int32Array): Batch {
  if (n === b.length && weights === undefined) {
    let identity = true;
    for (let k = 0; k < n; k++) if (sel[k] !== k) identity = false;
    if (identity) return b;
  }
  const columns: Column[] = b.columns.map((col) => {
    if (col.kind === 'any') {
      const src = col.data as Value[];
      const out = new Array<Value>(n);
      for (let k = 0; k < n; k++) out[k] = src[sel[k]];
      return { kind: col.kind, data: out, nulls: null };
    }
    const src = col.data as Int32Array;
    const out = new (src.constructor as Int32ArrayConstructor)(n);
    for (let k = 0; k < n; k++) out[k] = src[sel[k]];
    let nulls: Uint8Array | null = null;
    if (col.nulls !== null) {
      nulls = new Uint8Array(n);
      for (let k = 0; k < n; k++) nulls[k] = col.nulls[sel[k]];
    }
    // 'dec' values kept aside (dec_column.ts) follow their rows
    const side = col.side ? pickSide(null, out as unknown as Float64Array, 0, n, col.side, sel) : null;
    return { kind: col.kind, data: out, nulls, side };
  });
  let w = weights;
  if (w === undefined) {
    w = new Int32Array(n);
    for (let k = 0; k < n; k++) w[k] = b.weights[sel[k]];
  }
  return { types: b.types, columns, weights: w.length === n ? w : w.subarray(0, n), length: n };
}
