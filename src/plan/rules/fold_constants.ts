// Constant folding: evaluate every subexpression that reads no column and no parameter, as
// PostgreSQL's eval_const_expressions does, including its errors (SELECT 1/0 fails at plan
// time in PostgreSQL too). Volatile functions (now(), random()) are left alone.

import { type Expr, mapChildren } from '../../expr/expr.js';
import { evalConstant } from '../../expr/compile.js';
import { getFunctionImpl } from '../../expr/functions/registry.js';
import { SUBQUERY_CARDINALITY_ERROR } from '../../expr/functions/internal.js';

export function foldConstants(e: Expr): Expr {
  const folded = mapChildren(e, foldConstants);
  if (folded.kind === 'literal' || folded.kind === 'column' || folded.kind === 'param') return folded;
  // A strict function with a NULL constant argument is NULL, whatever its other arguments
  // would do when evaluated (PostgreSQL folds `x / 0 = NULL` to NULL and never divides).
  if (folded.kind === 'call' && folded.args.some(isNullLiteral) && getFunctionImpl(folded.fn).strict) {
    return { kind: 'literal', value: null, type: folded.type };
  }
  if (!isFoldable(folded)) return simplifyBoolean(folded);
  return { kind: 'literal', value: evalConstant(folded), type: folded.type };
}

function isNullLiteral(e: Expr): boolean {
  return e.kind === 'literal' && e.value === null;
}

function isFoldable(e: Expr): boolean {
  switch (e.kind) {
    case 'literal':
      return true;
    case 'column':
    case 'param':
      return false;
    case 'call':
      // the subquery cardinality error must only fire when its branch is taken, at run time
      return !getFunctionImpl(e.fn).volatile && e.fn !== SUBQUERY_CARDINALITY_ERROR && e.args.every((a) => a.kind === 'literal');
    case 'case':
      // CASE folds only when everything in it is constant; its branches were folded already
      return e.whens.every((w) => w.when.kind === 'literal' && w.then.kind === 'literal') && e.else.kind === 'literal';
    default:
      return childrenOf(e).every((c) => c.kind === 'literal');
  }
}

function childrenOf(e: Expr): Expr[] {
  const out: Expr[] = [];
  mapChildren(e, (c) => {
    out.push(c);
    return c;
  });
  return out;
}

/** AND/OR with constant arguments: drop TRUE from AND, FALSE from OR; short-circuit. */
function simplifyBoolean(e: Expr): Expr {
  if (e.kind !== 'and' && e.kind !== 'or') return e;
  const absorbing = e.kind === 'or';
  const args: Expr[] = [];
  for (const a of e.args) {
    if (a.kind === 'literal' && a.value === absorbing) return a;
    if (a.kind === 'literal' && a.value === !absorbing) continue;
    args.push(a);
  }
  if (args.length === 0) return { kind: 'literal', value: !absorbing, type: e.type };
  if (args.length === 1) return args[0];
  return { ...e, args };
}
