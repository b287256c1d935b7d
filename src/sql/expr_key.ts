// Canonical text of bound structures, for structural equality at bind time: GROUP BY
// matching, and computing an aggregate, window call or set-returning call written twice once.
//
// Two structures get the same key exactly when they are equal as data (structuralKey is
// injective). Literal values compare by representation, as PostgreSQL's equal() compares
// Const datums: 1.5 and 1.50, or -0 and 0, are different expressions.

import type { Expr } from '../expr/expr.js';
import { structuralKey } from '../expr/structural_key.js';

export { structuralKey };

export function exprKey(e: Expr): string {
  return structuralKey(e);
}

export function exprEquals(a: Expr, b: Expr): boolean {
  return exprKey(a) === exprKey(b);
}
