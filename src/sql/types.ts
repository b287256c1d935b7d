// SQL types as the binder and the runtime see them. Names, OIDs and categories follow
// PostgreSQL's pg_type so that casts, operator resolution and the wire protocol agree with it.

import { formatIntervalTypmod } from '../expr/interval_typmod.js';

export type TypeId =
  | 'bool'
  | 'int2'
  | 'int4'
  | 'int8'
  | 'numeric'
  | 'float4'
  | 'float8'
  | 'text'
  | 'varchar'
  | 'bpchar'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'interval'
  | 'jsonb'
  // System-catalog types (src/catalog/system): oid and the reg* aliases hold oids as JS
  // numbers; name and "char" are strings; the array-like catalog types hold their
  // PostgreSQL text form and support only output and casts to text.
  | 'oid'
  | 'regclass'
  | 'regtype'
  | 'regproc'
  | 'regnamespace'
  | 'regrole'
  | 'name'
  | 'char'
  | 'int2vector'
  | 'oidvector'
  | 'pg_node_tree'
  | '_text'
  | '_oid'
  | '_char'
  | '_int2'
  | '_name'
  | '_aclitem'
  // Arrays of our scalar types (one dimension; values are PgArray, expr/array.ts).
  | '_bool' | '_int4' | '_int8' | '_numeric' | '_float4' | '_float8' | '_varchar' | '_bpchar'
  | '_date' | '_timestamp' | '_timestamptz' | '_interval' | '_jsonb' | '_regclass' | '_regtype'
  /** An anonymous composite (expr/record.ts): the typmod names its registered fields. */
  | 'record'
  /** The type of an untyped literal ('...') or NULL before context resolves it. */
  | 'unknown';

export interface SqlType {
  readonly id: TypeId;
  /** varchar(n)/bpchar(n): n; numeric(p,s): (p << 16) | s; -1 when absent, as in PostgreSQL. */
  readonly typmod: number;
}

/** Type category letters from pg_type.typcategory: drive implicit-cast preference. */
export type TypeCategory = 'B' | 'N' | 'S' | 'D' | 'T' | 'U' | 'X' | 'Z' | 'A' | 'P';

interface TypeInfo {
  oid: number;
  /** Name as format_type prints it. */
  name: string;
  category: TypeCategory;
  /** The preferred type of its category (pg_type.typispreferred). */
  preferred: boolean;
  /** Bytes for fixed-width types, -1 for variable width (pg_type.typlen). */
  len: number;
}

