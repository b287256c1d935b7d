// The part of an ad-hoc read that is not a collection: ORDER BY, LIMIT/OFFSET and the final
// projection that drops hidden sort columns. They run over the result rows after the
// dataflow has produced the (unordered) collection.

import type { Plan, SortKey } from '../plan/logical.js';
import type { Row, Value } from '../expr/value.js';
import { comparator } from '../expr/compare.js';
import { batchFromRows } from '../dataflow/batch.js';
import { compileExpr, evalConstant } from '../expr/compile.js';
import { SqlError, SQLSTATE } from '../errors.js';
import type { SqlType } from '../sql/types.js';

export interface ReadFinish {
  sort: SortKey[] | null;
  limit: Plan & { kind: 'limit' } | null;
  /** Final column selection (indices), when hidden sort columns must be dropped. */
  columns: number[] | null;
}

export function splitRead(plan: Plan): { body: Plan; finish: ReadFinish } {
  const finish: ReadFinish = { sort: null, limit: null, columns: null };
  let p = plan;
  if (p.kind === 'project' && (p.input.kind === 'limit' || p.input.kind === 'sort') && p.exprs.every((e) => e.kind === 'column')) {
    finish.columns = p.exprs.map((e) => (e as { index: number }).index);
    p = p.input;
  }
  if (p.kind === 'limit') {
    finish.limit = p;
    p = p.input;
  }
  if (p.kind === 'sort') {
    finish.sort = p.keys;
    p = p.input;
  }
  return { body: p, finish };
}

export function finishRead(rows: Row[], f: ReadFinish, params: readonly Value[], types: readonly SqlType[]): Row[] {
  let out = rows;
  if (f.sort) out = sortRows(out, f.sort, params, types);
  if (f.limit) {
    const offset = f.limit.offset ? countValue(evalConstant(f.limit.offset, params), 'OFFSET') : 0;
    const limit = f.limit.limit ? countValue(evalConstant(f.limit.limit, params), 'LIMIT') : null;
    out = out.slice(offset, limit === null ? undefined : offset + limit);
  }
  if (f.columns) {
    const cols = f.columns;
    out = out.map((r) => cols.map((c) => r[c]));
  }
  return out;
}

function countValue(v: Value, what: 'LIMIT' | 'OFFSET'): number {
  if (v === null) return what === 'OFFSET' ? 0 : Number.MAX_SAFE_INTEGER;
  const n = Number(v as bigint);
  if (n < 0) {
    throw new SqlError(
      what === 'LIMIT' ? SQLSTATE.INVALID_ROW_COUNT_IN_LIMIT : SQLSTATE.INVALID_ROW_COUNT_IN_OFFSET,
      `${what} must not be negative`,
    );
  }
  return n;
}

function sortRows(rows: Row[], keys: SortKey[], params: readonly Value[], types: readonly SqlType[]): Row[] {
  if (rows.length === 0) return rows;
  // Keys are evaluated once per row (they are usually plain column references).
  let keyVals: Value[][];
  if (keys.every((k) => k.expr.kind === 'column')) {
    const cols = keys.map((k) => (k.expr as { index: number }).index);
    keyVals = rows.map((r) => cols.map((c) => r[c]));
  } else {
    const batch = batchFromRows(types, rows);
    const evals = keys.map((k) => compileExpr(k.expr, params));
    keyVals = rows.map((_, i) => evals.map((e) => e(batch, i)));
  }
  const cmps = keys.map((k) => comparator(k.expr.type));
  const idx = rows.map((_, i) => i);
  idx.sort((a, b) => {
    for (let k = 0; k < keys.length; k++) {
      const x = keyVals[a][k];
      const y = keyVals[b][k];
      if (x === null || y === null) {
        if (x === y) continue;
        return (x === null) === keys[k].nullsFirst ? -1 : 1;
      }
      const c = cmps[k](x, y);
      if (c !== 0) return keys[k].desc ? -c : c;
    }
    return a - b;
  });
  return idx.map((i) => rows[i]);
}
