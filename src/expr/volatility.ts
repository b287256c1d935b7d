// Volatility of functions, operators and casts, as PostgreSQL's pg_proc.provolatile has it.
//
// It matters for constant folding: eval_const_expressions evaluates at plan time only
// IMMUTABLE functions (and the casts whose functions are immutable), so an error such as
// `''::text::int4` fails the statement even over an empty table, while a STABLE one
// (`date_trunc('month', '2024-02-29'::date)`, which goes through timestamptz) is evaluated
// only if a row needs it. Tributary's own `volatile` flag (functions.ts) is a different
// matter: it marks functions whose value changes between steps (now(), random()), which a
// materialized view refuses. Stable functions listed here are deterministic in Tributary
// (the time zone and other settings are fixed), so views may use them.

import type { SqlType } from '../sql/types.js';
import { isArrayType, elementType, isOidType } from '../sql/types.js';
import { getFunctionImpl } from './functions/registry.js';

export type Volatility = 'immutable' | 'stable' | 'volatile';

/**
 * Implementations whose PostgreSQL function is STABLE (checked against pg_proc by
 * test/volatility.test.ts): time-zone dependent timestamptz arithmetic and comparisons,
 * output-function based text conversions of "any" arguments, and catalog lookups.
 */
const STABLE = new Set([
  // timestamptz: depends on TimeZone
  'timestamptz_part', 'timestamptz_trunc', 'extract_timestamptz',
  'timestamptz_pl_interval', 'interval_pl_timestamptz', 'timestamptz_mi_interval',
  ...['eq', 'ne', 'lt', 'le', 'gt', 'ge'].flatMap((o) => [`tstz_date${o}`, `date_tstz${o}`, `tstz_ts${o}`, `ts_tstz${o}`]),
  // call the arguments' output functions (some of which are stable)
  'textanycat', 'anytextcat', 'text_concat', 'text_concat_ws', 'text_format', 'text_format_nv',
  'to_jsonb', 'jsonb_build_array', 'jsonb_build_array_noargs', 'jsonb_build_object', 'jsonb_build_object_noargs',
  // catalog lookups
  'col_description', 'obj_description', 'obj_description_1', 'shobj_description', 'current_schemas', 'format_type',
  'pg_encoding_to_char', 'pg_function_is_visible', 'pg_table_is_visible', 'pg_type_is_visible', 'pg_relation_is_publishable',
  'to_regclass', 'to_regnamespace', 'to_regtype', 'pg_get_userbyid', 'pg_get_serial_sequence',
  'pg_database_size_name', 'pg_database_size_oid', 'pg_indexes_size', 'pg_is_in_recovery', 'pg_relation_size',
  'pg_table_size', 'pg_total_relation_size', 'pg_char_to_encoding', 'getdatabaseencoding', 'pg_tablespace_location',
  'pg_statistics_obj_is_visible', 'pg_collation_is_visible',
]);

/** Prefixes of families of stable implementations (one per type or variant). */
const STABLE_PREFIXES = ['array_to_string_', 'pg_has_role_', 'has_any_column_privilege', 'has_database_privilege', 'has_schema_privilege', 'has_table_privilege', 'pg_get_'];

export function functionVolatility(fn: string): Volatility {
  const impl = getFunctionImpl(fn);
  if (impl.volatile) return 'volatile';
  // a specialised polymorphic implementation is named 'base|types'
  const bar = impl.name.indexOf('|');
  const base = bar > 0 ? impl.name.slice(0, bar) : impl.name;
  if (STABLE.has(base) || STABLE_PREFIXES.some((p) => base.startsWith(p))) return 'stable';
  return 'immutable';
}

/** Types whose input and output functions are STABLE (DateStyle, IntervalStyle, catalog lookups). */
function hasStableIO(t: SqlType): boolean {
  switch (t.id) {
    case 'date':
    case 'timestamp':
    case 'timestamptz':
    case 'interval':
      return true;
    default:
      return t.id === 'record' || (isOidType(t) && t.id !== 'oid');
  }
}

function isStringType(t: SqlType): boolean {
  return t.id === 'text' || t.id === 'varchar' || t.id === 'bpchar' || t.id === 'name' || t.id === 'char';
}

/**
 * Volatility of a cast (pg_cast's function, or the output and input functions of a cast
 * through text, or the element cast of an array coercion).
 */
export function castVolatility(from: SqlType, to: SqlType): Volatility {
  // an untyped literal is coerced by the parser, whatever the input function's volatility
  if (from.id === to.id || from.id === 'unknown') return 'immutable';
  if (isArrayType(from) && isArrayType(to)) return castVolatility(elementType(from)!, elementType(to)!);
  // array_in / array_out are stable
  if (isArrayType(from) || isArrayType(to)) return 'stable';
  if ((isStringType(from) && hasStableIO(to)) || (isStringType(to) && hasStableIO(from))) return 'stable';
  // text → regclass is a stable lookup; oid and integers ↔ reg* are binary
  if (isStringType(from) && isOidType(to) && to.id !== 'oid') return 'stable';
  // conversions to and from timestamptz depend on TimeZone
  if ((to.id === 'timestamptz' && (from.id === 'date' || from.id === 'timestamp')) || (from.id === 'timestamptz' && (to.id === 'date' || to.id === 'timestamp'))) {
    return 'stable';
  }
  return 'immutable';
}
