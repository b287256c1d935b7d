// Session settings (SET / SHOW / RESET). The values PostgreSQL reports at connection start
// are here with PostgreSQL's defaults; settings that change semantics we have not built
// (DateStyle other than ISO, TimeZone other than UTC, IntervalStyle …) are refused rather
// than accepted and ignored.
//
// As in PostgreSQL, settings are transactional: the session keeps its values in `values`,
// a transaction's SET LOCAL values and its characteristics (transaction_read_only,
// _isolation, _deferrable) in `local`; the session snapshots both at BEGIN and SAVEPOINT and
// restores them on ROLLBACK [TO].

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
  idle_in_transaction_session_timeout: '0',
  idle_session_timeout: '0',
  default_transaction_isolation: 'read committed',
  default_transaction_read_only: 'off',
  default_transaction_deferrable: 'off',
  is_superuser: 'on',
  max_identifier_length: '63',
  lc_collate: 'C',
  lc_ctype: 'C.UTF-8',
  // accepted and ignored (nothing spills to disk; tributary.memory_limit bounds memory), shown as PostgreSQL's default
  work_mem: '4MB',
};

/**
 * A transaction's characteristics, each taken from its default when the transaction starts
 * (outside a block, every statement is a transaction of its own, so reading one gives the default).
 */
export const CHARACTERISTICS: Record<string, string> = {
  transaction_read_only: 'default_transaction_read_only',
  transaction_isolation: 'default_transaction_isolation',
  transaction_deferrable: 'default_transaction_deferrable',
};
const CHARACTERISTIC_ENTRIES = Object.entries(CHARACTERISTICS);

const BOOLEANS = new Set(['default_transaction_read_only', 'transaction_read_only', 'default_transaction_deferrable', 'transaction_deferrable']);
const ISOLATION_LEVELS = ['serializable', 'repeatable read', 'read committed', 'read uncommitted'];

/** Only these values are accepted for settings that would change results. */
const FIXED: Record<string, (v: string) => boolean> = {
  // only month-day-year input order is implemented (DMY and YMD would read '01/02/03' otherwise)
  datestyle: (v) => /^\s*iso(\s*,\s*mdy)?\s*$/i.test(v) || /^\s*mdy\s*,\s*iso\s*$/i.test(v),
  timezone: (v) => /^(utc|gmt|z|zulu|etc\/utc|\+?0+(:00)?|utc0)$/i.test(v.trim()),
  intervalstyle: (v) => v.toLowerCase() === 'postgres',
  client_encoding: (v) => /^(utf8|utf-8|unicode)$/i.test(v),
  standard_conforming_strings: (v) => /^(on|true|1)$/i.test(v),
};

/** Peers' session knobs that have no meaning here; accepted and ignored. */
const IGNORED_PREFIXES = ['streaming_', 'rw_', 'batch_', 'query_mode', 'enable_', 'cluster', 'transaction_', 'lock_timeout', 'idle_', 'synchronous_commit', 'work_mem', 'jit', 'row_security', 'client_min_messages', 'bytea_output', 'xmloption', 'default_'];

/** Where a SET runs, for the checks PostgreSQL makes on the transaction characteristics. */
export interface SetContext {
  /** Inside a BEGIN block (or a multi-statement implicit transaction). */
  inBlock: boolean;
  /** Inside a savepoint. */
  subtransaction: boolean;
  /** The transaction has run a query (PostgreSQL's FirstSnapshotSet). */
  snapshotTaken: boolean;
}

export interface SettingsSnapshot {
  values: Map<string, string>;
  local: Map<string, string>;
}

export class Settings {
  private values = new Map<string, string>();
  private local = new Map<string, string>();
  /**
   * Changes whenever a value other than a transaction characteristic may have changed (the
   * wire server reports changed settings after each statement, and most change none).
   */
  version = 0;
  /** `values`/`local` are held by a snapshot too: copied before they are changed. */
  private valuesShared = false;
  private localShared = false;
  /** The characteristics a transaction starts with, while the values they come from stand. */
  private begun: Map<string, string> | null = null;

  private valuesForWrite(): Map<string, string> {
    this.begun = null;
    if (this.valuesShared) {
      this.values = new Map(this.values);
      this.valuesShared = false;
    }
    return this.values;
  }

  private localForWrite(): Map<string, string> {
    if (this.localShared) {
      this.local = new Map(this.local);
      this.localShared = false;
    }
    return this.local;
  }
  /** The server's own defaults (`tributary serve -c name=value`), which RESET returns to. */
  private serverDefaults = new Map<string, string>();

