// Equi-join key extraction: conjuncts of ON of the form  left_expr = right_expr  become hash
// keys of the join (its arrangements are indexed by them); the rest stays as a residual
// condition evaluated on candidate pairs. Keys must hash by SQL equality, so both sides
// must have one type: mixed integer widths are widened to bigint, other mixes stay residual.

import { type Expr, columnsUsed, conjuncts, remapColumns } from '../../expr/expr.js';
import type { Plan } from '../logical.js';
import { resolveOperator } from '../../expr/functions/registry.js';
import { T, isIntegerType } from '../../sql/types.js';
import { andOf } from './pushdown.js';
import { mapPlanChildren } from './walk.js';

export function extractJoinKeys(p: Plan): Plan {
  const q = mapPlanChildren(p, extractJoinKeys);
  if (q.kind !== 'join' || !q.on) return q;
  const nl = q.left.schema.length;
  const leftKeys = [...q.leftKeys];
  const rightKeys = [...q.rightKeys];
  const rest: Expr[] = [];
  for (const c of conjuncts(q.on)) {
    const pair = equiPair(c, nl);
    if (pair) {
      leftKeys.push(pair[0]);
      rightKeys.push(remapColumns(pair[1], (i) => i - nl));
    } else rest.push(c);
  }
  return { ...q, leftKeys, rightKeys, on: andOf(rest) };
}

function equiPair(c: Expr, nl: number): [Expr, Expr] | null {
  if (c.kind !== 'call' || c.args.length !== 2) return null;
  let [a, b] = c.args;
  let eq;
  try {
    eq = resolveOperator('=', a.type, b.type);
  } catch {
    return null;
  }
  if (eq.impl.name !== c.fn) return null;
  const ca = [...columnsUsed(a)];
  const cb = [...columnsUsed(b)];
  if (ca.length === 0 || cb.length === 0) return null;
  if (ca.every((i) => i >= nl) && cb.every((i) => i < nl)) [a, b] = [b, a];
  else if (!(ca.every((i) => i < nl) && cb.every((i) => i >= nl))) return null;
  if (a.type.id !== b.type.id) {
    if (!isIntegerType(a.type) || !isIntegerType(b.type)) return null;
    a = a.type.id === 'int8' ? a : { kind: 'cast', arg: a, type: T.int8 };
    b = b.type.id === 'int8' ? b : { kind: 'cast', arg: b, type: T.int8 };
  }
  return [a, b];
}
