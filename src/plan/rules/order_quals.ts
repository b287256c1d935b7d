// Order the conjuncts of each filter and join condition by estimated cost, cheapest first, as
// PostgreSQL's order_qual_clauses does (a stable sort: equal costs keep their order). AND
// stops at the first conjunct that is not TRUE, so the order decides which conjuncts run at
// all, and so whether a failing one raises: in `WHERE 1/x > 0 AND y = 2` PostgreSQL checks
// `y = 2` first (one operator against two) and never divides for the rows it rejects.
// Cost is cost_qual_eval's count of function and operator calls (all of ours have
// procost 1 but a few catalog lookups); a cast through text calls two functions. Equalities
// come last among equal costs (see isEquivalence).

import { type Expr, children, conjuncts } from '../../expr/expr.js';
import { getFunctionImpl, resolveOperator } from '../../expr/functions/registry.js';
import { SUBQUERY_CARDINALITY_ERROR } from '../../expr/functions/internal.js';
import type { SqlType } from '../../sql/types.js';
import { isOidType, isStringType } from '../../sql/types.js';
import type { Plan } from '../logical.js';
import { andOf, isPure } from './pushdown.js';
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
  const late = parts.map(isEquivalence);
  const order = parts.map((_, i) => i).sort((a, b) => costs[a] - costs[b] || Number(late[a]) - Number(late[b]) || a - b);
  if (order.every((k, i) => k === i)) return e;
  return andOf(order.map((k) => parts[k]))!;
}

/**
 * An equality (`x = 1`, `a.k + 0 = b.k`): PostgreSQL files it into an equivalence class and
 * re-creates it after the other conditions of the relation, so among equally costly
 * conditions it comes last.
 */
function isEquivalence(e: Expr): boolean {
  if (e.kind !== 'call' || e.args.length !== 2) return false;
  const [a, b] = e.args;
  try {
    return resolveOperator('=', a.type, b.type).impl.name === e.fn && isPure(a) && isPure(b);
  } catch {
    return false;
  }
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
