// Computed columns of a join input move above the join, as PostgreSQL's subquery pull-up
// moves a FROM subquery's SELECT expressions into its parent: there they are evaluated on the
// join's output rows only, so `a JOIN (SELECT k, d - d AS x FROM b) s ON a.k = s.k` computes
// d - d for the rows of b that found a partner, and an error in it (an infinite date) is
// raised exactly when PostgreSQL raises it. A condition reading such a column is rewritten
// over the expression (and pushed down later like any other).
//
// Not moved: the SELECT list of a grouped or windowed query, of a materialized CTE, or one
// with a volatile function (PostgreSQL does not pull those subqueries up), and on the
// NULL-padded side of an outer join, expressions that are not strict functions of a column
// (PostgreSQL evaluates those below the join, as PlaceHolderVars, so that they can go NULL).

import { type Expr, children, remapColumns, substituteColumns } from '../../expr/expr.js';
import { getFunctionImpl } from '../../expr/functions/registry.js';
import type { Plan } from '../logical.js';
import { mapPlanChildren } from './walk.js';

type Join = Extract<Plan, { kind: 'join' }>;
type Project = Extract<Plan, { kind: 'project' }>;

export function liftProjections(p: Plan): Plan {
  const q = mapPlanChildren(p, liftProjections);
  return q.kind === 'join' ? liftFromJoin(q) : q;
}

function liftFromJoin(j: Join): Plan {
  const nullableLeft = j.type === 'right' || j.type === 'full';
  const nullableRight = j.type === 'left' || j.type === 'full';
  const L = liftable(j.left, nullableLeft) ? (j.left as Project) : null;
  const R = liftable(j.right, nullableRight) ? (j.right as Project) : null;
  if (!L && !R) return j;
  const left = L ? L.input : j.left;
  const right = R ? R.input : j.right;
  const nl = left.schema.length;
  const identity = (p: Plan): Expr[] => p.schema.map((f, i): Expr => ({ kind: 'column', index: i, type: f.type }));
  const leftExprs = L ? L.exprs : identity(j.left);
  const rightExprs = (R ? R.exprs : identity(j.right)).map((e) => remapColumns(e, (i) => i + nl));
  const all = [...leftExprs, ...rightExprs];
  const joined: Join = {
    ...j,
    left,
    right,
    on: j.on ? substituteColumns(j.on, all) : null,
    leftKeys: j.leftKeys.map((e) => substituteColumns(e, leftExprs)),
    rightKeys: j.rightKeys.map((e) => substituteColumns(e, R ? R.exprs : identity(j.right))),
    schema: [
      ...left.schema.map((f) => ({ ...f, nullable: f.nullable || nullableLeft })),
      ...right.schema.map((f) => ({ ...f, nullable: f.nullable || nullableRight })),
    ],
  };
  return { kind: 'project', input: joined, exprs: all, schema: j.schema };
}

function liftable(p: Plan, nullable: boolean): boolean {
  if (p.kind !== 'project' || p.opaque) return false;
  if (p.exprs.every((e) => e.kind === 'column')) return false;
  if (p.exprs.some(hasVolatile) || ownLevelBoundary(p.input)) return false;
  return !nullable || p.exprs.every((e) => e.kind === 'column' || (isStrict(e) && readsColumn(e)));
}

/** The SELECT list of a grouped or windowed query sits on its aggregate (HAVING between). */
function ownLevelBoundary(p: Plan): boolean {
  while (p.kind === 'filter') p = p.input;
  return p.kind === 'aggregate' || p.kind === 'window' || p.kind === 'project_set';
}

/** contain_nonstrict_functions, negated: NULL in any column gives NULL. */
function isStrict(e: Expr): boolean {
  switch (e.kind) {
    case 'column':
    case 'literal':
    case 'param':
      return true;
    case 'call':
      if (!getFunctionImpl(e.fn).strict) return false;
      break;
    case 'cast':
    case 'not':
      break;
    default:
      return false;
  }
  return children(e).every(isStrict);
}

function readsColumn(e: Expr): boolean {
  return e.kind === 'column' || children(e).some(readsColumn);
}

function hasVolatile(e: Expr): boolean {
  if (e.kind === 'call' && getFunctionImpl(e.fn).volatile) return true;
  return children(e).some(hasVolatile);
}
