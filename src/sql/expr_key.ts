// Canonical text of bound structures, for structural equality at bind time: GROUP BY
// matching, and computing an aggregate, window call or set-returning call written twice once.
//
// Two structures get the same key exactly when they are equal as data (structuralKey is
// injective). Literal values compare by representation, as PostgreSQL's equal() compares
// Const datums: 1.5 and 1.50, or -0 and 0, are different expressions.

import { type Expr, mapChildren } from '../expr/expr.js';
import { structuralKey } from '../expr/structural_key.js';
import { elementType, type SqlType } from './types.js';

export { structuralKey };

export function exprKey(e: Expr): string {
  return structuralKey(withoutCastForm(e));
}

/**
 * equal() ignores how a cast was written (CAST, ::, implicit): `a + 1.5` matches
 * `GROUP BY a::numeric + 1.5`. The form changes the result only for a varchar(n)/char(n)
 * target (explicit truncates, implicit raises), so there it stays part of the key.
 */
function withoutCastForm(e: Expr): Expr {
  const m = mapChildren(e, withoutCastForm);
  if (m.kind !== 'cast' || m.explicit === undefined || truncatesWhenExplicit(m.type)) return m;
  const { explicit: _form, ...rest } = m;
  return rest;
}

function truncatesWhenExplicit(t: SqlType): boolean {
  const et = elementType(t) ?? t;
  return t.typmod >= 0 && (et.id === 'varchar' || et.id === 'bpchar');
}

export function exprEquals(a: Expr, b: Expr): boolean {
  return exprKey(a) === exprKey(b);
}
