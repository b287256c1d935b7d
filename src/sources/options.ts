// The WITH (…) options of CREATE TABLE: which connector feeds the table and how. PostgreSQL's
// reloptions grammar gives `name = value` and `namespace.name = value`; values arrive as text.

import { SqlError, SQLSTATE } from '../errors.js';

export type Connector = 'kafka' | 'datagen' | 'nexmark';
const CONNECTORS: readonly Connector[] = ['kafka', 'datagen', 'nexmark'];

/** PostgreSQL's own table storage parameters: accepted (pg_dump writes them) and ignored. */
const HEAP_PARAMETERS = new Set([
  'fillfactor', 'toast_tuple_target', 'parallel_workers', 'autovacuum_enabled', 'vacuum_index_cleanup', 'vacuum_truncate',
  'autovacuum_vacuum_threshold', 'autovacuum_vacuum_scale_factor', 'autovacuum_analyze_threshold', 'autovacuum_analyze_scale_factor',
  'autovacuum_vacuum_insert_threshold', 'autovacuum_vacuum_insert_scale_factor', 'autovacuum_vacuum_cost_delay',
  'autovacuum_vacuum_cost_limit', 'autovacuum_freeze_min_age', 'autovacuum_freeze_max_age', 'autovacuum_freeze_table_age',
  'log_autovacuum_min_duration', 'user_catalog_table',
]);

export interface TableOptions {
  connector: Connector | null;
  /** `append_only = true`: INSERT only, and the table keeps no rows. */
  appendOnly: boolean;
  /** `watermark = 'ts - INTERVAL ''5 seconds'''`: the expression's text (sources/watermark.ts). */
  watermark: string | null;
  /** `watermark_idle_timeout = '10 seconds'`: when a Kafka partition stops holding the watermark back. */
  watermarkIdleTimeout: string | null;
  /** The connector's options, `namespace.name` → value, without `connector` itself. */
  options: Map<string, string>;
}

/** Read a CREATE TABLE's options (DefElem nodes). */
export function readTableOptions(defElems: readonly any[] | undefined): TableOptions {
  const options = new Map<string, string>();
  for (const node of defElems ?? []) {
    const d = node.DefElem;
    const name = d.defnamespace ? `${d.defnamespace}.${d.defname}` : String(d.defname);
    if (options.has(name)) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `parameter "${name}" specified more than once`);
    options.set(name, optionText(d.arg));
  }
  const connector = options.get('connector');
  options.delete('connector');
  const appendOnly = options.has('append_only') && new OptionReader(options, 'table').bool('append_only', false);
  options.delete('append_only');
  const watermark = options.get('watermark') ?? null;
  options.delete('watermark');
  const watermarkIdleTimeout = options.get('watermark_idle_timeout') ?? null;
  options.delete('watermark_idle_timeout');
  if (connector === undefined) {
    for (const name of options.keys()) {
      if (!HEAP_PARAMETERS.has(name) && !name.startsWith('toast.')) throw unrecognized(name);
    }
    return { connector: null, appendOnly, watermark, watermarkIdleTimeout, options: new Map() };
  }
  if (!CONNECTORS.includes(connector as Connector)) {
    throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid value for option "connector": "${connector}"`, {
      hint: `Valid connectors are ${CONNECTORS.map((c) => `"${c}"`).join(', ')}.`,
    });
  }
  return { connector: connector as Connector, appendOnly, watermark, watermarkIdleTimeout, options };
}

function optionText(arg: any): string {
  if (arg === undefined) return 'true'; // `WITH (flag)`, as PostgreSQL reads a bare boolean option
  if (arg.String) return String(arg.String.sval);
  if (arg.Integer) return String(arg.Integer.ival ?? 0);
  if (arg.Float) return String(arg.Float.fval);
  if (arg.Boolean) return String(arg.Boolean.boolval ?? false);
  if (arg.TypeName) return (arg.TypeName.names as any[]).map((n) => n.String.sval).join('.');
  throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'invalid option value');
}

export function unrecognized(name: string, connector?: string): SqlError {
  return new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, connector ? `unrecognized ${connector} option "${name}"` : `unrecognized parameter "${name}"`);
}

export function invalidValue(name: string, value: string, hint?: string): SqlError {
  return new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid value for option "${name}": "${value}"`, hint ? { hint } : {});
}

/** Reads typed options out of a map, then refuses whatever was not read. */
export class OptionReader {
  private read = new Set<string>();
  constructor(
    private readonly options: ReadonlyMap<string, string>,
    private readonly connector: string,
  ) {}

  text(name: string): string | undefined;
  text(name: string, fallback: string): string;
  text(name: string, fallback?: string): string | undefined {
    this.read.add(name);
    return this.options.get(name) ?? fallback;
  }

  required(name: string): string {
    const v = this.text(name);
    if (v === undefined || v === '') throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `${this.connector} option "${name}" is required`);
    return v;
  }

  /** One of `choices`; without a fallback the option is required. */
  oneOf<T extends string>(name: string, choices: readonly T[], fallback?: T): T {
    const valid = `Valid values are ${choices.map((c) => `"${c}"`).join(', ')}.`;
    const v = this.text(name) ?? fallback;
    if (v === undefined) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `${this.connector} option "${name}" is required`, { hint: valid });
    if (!choices.includes(v as T)) throw invalidValue(name, v, valid);
    return v as T;
  }

  integer(name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.text(name, String(fallback));
    const n = Number(v.trim());
    if (!/^\s*-?\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw invalidValue(name, v, `It must be an integer from ${min} to ${max}.`);
    }
    return n;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.text(name, String(fallback)).toLowerCase();
    if (['true', 'on', 'yes', '1'].includes(v)) return true;
    if (['false', 'off', 'no', '0'].includes(v)) return false;
    throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid value for boolean option "${name}": ${v}`);
  }

  /** Refuse the options nobody read. */
  finish(): void {
    for (const name of this.options.keys()) if (!this.read.has(name)) throw unrecognized(name, this.connector);
  }
}
