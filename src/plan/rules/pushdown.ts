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
import { getFunctionImpl } from '../../expr/functions/registry.js';

export function pushDownPredicates(p: Plan): Plan {
  if (p.kind === 'filter') return pushFilter(pushDownPredicates(p.input), conjuncts(p.predicate));
  if (p.kind === 'join' && p.on && p.type !== 'full') {
    // ON conjuncts on the non-preserved (or, for inner joins, either) side go below the join
    const left = pushDownPredicates(p.left);
    const right = pushDownPredicates(p.right);
    const nl = left.schema.length;
    const keep: Expr[] = [];
    const toLeft: Expr[] = [];
    const toRight: Expr[] = [];
    for (const c of conjuncts(p.on)) {
      const side = sideOf(c, nl);
      if (side === 'left' && (p.type === 'inner' || p.type === 'right') && isPure(c)) toLeft.push(c);
      else if (side === 'right' && (p.type === 'inner' || p.type === 'left') && isPure(c)) toRight.push(remapColumns(c, (i) => i - nl));
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
      for (const c of preds) {
        const side = sideOf(c, nl);
        const pure = isPure(c);
        if (side === 'left' && pure && (input.type === 'inner' || input.type === 'left')) toLeft.push(c);
        else if (side === 'right' && pure && (input.type === 'inner' || input.type === 'right')) toRight.push(remapColumns(c, (i) => i - nl));
        else if (input.type === 'inner' && pure) toOn.push(c);
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

/** Volatile expressions (now(), random()) must not move: they would be evaluated a different number of times. */
export function isPure(e: Expr): boolean {
  if (e.kind === 'call' && getFunctionImpl(e.fn).volatile) return false;
  return children(e).every(isPure);
}
