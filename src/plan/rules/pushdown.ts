// Predicate pushdown: move filter conjuncts as close to the scans as semantics allow, so
// operators above (joins above all) see fewer rows and keep less state.
// - through projections (by substituting the projected expressions),
// - into both sides of an inner join, and into the ON clause, which join key extraction reads,
// - into the preserved side of an outer join only from WHERE on the preserved side's columns,
// - into every branch of a UNION ALL, and below an aggregate when it reads only group columns.

import { type Expr, children, columnsUsed, conjuncts, remapColumns, substituteColumns } from '../../expr/expr.js';
import type { Plan } from '../logical.js';
import { T } from '../../sql/types.js';
import { mapPlanChildren } from './walk.js';
import { candidatesFor, getFunctionImpl } from '../../expr/functions/registry.js';
import { qualCost } from './order_quals.js';

export function pushDownPredicates(p: Plan): Plan {
  if (p.kind === 'filter') return pushFilter(pushDownPredicates(p.input), conjuncts(p.predicate));
  if (p.kind === 'join' && p.on && p.type !== 'full' && !p.keepOn) {
    // ON conjuncts on the non-preserved (or, for inner joins, either) side go below the join
    const left = pushDownPredicates(p.left);
    const right = pushDownPredicates(p.right);
    const nl = left.schema.length;
    const keep: Expr[] = [];
    const toLeft: Expr[] = [];
    const toRight: Expr[] = [];
    for (const c of conjuncts(p.on)) {
      const side = sideOf(c, nl);
      if (side === 'left' && (p.type === 'inner' || p.type === 'right') && isPure(c) && p.gate !== 'left') toLeft.push(c);
      else if (side === 'right' && (p.type === 'inner' || p.type === 'left') && isPure(c) && p.gate !== 'right') toRight.push(remapColumns(c, (i) => i - nl));
      else keep.push(c);
    }
    return {
      ...p,
      left: toLeft.length ? pushFilter(left, toLeft) : left,
      right: toRight.length ? pushFilter(right, toRight) : right,
      on: andOf(keep),
    };
  }
  return mapPlanChildren(p, pushDownPredicates);
}

function pushFilter(input: Plan, preds: Expr[]): Plan {
  if (preds.length === 0) return input;
  switch (input.kind) {
    case 'filter':
      return pushFilter(input.input, [...conjuncts(input.predicate), ...preds]);
    case 'project': {
      if (!preds.every(isPure) || !input.exprs.every(isPure)) break;
      const inner = preds.map((c) => substituteColumns(c, input.exprs));
      return { ...input, input: pushFilter(input.input, inner) };
    }
    case 'union':
      return { ...input, inputs: input.inputs.map((i) => pushFilter(i, preds)) };
    case 'join': {
      const nl = input.left.schema.length;
      const toLeft: Expr[] = [];
      const toRight: Expr[] = [];
      const toOn: Expr[] = [];
      const stay: Expr[] = [];
      let movable = preds;
      if (isInitPlanJoin(input)) {
        // The subquery's value is a constant to PostgreSQL (an initPlan parameter): a conjunct
        // reading it is a plain condition on the left rows, checked in cost order with the
        // others (order_quals.ts). So only the conjuncts that come before the first one reading
        // it may go below the join; the rest keep their order above it.
        const byCost = preds.map((c, i) => ({ c, i, cost: qualCost(c) })).sort((x, y) => x.cost - y.cost || x.i - y.i);
        const first = byCost.findIndex((x) => sideOf(x.c, nl) !== 'left');
        if (first >= 0) {
          movable = byCost.slice(0, first).map((x) => x.c);
          stay.push(...byCost.slice(first).map((x) => x.c));
        }
      }
      for (const c of movable) {
        const side = sideOf(c, nl);
        const pure = isPure(c);
        // a gated subquery side is read only for the outer rows that reach it: a condition on
        // it alone that might fail stays above the join, checked per joined row (logical.ts, gate)
        const into = input.gate !== side || cannotFail(c);
        if (side === 'left' && pure && (input.type === 'inner' || input.type === 'left') && into) toLeft.push(c);
        else if (side === 'right' && pure && (input.type === 'inner' || input.type === 'right') && into) toRight.push(remapColumns(c, (i) => i - nl));
        else if (input.type === 'inner' && pure && side !== input.gate) toOn.push(c);
        else stay.push(c);
      }
      const on = andOf([...(input.on ? conjuncts(input.on) : []), ...toOn]);
      const joined: Plan = {
        ...input,
        left: pushFilter(input.left, toLeft),
        right: pushFilter(input.right, toRight),
        on,
      };
      return wrap(joined, stay);
    }
    case 'aggregate': {
      const ng = input.groupBy.length;
      const below: Expr[] = [];
      const stay: Expr[] = [];
      for (const c of preds) {
        const cols = columnsUsed(c);
        if (ng > 0 && isPure(c) && [...cols].every((i) => i < ng)) below.push(substituteColumns(c, input.groupBy));
        else stay.push(c);
      }
      if (below.length === 0) break;
      return wrap({ ...input, input: pushFilter(input.input, below) }, stay);
    }
    default:
      break;
  }
  return wrap(input, preds);
}

/** Comparisons of two values of one type (EXISTS's `count > 0`, say) raise no error. */
let comparisons: Set<string> | null = null;
function cannotFail(e: Expr): boolean {
  if (e.kind === 'call') {
    comparisons ??= new Set(['=', '<>', '<', '<=', '>', '>='].flatMap((op) => candidatesFor('op:' + op).filter((f) => f.argTypes.length === 2 && f.argTypes[0].id === f.argTypes[1].id && f.argTypes[0].typmod !== -2).map((f) => f.name)));
    if (!comparisons.has(e.fn)) return false;
  } else if (e.kind !== 'column' && e.kind !== 'literal' && e.kind !== 'and' && e.kind !== 'or' && e.kind !== 'not' && e.kind !== 'isnull' && e.kind !== 'istruth') {
    return false;
  }
  return children(e).every(cannotFail);
}

/** The join of an uncorrelated scalar or EXISTS subquery: its right side is one row, read once. */
function isInitPlanJoin(p: Extract<Plan, { kind: 'join' }>): boolean {
  if (p.gate !== 'right' || p.on !== null || p.type !== 'inner') return false;
  let r = p.right;
  while (r.kind === 'project') r = r.input;
  return r.kind === 'aggregate' && r.groupBy.length === 0;
}

function wrap(input: Plan, preds: Expr[]): Plan {
  const pred = andOf(preds);
  return pred ? { kind: 'filter', input, predicate: pred, schema: input.schema } : input;
}

export function andOf(preds: Expr[]): Expr | null {
  if (preds.length === 0) return null;
  if (preds.length === 1) return preds[0];
  return { kind: 'and', args: preds, type: T.bool };
}

function sideOf(e: Expr, nl: number): 'left' | 'right' | 'both' | 'none' {
  const cols = [...columnsUsed(e)];
  if (cols.length === 0) return 'none';
  if (cols.every((i) => i < nl)) return 'left';
  if (cols.every((i) => i >= nl)) return 'right';
  return 'both';
}

/**
 * Volatile expressions (now(), random()) must not move: they would be evaluated a different
 * number of times. mz_now() (a temporal filter's clock) is one value per step: it may.
 */
export function isPure(e: Expr): boolean {
  if (e.kind === 'call' && e.fn !== 'mz_now' && getFunctionImpl(e.fn).volatile) return false;
  return children(e).every(isPure);
}
