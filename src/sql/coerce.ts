// Type coercion of bound expressions, as PostgreSQL's coerce_type does it: untyped literals
// and parameters take the type their context asks for; other expressions get a cast node if
// pg_cast allows the cast in the given context.

import { type SqlType, formatType, sameType, T } from './types.js';
import type { Expr } from '../expr/expr.js';
import { castFn, castKind, parseValue } from '../expr/cast.js';
import { SqlError, SQLSTATE } from '../errors.js';

export type CoercionContext = 'implicit' | 'assignment' | 'explicit';

/** Parameter types of a statement: known up front (Parse message) or inferred from use. */
export class ParamTypes {
  readonly types: (SqlType | undefined)[];
  constructor(known: readonly (SqlType | undefined)[] = []) {
    this.types = [...known];
  }
  get(i: number): SqlType | undefined {
    return this.types[i];
  }
  /** Where each parameter is first referred to (1-based), for errors. */
  readonly positions: (number | undefined)[] = [];
  /** A reference to $i+1: it exists from now on (its type may still be unknown). */
  use(i: number, position?: number): SqlType | undefined {
    if (i >= this.types.length) this.types.length = i + 1;
    this.positions[i] ??= position;
    return this.types[i];
  }
  set(i: number, t: SqlType): void {
    this.types[i] = t;
  }
  /** Final types: parameters whose type nothing determined default to text. */
  resolved(): SqlType[] {
    return Array.from(this.types, (t) => (t === undefined || t.id === 'unknown' ? T.text : t));
  }
}

const RANK: Record<CoercionContext, number> = { implicit: 0, assignment: 1, explicit: 2 };

export function canCoerce(from: SqlType, to: SqlType, ctx: CoercionContext): boolean {
  if (from.id === to.id) return true;
  if (from.id === 'unknown') return true;
  const k = castKind(from, to);
  return k !== null && RANK[k] <= RANK[ctx];
}

/**
 * Coerce `e` to type `to`, or return undefined if not allowed in `ctx`.
 * Untyped literals are parsed straight into the target type (their input function runs now,
 * so a bad literal fails at bind time, as in PostgreSQL).
 */
export function tryCoerce(e: Expr, to: SqlType, ctx: CoercionContext, params: ParamTypes): Expr | undefined {
  if (to.id === 'unknown') return e;
  if (e.kind === 'literal' && e.type.id === 'unknown') {
    if (e.value === null) return { kind: 'literal', value: null, type: to };
    // The input function of the base type, then the length/precision coercion of the context.
    const base = { id: to.id, typmod: -1 } as SqlType;
    try {
      // interval's input function takes the typmod itself: a bare number counts in its last field
      if (to.id === 'interval') return { kind: 'literal', value: parseValue(e.value as string, to), type: to };
      const v = parseValue(e.value as string, base);
      if (to.typmod < 0) return { kind: 'literal', value: v, type: to };
      return { kind: 'literal', value: castFn(base, to, ctx === 'explicit')(v), type: to };
    } catch (err) {
      // PostgreSQL points at the literal
      if (err instanceof SqlError && err.position === undefined) err.position = e.position;
      throw err;
    }
  }
  if (e.kind === 'param' && e.type.id === 'unknown') {
    const known = params.get(e.index);
    if (known && known.id !== 'unknown') return tryCoerce({ ...e, type: known }, to, ctx, params);
    params.set(e.index, to);
    return { ...e, type: to };
  }
  if (sameType(e.type, to)) return e;
  if (e.type.id === to.id && to.typmod < 0) return e;
  if (!canCoerce(e.type, to, ctx)) return undefined;
  return { kind: 'cast', arg: e, type: to, explicit: ctx === 'explicit' };
}

export function coerce(e: Expr, to: SqlType, ctx: CoercionContext, params: ParamTypes, position?: number): Expr {
  const r = tryCoerce(e, to, ctx, params);
  if (r) return r;
  if (ctx === 'explicit') {
    throw new SqlError(SQLSTATE.CANNOT_COERCE, `cannot cast type ${formatType(e.type)} to ${formatType(to)}`, { position });
  }
  throw new SqlError(
    SQLSTATE.DATATYPE_MISMATCH,
    `${ctx === 'assignment' ? 'column' : 'expression'} is of type ${formatType(e.type)} but expression is of type ${formatType(to)}`,
    { position, hint: 'You will need to rewrite or cast the expression.' },
  );
}

/** Coerce a condition (WHERE, HAVING, ON, CASE WHEN, AND/OR/NOT arguments) to boolean. */
export function coerceBoolean(e: Expr, construct: string, params: ParamTypes, position?: number): Expr {
  const r = e.type.id === 'bool' ? e : tryCoerce(e, T.bool, 'implicit', params);
  if (r) return r;
  throw new SqlError(
    SQLSTATE.DATATYPE_MISMATCH,
    `argument of ${construct} must be type boolean, not type ${formatType(e.type)}`,
    { position },
  );
}

/** An expression whose type is still unknown (a bare literal or parameter) resolves to text. */
export function resolveUnknown(e: Expr, params: ParamTypes): Expr {
  return e.type.id === 'unknown' ? coerce(e, T.text, 'implicit', params) : e;
}
