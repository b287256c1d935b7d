// A plain constant of an INSERT's VALUES list (an A_Const), as the column it is assigned to
// will hold it, without binding it as an expression and coercing it (most of a many-row
// INSERT's time after the scanner of fast_insert.ts). Only where that value is certainly what
// binding and assignment give: a column type without a type modifier, and NULL, a string (the
// type's input function), an integer into an integer, numeric or float column, a decimal into
// numeric or float8, a boolean into boolean. Anything else, and any error, goes the general
// way, which raises PostgreSQL's error with the constant's position.

import type { Expr } from '../expr/expr.js';
import type { Value } from '../expr/value.js';
import { parseValue } from '../expr/cast.js';
import type { SqlType } from './types.js';

/** Types whose input function is what assigning an untyped string literal to them runs. */
const FROM_STRING = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'text', 'varchar', 'bool', 'date', 'timestamp', 'timestamptz', 'jsonb']);
const INT8 = /^-?\d+$/;

/** The literal `node` (an A_Const) becomes in a column of type `t`, or null to bind it as usual. */
export function plainLiteral(node: any, t: SqlType): Expr | null {
  const c = node?.A_Const;
  if (c === undefined || t.typmod !== -1) return null;
  const v = constantValue(c, t);
  return v === undefined ? null : { kind: 'literal', value: v, type: t };
}

function constantValue(c: any, t: SqlType): Value | undefined {
  if (c.isnull) return null;
  try {
    if (c.sval !== undefined) return FROM_STRING.has(t.id) ? parseValue(c.sval.sval ?? '', t) : undefined;
    if (c.ival !== undefined) {
      const n: number = c.ival.ival ?? 0;
      switch (t.id) {
        case 'int4':
        case 'float8':
          return n;
        case 'int2':
          return n >= -32768 && n <= 32767 ? n : undefined;
        case 'int8':
          return BigInt(n);
        case 'float4':
          return Math.fround(n);
        case 'numeric':
          return parseValue(String(n), t);
        default:
          return undefined;
      }
    }
    if (c.fval !== undefined) {
      const text: string = c.fval.fval;
      if (t.id === 'numeric') return parseValue(text, t);
      // the constant is a numeric, which has no -0: -0.0 becomes 0
      if (t.id === 'float8') return (parseValue(text, t) as number) + 0;
      if (t.id === 'int8' && INT8.test(text)) {
        const b = BigInt(text);
        return b >= -(2n ** 63n) && b < 2n ** 63n ? b : undefined;
      }
      return undefined;
    }
    if (c.boolval !== undefined) return t.id === 'bool' ? (c.boolval.boolval ?? false) : undefined;
  } catch {
    // the general path raises the error, with the constant's position
  }
  return undefined;
}
