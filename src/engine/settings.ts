// Session settings (SET / SHOW / RESET). The values PostgreSQL reports at connection start
// are here with PostgreSQL's defaults; settings that change semantics we have not built
// (DateStyle other than ISO, TimeZone other than UTC, IntervalStyle …) are refused rather
// than accepted and ignored.

import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import { strVal } from '../sql/parser.js';

export const SERVER_VERSION = '15.0';

const DEFAULTS: Record<string, string> = {
  server_version: SERVER_VERSION,
  server_version_num: '150000',
  server_encoding: 'UTF8',
  client_encoding: 'UTF8',
  datestyle: 'ISO, MDY',
  intervalstyle: 'postgres',
  timezone: 'UTC',
  integer_datetimes: 'on',
  standard_conforming_strings: 'on',
  application_name: '',
  search_path: '"$user", public',
  extra_float_digits: '1',
  statement_timeout: '0',
  transaction_isolation: 'serializable',
  default_transaction_isolation: 'serializable',
  is_superuser: 'on',
  max_identifier_length: '63',
  lc_collate: 'C',
  lc_ctype: 'C.UTF-8',
};

/** Only these values are accepted for settings that would change results. */
const FIXED: Record<string, (v: string) => boolean> = {
  datestyle: (v) => /^\s*iso(\s*,\s*(mdy|ymd|dmy))?\s*$/i.test(v) || /^\s*(mdy|ymd|dmy)\s*,\s*iso\s*$/i.test(v),
  timezone: (v) => /^(utc|gmt|z|zulu|etc\/utc|\+?0+(:00)?|utc0)$/i.test(v.trim()),
  intervalstyle: (v) => v.toLowerCase() === 'postgres',
  client_encoding: (v) => /^(utf8|utf-8|unicode)$/i.test(v),
  standard_conforming_strings: (v) => /^(on|true|1)$/i.test(v),
};

/** Peers' session knobs that have no meaning here; accepted and ignored. */
const IGNORED_PREFIXES = ['streaming_', 'rw_', 'batch_', 'query_mode', 'enable_', 'cluster', 'transaction_', 'lock_timeout', 'idle_', 'synchronous_commit', 'work_mem', 'jit', 'row_security', 'client_min_messages', 'bytea_output', 'xmloption', 'default_'];

export class Settings {
  private values = new Map<string, string>();

  get(name: string): string {
    const k = name.toLowerCase();
    if (k === 'all') throw unsupported('SHOW ALL');
    const v = this.values.get(k) ?? DEFAULTS[k];
    if (v === undefined) {
      if (IGNORED_PREFIXES.some((p) => k.startsWith(p))) return '';
      throw new SqlError(SQLSTATE.UNDEFINED_OBJECT, `unrecognized configuration parameter "${name}"`);
    }
    return k === 'datestyle' ? 'ISO, MDY' : v;
  }

  isSet(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }

  /** Apply a VariableSetStmt parse node. */
  set(n: any): void {
    const kind: string = n.kind;
    if (kind === 'VAR_RESET_ALL') return this.reset();
    const name = String(n.name ?? '').toLowerCase();
    if (kind === 'VAR_RESET' || kind === 'VAR_SET_DEFAULT') {
      this.values.delete(name);
      return;
    }
    if (kind === 'VAR_SET_MULTI') return; // SET TRANSACTION … / SET SESSION CHARACTERISTICS
    const value = ((n.args ?? []) as any[]).map(argText).join(', ');
    if (name === 'time zone' || name === 'timezone') return this.put('timezone', value);
    this.put(name, value);
  }

  private put(name: string, value: string): void {
    const check = FIXED[name];
    if (check && !check(value)) throw unsupported(`${name} = '${value}'`);
    if (!(name in DEFAULTS) && !IGNORED_PREFIXES.some((p) => name.startsWith(p)) && !name.includes('.')) {
      throw new SqlError(SQLSTATE.UNDEFINED_OBJECT, `unrecognized configuration parameter "${name}"`);
    }
    this.values.set(name, value);
  }

  reset(): void {
    this.values.clear();
  }
}

function argText(a: any): string {
  const c = a.A_Const;
  if (c) {
    if (c.sval) return c.sval.sval ?? '';
    if (c.ival) return String(c.ival.ival ?? 0);
    if (c.fval) return c.fval.fval;
    if (c.boolval) return c.boolval.boolval ? 'on' : 'off';
  }
  if (a.TypeCast) return argText(a.TypeCast.arg);
  return strVal(a);
}
