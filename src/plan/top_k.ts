// Which plans a dataflow maintains as a top-k (dataflow/operators/top_k.ts):
// - `ORDER BY … LIMIT n [OFFSET m]` below the top of a query (in a view or a subquery): one
//   partition;
// - `row_number() OVER (PARTITION BY … ORDER BY …)` whose number a filter bounds from above
//   (`rn <= n`, `rn < n`, `rn = n`, with `>`/`>=` giving an offset), the one window function
//   a view may have. Other window functions, or a row number without an upper bound, are refused.

import type { Value } from '../expr/value.js';
import type { Expr } from '../expr/expr.js';
import { evalConstant } from '../expr/compile.js';
import { SqlError, SQLSTATE } from '../errors.js';
import type { Plan, SortKey } from './logical.js';

/** A LIMIT or OFFSET count: NULL is no limit (no offset); a negative count is PostgreSQL's error. */
export function countValue(v: Value, what: 'LIMIT' | 'OFFSET'): number {
  if (v === null) return what === 'OFFSET' ? 0 : Number.MAX_SAFE_INTEGER;
  const n = Number(v as bigint);
  if (n < 0) {
    throw new SqlError(what === 'LIMIT' ? SQLSTATE.INVALID_ROW_COUNT_IN_LIMIT : SQLSTATE.INVALID_ROW_COUNT_IN_OFFSET, `${what} must not be negative`);
  }
  return n;
}

export interface TopKPlan {
  /** The rows ranked (the window's or the sort's input). */
  input: Plan;
  partitionBy: Expr[];
  orderBy: SortKey[];
  offset: number;
  limit: number;
  /** The row number is a column of the output (after the input's). */
  rowNumber: boolean;
}

/** LIMIT/OFFSET over an optional sort. */
export function limitTopK(p: Extract<Plan, { kind: 'limit' }>, params: readonly Value[]): TopKPlan {
  const limit = p.limit ? countValue(evalConstant(p.limit, params), 'LIMIT') : Number.MAX_SAFE_INTEGER;
  const offset = p.offset ? countValue(evalConstant(p.offset, params), 'OFFSET') : 0;
  const sorted = p.input.kind === 'sort' ? p.input : null;
  return {
    input: sorted ? sorted.input : p.input,
    partitionBy: [],
    orderBy: sorted ? sorted.keys : [],
    offset,
    limit: limit === Number.MAX_SAFE_INTEGER ? Infinity : limit,
    rowNumber: false,
  };
}

export interface RowNumberFilter {
  topK: TopKPlan;
  /** Between the top-k and the rest of the filter: the projection that was over the window. */
  project: Extract<Plan, { kind: 'project' }> | null;
  /** The conjuncts that did not bound the row number (null: none). */
  rest: Expr | null;
}

const COMPARISON = /^int[248][248]?(lt|le|eq|gt|ge)$/;
const FLIPPED: Record<string, string> = { lt: 'gt', le: 'ge', eq: 'eq', gt: 'lt', ge: 'le' };

/**
 * A filter over `row_number()` (directly, or through a projection of columns) whose conjuncts
 * bound the number from above: the top-k it is. Null when the filter is not over a window.
 * Refused: other window functions, several in one query level, no upper bound.
 */
export function rowNumberFilter(p: Extract<Plan, { kind: 'filter' }>, params: readonly Value[]): RowNumberFilter | null {
  let project: Extract<Plan, { kind: 'project' }> | null = null;
  let window: Plan = p.input;
  if (window.kind === 'project' && window.exprs.every((e) => e.kind === 'column') && window.input.kind === 'window') {
    project = window;
    window = window.input;
  }
  if (window.kind !== 'window') return null;
  const call = window.calls[0];
  if (window.calls.length !== 1 || call.fn !== 'row_number') return null;
  const n = window.input.schema.length;
  // where the row number is in the filter's input
  const rnCols = project ? project.exprs.flatMap((e, j) => ((e as { index: number }).index === n ? [j] : [])) : [n];
  let lo = 1;
  let hi = Infinity;
  const rest: Expr[] = [];
  for (const c of conjuncts(p.predicate)) {
    const b = bound(c, rnCols, params);
    if (b === null) {
      rest.push(c);
      continue;
    }
    if (b.value === null) hi = 0; // rn compared with NULL: no row passes
    else if (b.op === 'le') hi = Math.min(hi, b.value);
    else if (b.op === 'lt') hi = Math.min(hi, b.value - 1);
    else if (b.op === 'ge') lo = Math.max(lo, b.value);
    else if (b.op === 'gt') lo = Math.max(lo, b.value + 1);
    else {
      lo = Math.max(lo, b.value);
      hi = Math.min(hi, b.value);
    }
  }
  if (hi === Infinity) return null;
  return {
    topK: {
      input: window.input,
      partitionBy: call.partitionBy,
      orderBy: call.orderBy,
      offset: lo - 1,
      limit: Math.max(0, hi - lo + 1),
      rowNumber: rnCols.length > 0,
    },
    project,
    rest: rest.length === 0 ? null : rest.length === 1 ? rest[0] : { kind: 'and', args: rest, type: p.predicate.type },
  };
}

function conjuncts(e: Expr): Expr[] {
  return e.kind === 'and' ? e.args.flatMap(conjuncts) : [e];
}

/** `rn op constant` or `constant op rn`, as `rn op value` (value null: the constant is NULL). */
function bound(e: Expr, rnCols: number[], params: readonly Value[]): { op: string; value: number | null } | null {
  if (e.kind !== 'call' || e.args.length !== 2) return null;
  const m = COMPARISON.exec(e.fn);
  if (!m) return null;
  const isRn = (a: Expr) => a.kind === 'column' && rnCols.includes(a.index);
  const isConst = (a: Expr) => a.kind === 'literal' || a.kind === 'param';
  const [a, b] = e.args;
  let op: string;
  let k: Expr;
  if (isRn(a) && isConst(b)) [op, k] = [m[1], b];
  else if (isConst(a) && isRn(b)) [op, k] = [FLIPPED[m[1]], a];
  else return null;
  const v = evalConstant(k, params);
  return { op, value: v === null ? null : Number(v as bigint | number) };
}