export const TYPE_INFO: Record<TypeId, TypeInfo> = {
  bool: { oid: 16, name: 'boolean', category: 'B', preferred: true, len: 1 },
  int2: { oid: 21, name: 'smallint', category: 'N', preferred: false, len: 2 },
  int4: { oid: 23, name: 'integer', category: 'N', preferred: false, len: 4 },
  int8: { oid: 20, name: 'bigint', category: 'N', preferred: false, len: 8 },
  numeric: { oid: 1700, name: 'numeric', category: 'N', preferred: false, len: -1 },
  float4: { oid: 700, name: 'real', category: 'N', preferred: false, len: 4 },
  float8: { oid: 701, name: 'double precision', category: 'N', preferred: true, len: 8 },
  text: { oid: 25, name: 'text', category: 'S', preferred: true, len: -1 },
  varchar: { oid: 1043, name: 'character varying', category: 'S', preferred: false, len: -1 },
  bpchar: { oid: 1042, name: 'character', category: 'S', preferred: false, len: -1 },
  date: { oid: 1082, name: 'date', category: 'D', preferred: false, len: 4 },
  timestamp: { oid: 1114, name: 'timestamp without time zone', category: 'D', preferred: false, len: 8 },
  timestamptz: { oid: 1184, name: 'timestamp with time zone', category: 'D', preferred: true, len: 8 },
  interval: { oid: 1186, name: 'interval', category: 'T', preferred: true, len: 16 },
  jsonb: { oid: 3802, name: 'jsonb', category: 'U', preferred: false, len: -1 },
  oid: { oid: 26, name: 'oid', category: 'N', preferred: false, len: 4 },
  regclass: { oid: 2205, name: 'regclass', category: 'N', preferred: false, len: 4 },
  regtype: { oid: 2206, name: 'regtype', category: 'N', preferred: false, len: 4 },
  regproc: { oid: 24, name: 'regproc', category: 'N', preferred: false, len: 4 },
  regnamespace: { oid: 4089, name: 'regnamespace', category: 'N', preferred: false, len: 4 },
  regrole: { oid: 4096, name: 'regrole', category: 'N', preferred: false, len: 4 },
  name: { oid: 19, name: 'name', category: 'S', preferred: false, len: 64 },
  char: { oid: 18, name: '"char"', category: 'Z', preferred: false, len: 1 },
  int2vector: { oid: 22, name: 'int2vector', category: 'A', preferred: false, len: -1 },
  oidvector: { oid: 30, name: 'oidvector', category: 'A', preferred: false, len: -1 },
  pg_node_tree: { oid: 194, name: 'pg_node_tree', category: 'Z', preferred: false, len: -1 },
  _text: { oid: 1009, name: 'text[]', category: 'A', preferred: false, len: -1 },
  _oid: { oid: 1028, name: 'oid[]', category: 'A', preferred: false, len: -1 },
  _char: { oid: 1002, name: '"char"[]', category: 'A', preferred: false, len: -1 },
  _int2: { oid: 1005, name: 'smallint[]', category: 'A', preferred: false, len: -1 },
  _name: { oid: 1003, name: 'name[]', category: 'A', preferred: false, len: -1 },
  _aclitem: { oid: 1034, name: 'aclitem[]', category: 'A', preferred: false, len: -1 },
  _bool: { oid: 1000, name: 'boolean[]', category: 'A', preferred: false, len: -1 },
  _int4: { oid: 1007, name: 'integer[]', category: 'A', preferred: false, len: -1 },
  _int8: { oid: 1016, name: 'bigint[]', category: 'A', preferred: false, len: -1 },
  _numeric: { oid: 1231, name: 'numeric[]', category: 'A', preferred: false, len: -1 },
  _float4: { oid: 1021, name: 'real[]', category: 'A', preferred: false, len: -1 },
  _float8: { oid: 1022, name: 'double precision[]', category: 'A', preferred: false, len: -1 },
  _varchar: { oid: 1015, name: 'character varying[]', category: 'A', preferred: false, len: -1 },
  _bpchar: { oid: 1014, name: 'character[]', category: 'A', preferred: false, len: -1 },
  _date: { oid: 1182, name: 'date[]', category: 'A', preferred: false, len: -1 },
  _timestamp: { oid: 1115, name: 'timestamp without time zone[]', category: 'A', preferred: false, len: -1 },
  _timestamptz: { oid: 1185, name: 'timestamp with time zone[]', category: 'A', preferred: false, len: -1 },
  _interval: { oid: 1187, name: 'interval[]', category: 'A', preferred: false, len: -1 },
  _jsonb: { oid: 3807, name: 'jsonb[]', category: 'A', preferred: false, len: -1 },
  _regclass: { oid: 2210, name: 'regclass[]', category: 'A', preferred: false, len: -1 },
  _regtype: { oid: 2211, name: 'regtype[]', category: 'A', preferred: false, len: -1 },
  record: { oid: 2249, name: 'record', category: 'P', preferred: false, len: -1 },
  unknown: { oid: 705, name: 'unknown', category: 'X', preferred: false, len: -2 },
};

/** oid and the reg* types: an oid held as a JS number. */
export function isOidType(t: SqlType): boolean {
  switch (t.id) {
    case 'oid': case 'regclass': case 'regtype': case 'regproc': case 'regnamespace': case 'regrole':
      return true;
    default:
      return false;
  }
}

/** Catalog types held as their text form that support only output and casts to text. */
export function isOpaqueType(t: SqlType): boolean {
  return t.id === '_aclitem' || t.id === 'pg_node_tree';
}

/**
 * Array types and their element types. The array's typmod is its element's (as
 * pg_attribute.atttypmod has it). int2vector/oidvector are arrays with lower bound 0.
 */
const ELEMENT: Partial<Record<TypeId, TypeId>> = {
  _text: 'text', _oid: 'oid', _char: 'char', _int2: 'int2', _name: 'name', _bool: 'bool', _int4: 'int4',
  _int8: 'int8', _numeric: 'numeric', _float4: 'float4', _float8: 'float8', _varchar: 'varchar', _bpchar: 'bpchar',
  _date: 'date', _timestamp: 'timestamp', _timestamptz: 'timestamptz', _interval: 'interval', _jsonb: 'jsonb',
  _regclass: 'regclass', _regtype: 'regtype', int2vector: 'int2', oidvector: 'oid',
};
const ARRAY_OF: Partial<Record<TypeId, TypeId>> = {};
for (const [a, e] of Object.entries(ELEMENT)) if (!a.endsWith('vector')) ARRAY_OF[e as TypeId] = a as TypeId;

export function isArrayType(t: SqlType): boolean {
  return ELEMENT[t.id] !== undefined;
}

/** The element type of an array type (undefined for other types). */
export function elementType(t: SqlType): SqlType | undefined {
  const e = ELEMENT[t.id];
  return e === undefined ? undefined : type(e, t.typmod);
}

/** The array type over t (undefined when we have none: arrays of arrays, of unknown, …). */
export function arrayTypeOf(t: SqlType): SqlType | undefined {
  const a = ARRAY_OF[t.id];
  return a === undefined ? undefined : type(a, t.typmod);
}

/** All array type ids (for registering array functions per type). */
export function arrayTypeIds(): TypeId[] {
  return Object.keys(ELEMENT).filter((a) => !a.endsWith('vector')) as TypeId[];
}

