// Row keys read straight from batches (no per-row arrays): equality keys (SQL '=': grouping,
// joins, DISTINCT) and identity keys (exact representation: consolidation, row identity).
// The encoding matches compositeKeyFn in expr/compare.ts: one column unencoded, several
// columns as concatenated encodePart strings, no columns as ''.

import type { SqlType } from '../sql/types.js';
import type { Value } from '../expr/value.js';
import { encodePart, equalityKeyFn, identityKeyFn, type KeyFn } from '../expr/compare.js';
import { getValue, type Batch } from './batch.js';

export type KeyKind = 'equality' | 'identity';
export type BatchKeyFn = (b: Batch, i: number) => unknown;
export type RowKeyFn = (row: readonly Value[]) => unknown;

function fnsFor(types: readonly SqlType[], cols: readonly number[], kind: KeyKind): KeyFn[] {
  return cols.map((c) => (kind === 'equality' ? equalityKeyFn : identityKeyFn)(types[c]));
}

/** Key of columns `cols` of row i of a batch with schema `types`. */
export function batchKeyFn(types: readonly SqlType[], cols: readonly number[], kind: KeyKind): BatchKeyFn {
  const fns = fnsFor(types, cols, kind);
  if (cols.length === 0) return () => '';
  if (cols.length === 1) {
    const c = cols[0];
    const f = fns[0];
    return (b, i) => f(getValue(b.columns[c], i));
  }
  return (b, i) => {
    let s = '';
    for (let k = 0; k < cols.length; k++) s += encodePart(fns[k](getValue(b.columns[cols[k]], i)));
    return s;
  };
}

/** The same key as batchKeyFn, computed from a materialized row. */
export function rowKeyFn(types: readonly SqlType[], cols: readonly number[], kind: KeyKind): RowKeyFn {
  const fns = fnsFor(types, cols, kind);
  if (cols.length === 0) return () => '';
  if (cols.length === 1) {
    const c = cols[0];
    const f = fns[0];
    return (row) => f(row[c]);
  }
  return (row) => {
    let s = '';
    for (let k = 0; k < cols.length; k++) s += encodePart(fns[k](row[cols[k]]));
    return s;
  };
}

/** Identity key of a whole row of a batch. */
export function batchRowIdentity(types: readonly SqlType[]): BatchKeyFn {
  return batchKeyFn(types, types.map((_, i) => i), 'identity');
}

export function rowIdentity(types: readonly SqlType[]): RowKeyFn {
  return rowKeyFn(types, types.map((_, i) => i), 'identity');
}

/** True when any of the columns `cols` of row i is NULL. */
export function hasNullAt(b: Batch, i: number, cols: readonly number[]): boolean {
  for (let k = 0; k < cols.length; k++) {
    const col = b.columns[cols[k]];
    if (col.kind === 'any') {
      if ((col.data as Value[])[i] === null) return true;
    } else if (col.nulls !== null && col.nulls[i] === 1) return true;
  }
  return false;
}