  /** Set the server-wide defaults; each value is checked as SET checks it. */
  setServerDefaults(defaults: ReadonlyMap<string, string>): void {
    this.serverDefaults = checkedServerDefaults(defaults);
    this.begun = null;
  }

  /** A time setting's value in milliseconds (statement_timeout, idle_…_timeout); 0 is off. */
  milliseconds(name: string): number {
    return timeSettingMs(this.get(name));
  }

  /** Values fixed when the server starts (PostgreSQL's postmaster context): shown, never SET. */
  readonly server = new Map<string, () => string>();

  get(name: string): string {
    const k = name.toLowerCase();
    if (k === 'all') throw unsupported('SHOW ALL');
    const fixed = this.server.get(k);
    if (fixed !== undefined) return fixed();
    const local = this.local.get(k);
    if (local !== undefined) return local;
    if (k in CHARACTERISTICS) return this.get(CHARACTERISTICS[k]);
    const v = this.values.get(k) ?? this.serverDefaults.get(k) ?? DEFAULTS[k];
    if (v === undefined) {
      if (IGNORED_PREFIXES.some((p) => k.startsWith(p))) return '';
      throw new SqlError(SQLSTATE.UNDEFINED_OBJECT, `unrecognized configuration parameter "${name}"`);
    }
    return k === 'datestyle' ? 'ISO, MDY' : v;
  }

  /** The current transaction is read-only (transaction_read_only). */
  get readOnly(): boolean {
    return this.get('transaction_read_only') === 'on';
  }

  isSet(name: string): boolean {
    const k = name.toLowerCase();
    return this.values.has(k) || this.local.has(k);
  }

  /** pg_settings.source. */
  source(name: string): string {
    const k = name.toLowerCase();
    if (k in CHARACTERISTICS) return this.explicit.has(k) ? 'session' : 'override';
    return this.isSet(k) ? 'session' : 'default';
  }

  /** Characteristics set by SET or BEGIN's options in this transaction (pg_settings.source). */
  private explicit = new Set<string>();

  /**
   * Apply a VariableSetStmt parse node; returns PostgreSQL's warnings. SET LOCAL and SET
   * TRANSACTION outside a block do nothing (with a warning), as in PostgreSQL.
   */
  set(n: any, cx: SetContext): string[] {
    this.version++;
    const kind: string = n.kind;
    if (kind === 'VAR_RESET_ALL') {
      this.reset();
      return [];
    }
    const given = String(n.name ?? '').toLowerCase();
    const name = given === 'time zone' ? 'timezone' : given;
    if (this.server.has(name)) {
      throw new SqlError(SQLSTATE.CANT_CHANGE_RUNTIME_PARAM, `parameter "${name}" cannot be changed without restarting the server`);
    }
    if (kind === 'VAR_SET_MULTI') return this.setMulti(name, n.args ?? [], cx);
    if (n.is_local && !cx.inBlock) return ['SET LOCAL can only be used in transaction blocks'];
    if (kind === 'VAR_RESET' || kind === 'VAR_SET_DEFAULT') {
      // transaction_read_only resets to off (its boot value), as in PostgreSQL
      if (name === 'transaction_read_only') this.put(name, 'off', cx, true);
      else if (!(name in CHARACTERISTICS)) {
        if (n.is_local) this.localForWrite().set(name, this.serverDefaults.get(name) ?? DEFAULTS[name] ?? '');
        else {
          this.valuesForWrite().delete(name);
          this.localForWrite().delete(name);
        }
      }
      return [];
    }
    if (kind !== 'VAR_SET_VALUE') throw unsupported(`SET ${name} ${kind === 'VAR_SET_CURRENT' ? 'FROM CURRENT' : ''}`.trim());
    const value = ((n.args ?? []) as any[]).map(argText).join(', ');
    this.put(name, value, cx, !!n.is_local);
    return [];
  }

  /** SET TRANSACTION …, SET SESSION CHARACTERISTICS AS TRANSACTION … (and BEGIN's options). */
  private setMulti(name: string, args: any[], cx: SetContext): string[] {
    if (name === 'transaction') {
      if (!cx.inBlock) return ['SET TRANSACTION can only be used in transaction blocks'];
      this.setTransactionOptions(args, cx);
      return [];
    }
    if (name === 'session characteristics') {
      for (const d of args) this.put(`default_${d.DefElem.defname}`, argText(d.DefElem.arg), cx, false);
      return [];
    }
    throw unsupported(`SET ${name.toUpperCase()}`);
  }

  /** Throws if an option of BEGIN's list has a value we refuse (so no block starts). */
  checkTransactionOptions(options: any[]): void {
    for (const d of options) normalize(String(d.DefElem.defname), argText(d.DefElem.arg));
  }