const cache = new Map<TypeId, SqlType>();
export function type(id: TypeId, typmod = -1): SqlType {
  if (typmod !== -1) return { id, typmod };
  let t = cache.get(id);
  if (!t) {
    t = Object.freeze({ id, typmod: -1 });
    cache.set(id, t);
  }
  return t;
}

export const T = {
  bool: type('bool'),
  int2: type('int2'),
  int4: type('int4'),
  int8: type('int8'),
  numeric: type('numeric'),
  float4: type('float4'),
  float8: type('float8'),
  text: type('text'),
  varchar: type('varchar'),
  bpchar: type('bpchar'),
  date: type('date'),
  timestamp: type('timestamp'),
  timestamptz: type('timestamptz'),
  interval: type('interval'),
  jsonb: type('jsonb'),
  oid: type('oid'),
  regclass: type('regclass'),
  regtype: type('regtype'),
  regproc: type('regproc'),
  regnamespace: type('regnamespace'),
  regrole: type('regrole'),
  name: type('name'),
  char: type('char'),
  int2vector: type('int2vector'),
  oidvector: type('oidvector'),
  pg_node_tree: type('pg_node_tree'),
  _text: type('_text'),
  _oid: type('_oid'),
  _char: type('_char'),
  _int2: type('_int2'),
  _name: type('_name'),
  _aclitem: type('_aclitem'),
  _bool: type('_bool'),
  _int4: type('_int4'),
  _int8: type('_int8'),
  _numeric: type('_numeric'),
  _float4: type('_float4'),
  _float8: type('_float8'),
  _varchar: type('_varchar'),
  _bpchar: type('_bpchar'),
  _date: type('_date'),
  _timestamp: type('_timestamp'),
  _timestamptz: type('_timestamptz'),
  _interval: type('_interval'),
  _jsonb: type('_jsonb'),
  _regclass: type('_regclass'),
  _regtype: type('_regtype'),
  record: type('record'),
  unknown: type('unknown'),
} as const;

export function typeOid(t: SqlType): number {
  return TYPE_INFO[t.id].oid;
}

/** format_type(oid, typmod) as PostgreSQL prints it, e.g. "character varying(10)", "numeric(10,2)". */
export function formatType(t: SqlType): string {
  const base = TYPE_INFO[t.id].name;
  if (t.typmod < 0) return base;
  const elem = ELEMENT[t.id];
  if (elem !== undefined && !t.id.endsWith('vector')) return formatType(type(elem, t.typmod)) + '[]';
  switch (t.id) {
    case 'varchar':
    case 'bpchar':
      return `${base}(${t.typmod})`;
    case 'numeric':
      return `numeric(${t.typmod >> 16},${t.typmod & 0xffff})`;
    case 'interval':
      return `${base}${formatIntervalTypmod(t.typmod)}`;
    default:
      return base;
  }
}

export function sameType(a: SqlType, b: SqlType): boolean {
  return a.id === b.id && a.typmod === b.typmod;
}

export function isNumericCategory(t: SqlType): boolean {
  return TYPE_INFO[t.id].category === 'N';
}

export function isStringType(t: SqlType): boolean {
  return t.id === 'text' || t.id === 'varchar' || t.id === 'bpchar';
}

export function isIntegerType(t: SqlType): boolean {
  return t.id === 'int2' || t.id === 'int4' || t.id === 'int8';
}

/**
 * Map a PostgreSQL type name (as the parser gives it: "int4", "varchar", "timestamptz", or
 * the SQL spelling "integer") to our TypeId. Returns undefined for types we do not support.
 */
export function typeIdFromName(name: string): TypeId | undefined {
  const n = name.toLowerCase();
  // PostgreSQL's internal array type names: _int4, _text, …
  if (n.startsWith('_') && n !== '_aclitem' && n in TYPE_INFO) return n as TypeId;
  return TYPE_ALIASES[n];
}

const TYPE_ALIASES: Record<string, TypeId> = {
  bool: 'bool', boolean: 'bool',
  int2: 'int2', smallint: 'int2',
  int4: 'int4', int: 'int4', integer: 'int4',
  int8: 'int8', bigint: 'int8',
  numeric: 'numeric', decimal: 'numeric',
  float4: 'float4', real: 'float4',
  float8: 'float8', 'double precision': 'float8', float: 'float8',
  text: 'text',
  varchar: 'varchar', 'character varying': 'varchar',
  bpchar: 'bpchar', character: 'bpchar',
  // a one-part "char" is the internal single-byte type; SQL char(n) parses as pg_catalog.bpchar
  char: 'char',
  oid: 'oid', regclass: 'regclass', regtype: 'regtype', regproc: 'regproc', regnamespace: 'regnamespace', regrole: 'regrole',
  name: 'name',
  date: 'date',
  timestamp: 'timestamp', 'timestamp without time zone': 'timestamp',
  timestamptz: 'timestamptz', 'timestamp with time zone': 'timestamptz',
  interval: 'interval',
  jsonb: 'jsonb',
  int2vector: 'int2vector', oidvector: 'oidvector',
  unknown: 'unknown',
};
