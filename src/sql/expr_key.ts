// Canonical text of an expression, for structural equality (GROUP BY matching, dedup).

import type { Expr } from '../expr/expr.js';

export function exprKey(e: Expr): string {
  return JSON.stringify(e, (_k, v) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && v.constructor !== Object) {
      return `${v.constructor.name}:${String(v)}`;
    }
    return v;
  });
}

export function exprEquals(a: Expr, b: Expr): boolean {
  return exprKey(a) === exprKey(b);
}
