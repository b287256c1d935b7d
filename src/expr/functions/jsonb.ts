// jsonb operators and functions, including the text[] path and key-list operators
// (#>, #>>, ?|, ?&).

import { SqlError, SQLSTATE } from '../../errors.js';
import type { SqlType } from '../../sql/types.js';
import type { Value } from '../value.js';
import { Decimal } from '../numeric.js';
import { Interval } from '../interval.js';
import { JsonObject, Jsonb, contains, stringify, typeOf, type JsonValue } from '../jsonb.js';
import { formatValue, formatFloat8, formatFloat4 } from '../format.js';
import { formatDate, formatTimestamp } from '../datetime.js';
import { ANY, T, fn, op } from './core.js';
import type { PgArray } from '../array.js';

const J = (v: Value) => (v as Jsonb).value;
const S = (v: Value) => v as string;
const JB = T.jsonb;

function field(j: JsonValue, key: string): JsonValue | undefined {
  return j instanceof JsonObject ? j.get(key) : undefined;
}

/** jsonb -> int: a scalar is stored as a one-element array, so it answers index 0 and -1. */
function element(j: JsonValue, i: number): JsonValue | undefined {
  if (j instanceof JsonObject) return undefined;
  const arr = Array.isArray(j) ? j : [j];
  const k = i < 0 ? arr.length + i : i;
  return k >= 0 && k < arr.length ? arr[k] : undefined;
}

/** A path step into an array is an int4 as strtoint reads it, else the path yields NULL. */
function pathIndex(s: string): number | null {
  if (!/^[ \t\n\v\f\r]*[+-]?\d+$/.test(s)) return null;
  const n = Number(s.trim());
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}

function asText(j: JsonValue | undefined): Value {
  if (j === undefined || j === null) return null;
  return typeof j === 'string' ? j : stringify(j);
}

const wrap = (j: JsonValue | undefined): Value => (j === undefined ? null : new Jsonb(j));

op('->', { name: 'jsonb_object_field', args: [JB, T.text], returns: JB, eval: (v) => wrap(field(J(v[0]), S(v[1]))) });
op('->', { name: 'jsonb_array_element', args: [JB, T.int4], returns: JB, eval: (v) => wrap(element(J(v[0]), v[1] as number)) });
op('->>', { name: 'jsonb_object_field_text', args: [JB, T.text], returns: T.text, eval: (v) => asText(field(J(v[0]), S(v[1]))) });
op('->>', { name: 'jsonb_array_element_text', args: [JB, T.int4], returns: T.text, eval: (v) => asText(element(J(v[0]), v[1] as number)) });

function exists(j: JsonValue, key: string): boolean {
  if (j instanceof JsonObject) return j.get(key) !== undefined;
  if (Array.isArray(j)) return j.some((x) => x === key);
  return j === key;
}
op('?', { name: 'jsonb_exists', args: [JB, T.text], returns: T.bool, eval: (v) => exists(J(v[0]), S(v[1])) });
op('@>', { name: 'jsonb_contains', args: [JB, JB], returns: T.bool, eval: (v) => contains(J(v[0]), J(v[1])) });
op('<@', { name: 'jsonb_contained', args: [JB, JB], returns: T.bool, eval: (v) => contains(J(v[1]), J(v[0])) });

function concat(a: JsonValue, b: JsonValue): JsonValue {
  if (a instanceof JsonObject && b instanceof JsonObject) return JsonObject.from([...a.entries, ...b.entries]);
  const arr = (x: JsonValue): JsonValue[] => (Array.isArray(x) ? x : [x]);
  return [...arr(a), ...arr(b)];
}
op('||', { name: 'jsonb_concat', args: [JB, JB], returns: JB, eval: (v) => new Jsonb(concat(J(v[0]), J(v[1]))) });