  /** BEGIN's / SET TRANSACTION's option list (DefElems named transaction_…). */
  setTransactionOptions(options: any[], cx: SetContext): void {
    for (const d of options) {
      const name = String(d.DefElem.defname);
      this.put(name, argText(d.DefElem.arg), cx, true);
      this.explicit.add(name);
    }
  }

  private put(name: string, raw: string, cx: SetContext, local: boolean): void {
    const value = normalize(name, raw);
    if (name in CHARACTERISTICS) {
      // these live only as long as their transaction (outside a block: this statement's)
      checkCharacteristic(name, value, this.get(name), cx);
      if (cx.inBlock) this.localForWrite().set(name, value);
      return;
    }
    const check = FIXED[name];
    if (check && !check(value)) throw unsupported(`${name} = '${value}'`);
    if (!(name in DEFAULTS) && !IGNORED_PREFIXES.some((p) => name.startsWith(p)) && !name.includes('.')) {
      throw new SqlError(SQLSTATE.UNDEFINED_OBJECT, `unrecognized configuration parameter "${name}"`);
    }
    if (local) this.localForWrite().set(name, value);
    else {
      // a session-level SET overrides an earlier SET LOCAL in the same transaction
      this.valuesForWrite().set(name, value);
      this.localForWrite().delete(name);
    }
  }

  /** RESET ALL / DISCARD ALL: session values back to their defaults (not the transaction's characteristics). */
  reset(): void {
    this.version++;
    this.values = new Map();
    this.valuesShared = false;
    this.begun = null;
    for (const k of [...this.local.keys()]) if (!(k in CHARACTERISTICS)) this.localForWrite().delete(k);
  }

  /** A transaction block starts: its characteristics are fixed from their defaults. */
  beginTransaction(): void {
    this.clearLocal();
    this.explicit.clear();
    if (this.begun === null) {
      const local = this.localForWrite();
      for (const [k, d] of CHARACTERISTIC_ENTRIES) local.set(k, this.get(d));
      this.begun = local;
    }
    // shared with the next transactions (copied on their first write)
    this.local = this.begun;
    this.localShared = true;
  }

  /** Set a transaction-local value without the checks SET makes (COMMIT AND CHAIN, RELEASE). */
  setLocal(name: string, value: string): void {
    if (!(name in CHARACTERISTICS)) this.version++;
    this.localForWrite().set(name, value);
  }

  /** The transaction ended: SET LOCAL values and its characteristics go. */
  endTransaction(): void {
    this.clearLocal();
    this.explicit.clear();
  }

  private clearLocal(): void {
    // only characteristics: nothing reported changes (the common case, at every statement)
    for (const k of this.local.keys()) {
      if (!(k in CHARACTERISTICS)) {
        this.version++;
        break;
      }
    }
    this.local = new Map();
    this.localShared = false;
  }

  snapshot(): SettingsSnapshot {
    // copied on the next write instead (most transactions change no setting)
    this.valuesShared = this.localShared = true;
    return { values: this.values, local: this.local };
  }

  restore(s: SettingsSnapshot): void {
    this.version++;
    this.begun = null;
    this.values = s.values;
    this.local = s.local;
    this.valuesShared = this.localShared = true; // a savepoint may be rolled back to again
  }
}

/** PostgreSQL's GUC check hooks for the transaction characteristics (check_transaction_read_only …). */
function checkCharacteristic(name: string, value: string, current: string, cx: SetContext): void {
  const refuse = (message: string) => {
    throw new SqlError(SQLSTATE.ACTIVE_SQL_TRANSACTION, message);
  };
  if (name === 'transaction_read_only') {
    if (value === 'off' && current === 'on') {
      if (cx.subtransaction) refuse('cannot set transaction read-write mode inside a read-only transaction');
      if (cx.snapshotTaken) refuse('transaction read-write mode must be set before any query');
    }
  } else if (name === 'transaction_isolation') {
    if (value !== current) {
      if (cx.snapshotTaken) refuse('SET TRANSACTION ISOLATION LEVEL must be called before any query');
      if (cx.subtransaction) refuse('SET TRANSACTION ISOLATION LEVEL must not be called in a subtransaction');
    }
  } else if (name === 'transaction_deferrable') {
    if (cx.subtransaction) refuse('SET TRANSACTION [NOT] DEFERRABLE cannot be called within a subtransaction');
    if (cx.snapshotTaken) refuse('SET TRANSACTION [NOT] DEFERRABLE must be called before any query');
  }
}

