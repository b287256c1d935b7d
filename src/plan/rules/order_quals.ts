// Order the conjuncts of each filter and join condition by estimated cost, cheapest first, as
// PostgreSQL's order_qual_clauses does (a stable sort: equal costs keep their order). AND
// stops at the first conjunct that is not TRUE, so the order decides which conjuncts run at
// all, and so whether a failing one raises: in `WHERE 1/x > 0 AND y = 2` PostgreSQL checks
// `y = 2` first (one operator against two) and never divides for the rows it rejects.
// Cost is cost_qual_eval's count of function and operator calls (all of ours have
// procost 1 but a few catalog lookups); a cast through text calls two functions.

import { type Expr, children, conjuncts } from '../../expr/expr.js';
import { getFunctionImpl } from '../../expr/functions/registry.js';
import { SUBQUERY_CARDINALITY_ERROR } from '../../expr/functions/internal.js';
import type { SqlType } from '../../sql/types.js';
import { isOidType, isStringType } from '../../sql/types.js';
import type { Plan } from '../logical.js';
import { andOf } from './pushdown.js';
import { mapPlanChildren } from './walk.js';

export function orderQuals(p: Plan): Plan {
  const q = mapPlanChildren(p, orderQuals);
  if (q.kind === 'filter') return { ...q, predicate: ordered(q.predicate) };
  if (q.kind === 'join' && q.on) return { ...q, on: ordered(q.on) };
  return q;
}

/** A condition's conjuncts, cheapest first (for conditions outside plans: UPDATE/DELETE's WHERE). */
export function ordered(e: Expr): Expr {
  const parts = conjuncts(e);
  if (parts.length < 2) return e;
  const costs = parts.map(qualCost);
  const order = parts.map((_, i) => i).sort((a, b) => costs[a] - costs[b] || a - b);
  if (order.every((k, i) => k === i)) return e;
  return andOf(order.map((k) => parts[k]))!;
}

/** pg_proc.procost where it is not 1. */
const PROCOST: Record<string, number> = {
  col_description: 100,
  obj_description: 100,
  obj_description_1: 100,
  shobj_description: 100,
  pg_function_is_visible: 10,
  pg_table_is_visible: 10,
  pg_type_is_visible: 10,
};

export function qualCost(e: Expr): number {
  let own = 0;
  switch (e.kind) {
    case 'call':
      if (e.fn !== SUBQUERY_CARDINALITY_ERROR) own = PROCOST[getFunctionImpl(e.fn).name] ?? 1;
      break;
    case 'cast':
      own = castCost(e.arg.type, e.type);
      break;
    case 'distinct':
    case 'nullif':
    case 'minmax':
      own = 1;
      break;
    default:
      break;
  }
  for (const c of children(e)) own += qualCost(c);
  return own;
}

/** A binary-compatible cast is free, one through text calls output and input functions. */
function castCost(from: SqlType, to: SqlType): number {
  if (from.id === to.id) return to.typmod >= 0 ? 1 : 0;
  const fs = isStringType(from);
  const ts = isStringType(to);
  if ((fs && ts) || (isOidType(from) && isOidType(to))) return 0;
  if (fs !== ts) return 2;
  return 1;
}