function scalarDelete(): SqlError {
  return new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'cannot delete from scalar');
}
op('-', {
  name: 'jsonb_delete',
  args: [JB, T.text],
  returns: JB,
  eval: (v) => {
    const j = J(v[0]);
    const k = S(v[1]);
    if (j instanceof JsonObject) return new Jsonb(new JsonObject(j.entries.filter(([x]) => x !== k)));
    if (Array.isArray(j)) return new Jsonb(j.filter((x) => x !== k));
    throw scalarDelete();
  },
});
op('-', {
  name: 'jsonb_delete_idx',
  args: [JB, T.int4],
  returns: JB,
  eval: (v) => {
    const j = J(v[0]);
    if (j instanceof JsonObject) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'cannot delete from object using integer index');
    if (!Array.isArray(j)) throw scalarDelete();
    const n = v[1] as number;
    const k = n < 0 ? j.length + n : n;
    return new Jsonb(j.filter((_, i) => i !== k));
  },
});

fn('jsonb_typeof', { name: 'jsonb_typeof', args: [JB], returns: T.text, eval: (v) => typeOf(J(v[0])) });
fn('jsonb_array_length', {
  name: 'jsonb_array_length',
  args: [JB],
  returns: T.int4,
  eval: (v) => {
    const j = J(v[0]);
    if (Array.isArray(j)) return j.length;
    const what = j instanceof JsonObject ? 'a non-array' : 'a scalar';
    throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `cannot get array length of ${what}`);
  },
});

function path(j: JsonValue, keys: Value[]): JsonValue | undefined {
  let cur: JsonValue | undefined = j;
  for (const k of keys) {
    if (cur === undefined || k === null) return undefined;
    if (Array.isArray(cur)) {
      const n = pathIndex(S(k));
      if (n === null) return undefined;
      cur = element(cur, n);
    } else cur = field(cur, S(k));
  }
  return cur;
}
op('#>', { name: 'jsonb_extract_path_op', args: [JB, T._text], returns: JB, eval: (v) => wrap(path(J(v[0]), [...(v[1] as PgArray).elems])) });
op('#>>', { name: 'jsonb_extract_path_text_op', args: [JB, T._text], returns: T.text, eval: (v) => asText(path(J(v[0]), [...(v[1] as PgArray).elems])) });
// NULL keys in the list are ignored, as in PostgreSQL
const keysOf = (a: Value) => (a as PgArray).elems.filter((k): k is string => k !== null);
op('?|', { name: 'jsonb_exists_any', args: [JB, T._text], returns: T.bool, eval: (v) => keysOf(v[1]).some((k) => exists(J(v[0]), k)) });
op('?&', { name: 'jsonb_exists_all', args: [JB, T._text], returns: T.bool, eval: (v) => keysOf(v[1]).every((k) => exists(J(v[0]), k)) });

fn('jsonb_extract_path', {
  name: 'jsonb_extract_path',
  args: [JB, T.text],
  variadic: true,
  returns: JB,
  eval: (v) => wrap(path(J(v[0]), v.slice(1))),
});
fn('jsonb_extract_path_text', {
  name: 'jsonb_extract_path_text',
  args: [JB, T.text],
  variadic: true,
  returns: T.text,
  eval: (v) => asText(path(J(v[0]), v.slice(1))),
});

function stripNulls(j: JsonValue): JsonValue {
  if (j instanceof JsonObject) return new JsonObject(j.entries.filter(([, x]) => x !== null).map(([k, x]) => [k, stripNulls(x)]));
  if (Array.isArray(j)) return j.map(stripNulls);
  return j;
}
fn('jsonb_strip_nulls', { name: 'jsonb_strip_nulls', args: [JB], returns: JB, eval: (v) => new Jsonb(stripNulls(J(v[0]))) });