/** A value as SHOW prints it, checked as PostgreSQL checks booleans and the isolation enum. */
function normalize(name: string, raw: string): string {
  if (BOOLEANS.has(name)) {
    const b = parseBool(raw);
    if (b === null) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `parameter "${name}" requires a Boolean value`);
    return b ? 'on' : 'off';
  }
  if (TIME_SETTINGS.has(name)) return showMilliseconds(parseTimeSetting(name, raw));
  if (name === 'transaction_isolation' || name === 'default_transaction_isolation') {
    const v = raw.toLowerCase();
    if (!ISOLATION_LEVELS.includes(v)) {
      throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid value for parameter "${name}": "${raw}"`, {
        hint: `Available values: ${ISOLATION_LEVELS.join(', ')}.`,
      });
    }
    return v;
  }
  return raw;
}

/** Integer settings in milliseconds (GUC_UNIT_MS). */
const TIME_SETTINGS = new Set(['statement_timeout', 'idle_in_transaction_session_timeout', 'idle_session_timeout']);
const TIME_UNITS: [unit: string, ms: number][] = [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000], ['ms', 1], ['us', 0.001]];
const INT_MAX = 2147483647;

/**
 * PostgreSQL's parse_int for a GUC_UNIT_MS setting: an integer (strtol, base 0: 0x1F and
 * octal 017 too) or a decimal, optional white space, an optional unit (us, ms, s, min, h, d;
 * case-sensitive), rounded half to even to whole milliseconds; 0 .. INT_MAX.
 */
function parseTimeSetting(name: string, raw: string): number {
  const invalid = (hint?: string) =>
    new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid value for parameter "${name}": "${raw}"`, hint ? { hint } : {});
  const m = /^\s*([+-]?(?:0[xX][0-9a-fA-F]+|[0-9]*\.?[0-9]*(?:[eE][+-]?[0-9]+)?))\s*(.*?)\s*$/.exec(raw);
  const num = m?.[1] ?? '';
  if (!m || !/[0-9]/.test(num)) throw invalid();
  let value = /^[+-]?0[xX]/.test(num) ? parseInt(num, 16) : /^[+-]?0[0-7]+$/.test(num) ? parseInt(num, 8) : Number(num);
  if (!Number.isFinite(value)) throw invalid('Value exceeds integer range.');
  const unit = m[2];
  if (unit !== '') {
    const u = TIME_UNITS.find(([name]) => name === unit);
    if (!u) throw invalid('Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".');
    value *= u[1];
  }
  value = roundHalfEven(value);
  if (value > INT_MAX || value < -INT_MAX - 1) throw invalid('Value exceeds integer range.');
  if (value < 0) {
    throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `${value} ms is outside the valid range for parameter "${name}" (0 .. ${INT_MAX})`);
  }
  return value;
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** As SHOW prints a millisecond setting: 0, or in the largest unit that divides it exactly. */
function showMilliseconds(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, size] of TIME_UNITS) if (size >= 1 && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

function timeSettingMs(shown: string): number {
  if (shown === '0' || shown === '') return 0;
  const m = /^(\d+)([a-z]+)$/.exec(shown);
  if (!m) return 0;
  return Number(m[1]) * (TIME_UNITS.find(([u]) => u === m[2])?.[1] ?? 1);
}

/** pg_settings.setting of a millisecond setting: the number of milliseconds. */
export function settingInBaseUnit(name: string, shown: string): string {
  return TIME_SETTINGS.has(name.toLowerCase()) ? String(timeSettingMs(shown)) : shown;
}

function checkedServerDefaults(defaults: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [given, raw] of defaults) {
    const name = given.toLowerCase();
    if (!(name in DEFAULTS) || name in CHARACTERISTICS) throw new SqlError(SQLSTATE.UNDEFINED_OBJECT, `unrecognized configuration parameter "${given}"`);
    const value = normalize(name, raw);
    const check = FIXED[name];
    if (check && !check(value)) throw unsupported(`${name} = '${value}'`);
    out.set(name, value);
  }
  return out;
}

/** PostgreSQL's parse_bool: true/false, yes/no, on/off, 1/0 and unambiguous prefixes, any case. */
function parseBool(s: string): boolean | null {
  const v = s.toLowerCase();
  if (v.length === 0) return null;
  const prefixOf = (word: string, min = 1) => v.length >= min && word.startsWith(v);
  if (prefixOf('true') || prefixOf('yes') || prefixOf('on', 2) || v === '1') return true;
  if (prefixOf('false') || prefixOf('no') || prefixOf('off', 2) || v === '0') return false;
  return null;
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
