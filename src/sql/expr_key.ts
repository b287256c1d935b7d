// Canonical text of an expression, for structural equality (GROUP BY matching, dedup).

import type { Expr } from '../expr/expr.js';

export function exprKey(e: Expr): string {
  return JSON.stringify(e, (k, v) => {
    if (k === 'position') return undefined; // where a literal was written does not change it
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