// An empty container still gets its line break: jsonb_pretty('[]') is "[\n]".
function pretty(j: JsonValue, indent: string): string {
  if (Array.isArray(j)) {
    if (j.length === 0) return '[\n' + indent + ']';
    const inner = indent + '    ';
    return '[\n' + j.map((x) => inner + pretty(x, inner)).join(',\n') + '\n' + indent + ']';
  }
  if (j instanceof JsonObject) {
    if (j.entries.length === 0) return '{\n' + indent + '}';
    const inner = indent + '    ';
    return '{\n' + j.entries.map(([k, x]) => inner + stringify(k) + ': ' + pretty(x, inner)).join(',\n') + '\n' + indent + '}';
  }
  return stringify(j);
}
fn('jsonb_pretty', { name: 'jsonb_pretty', args: [JB], returns: T.text, eval: (v) => pretty(J(v[0]), '') });

// --- building jsonb from SQL values ---

/** to_jsonb's conversion of a value of type t (datetimes in ISO 8601 'T' form). */
export function toJsonValue(v: Value, t: SqlType): JsonValue {
  if (v === null) return null;
  switch (t.id) {
    case 'bool':
      return v as boolean;
    case 'int2':
    case 'int4':
    case 'int8':
      return Decimal.fromBigInt(BigInt(v as number | bigint));
    case 'numeric':
      return (v as Decimal).isFinite() ? (v as Decimal) : (v as Decimal).toString();
    case 'float4':
    case 'float8': {
      const x = v as number;
      const s = t.id === 'float4' ? formatFloat4(x) : formatFloat8(x);
      return Number.isFinite(x) ? Decimal.parse(s) : s;
    }
    case 'jsonb':
      return (v as Jsonb).value;
    case 'date':
      return formatDate(v as number);
    case 'timestamp':
    case 'timestamptz': {
      const s = formatTimestamp(v as bigint, t.id === 'timestamptz');
      if (s.endsWith('infinity')) return s;
      const iso = s.replace(' ', 'T');
      return t.id === 'timestamptz' ? iso.replace(/([+-]\d\d)( BC)?$/, '$1:00$2') : iso;
    }
    case 'interval':
      return (v as Interval).toString();
    default:
      return formatValue(v, t) as string;
  }
}

fn('to_jsonb', {
  name: 'to_jsonb',
  args: [ANY],
  returns: JB,
  eval: () => null,
  evalFor: (ts) => (v) => new Jsonb(toJsonValue(v[0], ts[0])),
});

fn('jsonb_build_array', {
  name: 'jsonb_build_array',
  args: [ANY],
  variadic: true,
  strict: false,
  returns: JB,
  eval: () => null,
  evalFor: (ts) => (v) => new Jsonb(v.map((x, i) => toJsonValue(x, ts[i]))),
});
fn('jsonb_build_array', { name: 'jsonb_build_array_noargs', args: [], returns: JB, eval: () => new Jsonb([]) });

fn('jsonb_build_object', {
  name: 'jsonb_build_object',
  args: [ANY],
  variadic: true,
  strict: false,
  returns: JB,
  eval: () => null,
  evalFor: (ts) => {
    if (ts.length % 2 !== 0) {
      throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'argument list must have even number of elements', {
        hint: 'The arguments of jsonb_build_object() must consist of alternating keys and values.',
      });
    }
    return (v) => {
      const pairs: [string, JsonValue][] = [];
      for (let i = 0; i < v.length; i += 2) {
        if (v[i] === null) {
          throw new SqlError('22004', `argument ${i + 1}: key must not be null`);
        }
        const k = ts[i].id === 'bool' ? (v[i] ? 'true' : 'false') : (formatValue(v[i], ts[i]) as string);
        pairs.push([k, toJsonValue(v[i + 1], ts[i + 1])]);
      }
      return new Jsonb(JsonObject.from(pairs));
    };
  },
});
fn('jsonb_build_object', { name: 'jsonb_build_object_noargs', args: [], returns: JB, eval: () => new Jsonb(JsonObject.from([])) });
