// A plain constant of an INSERT's VALUES list (an A_Const), as the column it is assigned to
// will hold it, without binding it as an expression and coercing it (most of a many-row
// INSERT's time after the scanner of fast_insert.ts). The constant is typed as binding types it
// (bindConst); then only the assignments whose result is certain are taken here: into a column
// type without a type modifier, NULL, an untyped string (the type's input function), an
// integer or numeric into a number column, a boolean into boolean. Anything else, and any
// error, goes the general way, which raises PostgreSQL's error with the constant's position.

import type { Expr } from '../expr/expr.js';
import type { Value } from '../expr/value.js';
import { parseValue } from '../expr/cast.js';
import type { Decimal } from '../expr/numeric.js';
import { bindConst } from './bind_expr.js';
import type { SqlType } from './types.js';

/** Types whose input function is what assigning an untyped string literal to them runs. */
const FROM_STRING = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'text', 'varchar', 'bool', 'date', 'timestamp', 'timestamptz', 'jsonb']);

/** The literal `node` (an A_Const) becomes in a column of type `t`, or null to bind it as usual. */
export function plainLiteral(node: any, t: SqlType): Expr | null {
  const c = node?.A_Const;
  if (c === undefined || t.typmod !== -1) return null;
  let v: Value | undefined;
  try {
    v = assigned(bindConst(c) as Extract<Expr, { kind: 'literal' }>, t);
  } catch {
    return null; // the general path raises the error, with the constant's position
  }
  return v === undefined ? null : { kind: 'literal', value: v, type: t };
}

/** A bound constant assigned to a column of type t, where that is certain; else undefined. */
function assigned(lit: Extract<Expr, { kind: 'literal' }>, t: SqlType): Value | undefined {
  const v = lit.value;
  if (v === null) return null;
  switch (lit.type.id) {
    case 'unknown':
      return FROM_STRING.has(t.id) ? parseValue(v as string, t) : undefined;
    case 'bool':
      return t.id === 'bool' ? v : undefined;
    case 'int4':
    case 'int8': {
      // int2/int4/int8 and numeric columns take the integer's text through their input
      // function (range errors go the general way); floats its nearest value
      if (t.id === lit.type.id) return v;
      if (t.id === 'int2' || t.id === 'int4' || t.id === 'int8' || t.id === 'numeric') return parseValue(String(v), t);
      if (t.id === 'float8') return Number(v);
      if (t.id === 'float4') return Math.fround(Number(v));
      return undefined;
    }
    case 'numeric':
      if (t.id === 'numeric') return v;
      // numeric to float8 is float8's input of the numeric's text (which has no -0)
      if (t.id === 'float8') return (parseValue((v as Decimal).toString(), t) as number) + 0;
      return undefined;
    default:
      return undefined;
  }
}
