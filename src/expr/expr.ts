// Bound scalar expressions: plain, typed data produced by the binder, rewritten by the
// optimizer, printed by EXPLAIN and compiled to closures by compile.ts.
// Column references are positional (index into the input row of the operator that owns
// the expression), so a plan can be checked and lowered without name lookups.

import type { SqlType } from '../sql/types.js';
import type { Value } from './value.js';

export type Expr =
  /** position: where a column reference was written (for errors about it). */
  | { kind: 'column'; index: number; type: SqlType; position?: number }
  /** position: where an untyped literal stands in the query text (for errors in its input). */
  | { kind: 'literal'; value: Value; type: SqlType; position?: number }
  /** $n parameter, 0-based index. */
  | { kind: 'param'; index: number; type: SqlType }
  /** A resolved function or operator implementation (see functions/registry.ts). */
  | { kind: 'call'; fn: string; args: Expr[]; type: SqlType }
  /** explicit: CAST/:: (varchar(n) truncates); otherwise an implicit or assignment coercion. */
  | { kind: 'cast'; arg: Expr; type: SqlType; explicit?: boolean }
  | { kind: 'and'; args: Expr[]; type: SqlType }
  | { kind: 'or'; args: Expr[]; type: SqlType }
  | { kind: 'not'; arg: Expr; type: SqlType }
  | { kind: 'isnull'; arg: Expr; negated: boolean; type: SqlType }
  /** IS [NOT] TRUE / FALSE / UNKNOWN on a boolean. */
  | { kind: 'istruth'; arg: Expr; truth: boolean | null; negated: boolean; type: SqlType }
  /** a IS [NOT] DISTINCT FROM b; `eq` is the resolved '=' implementation. */
  | { kind: 'distinct'; left: Expr; right: Expr; eq: string; negated: boolean; type: SqlType }
  /**
   * aggFilter: an aggregate's argument under its FILTER (`agg(x) FILTER (WHERE f)` is
   * `agg(CASE WHEN f THEN x END)`); PostgreSQL simplifies x whatever f folds to.
   */
  | { kind: 'case'; whens: { when: Expr; then: Expr }[]; else: Expr; type: SqlType; aggFilter?: boolean }
  | { kind: 'coalesce'; args: Expr[]; type: SqlType }
  /** GREATEST/LEAST: `cmp` is the resolved '>' ('greatest') or '<' ('least') implementation. */
  | { kind: 'minmax'; op: 'greatest' | 'least'; args: Expr[]; cmp: string; type: SqlType }
  /** NULLIF(a, b): `eq` is the resolved '=' implementation. */
  | { kind: 'nullif'; left: Expr; right: Expr; eq: string; type: SqlType };

export function col(index: number, type: SqlType): Expr {
  return { kind: 'column', index, type };
}

export function lit(value: Value, type: SqlType): Expr {
  return { kind: 'literal', value, type };
}

/** Children of an expression, for generic walks. */
export function children(e: Expr): Expr[] {
  switch (e.kind) {
    case 'column':
    case 'literal':
    case 'param':
      return [];
    case 'call':
    case 'and':
    case 'or':
    case 'coalesce':
    case 'minmax':
      return e.args;
    case 'cast':
    case 'not':
    case 'isnull':
    case 'istruth':
      return [e.arg];
    case 'distinct':
    case 'nullif':
      return [e.left, e.right];
    case 'case':
      return [...e.whens.flatMap((w) => [w.when, w.then]), e.else];
  }
}

/** Rebuild an expression with each child replaced by f(child). */
export function mapChildren(e: Expr, f: (c: Expr) => Expr): Expr {
  switch (e.kind) {
    case 'column':
    case 'literal':
    case 'param':
      return e;
    case 'call':
    case 'and':
    case 'or':
    case 'coalesce':
    case 'minmax':
      return { ...e, args: e.args.map(f) };
    case 'cast':
    case 'not':
    case 'isnull':
    case 'istruth':
      return { ...e, arg: f(e.arg) };
    case 'distinct':
    case 'nullif':
      return { ...e, left: f(e.left), right: f(e.right) };
    case 'case':
      return { ...e, whens: e.whens.map((w) => ({ when: f(w.when), then: f(w.then) })), else: f(e.else) };
  }
}

export function columnsUsed(e: Expr, out: Set<number> = new Set()): Set<number> {
  if (e.kind === 'column') out.add(e.index);
  else for (const c of children(e)) columnsUsed(c, out);
  return out;
}

/** Shift or remap column references: index -> map(index). */
export function remapColumns(e: Expr, map: (i: number) => number): Expr {
  if (e.kind === 'column') return { ...e, index: map(e.index) };
  return mapChildren(e, (c) => remapColumns(c, map));
}

/** Replace column references by expressions (inline a projection below). */
export function substituteColumns(e: Expr, exprs: readonly Expr[]): Expr {
  if (e.kind === 'column') return exprs[e.index];
  return mapChildren(e, (c) => substituteColumns(c, exprs));
}

export function hasParams(e: Expr): boolean {
  if (e.kind === 'param') return true;
  return children(e).some(hasParams);
}

/** Split a predicate into its top-level AND conjuncts. */
export function conjuncts(e: Expr): Expr[] {
  return e.kind === 'and' ? e.args.flatMap(conjuncts) : [e];
}
