// The datagen generator: rows of made-up values for any table, configured per column with
// `column.option = value` in the table's WITH list. Every value is a function of (seed,
// column, position) alone, so rows can be made for any range of positions in any order.

import { SqlError, SQLSTATE } from '../../errors.js';
import { parseFloatText, parseValue } from '../../expr/cast.js';
import { currentTimestamp, parseDate, timestampToDate } from '../../expr/datetime.js';
import { Interval, USECS_PER_DAY } from '../../expr/interval.js';
import { JsonObject, Jsonb } from '../../expr/jsonb.js';
import { Decimal, pow10 } from '../../expr/numeric.js';
import type { Row, Value } from '../../expr/value.js';
import { formatType, type SqlType } from '../../sql/types.js';
import type { SourceColumn, SourceTable } from '../types.js';
import {
  type Generator, type OptionTable, countOption, integerOption, invalidOption, parseFixedTimestamp, rateOption, seedOption,
  timestampOption, unknownOption, validNamesHint,
} from './options.js';
import { Rng, randomLetters, seedOf } from './random.js';

export const DATAGEN_OPTIONS: { readonly table: OptionTable; readonly column: OptionTable } = {
  table: {
    connector: { default: null, description: "'datagen'" },
    rows_per_second: { default: '1000', description: 'Rows per second; 0 for as fast as possible.' },
    seed: { default: '0', description: 'Seed of the random values: the same seed gives the same rows.' },
    max_rows: { default: null, description: 'Stop after this many rows; unbounded by default (a sequence column with an end also stops it).' },
    start_time: { default: '2024-01-01 00:00:00', description: 'First value of timestamp sequence columns (UTC); row n is start_time + n / rows_per_second (+ n ms when the rate is 0).' },
  },
  // given as `<column>.<name>`
  column: {
    kind: {
      default: null,
      description: "'sequence', 'random', 'constant' or 'now'. Default: 'sequence' for the first integer column of the primary key and for timestamp columns, 'random' otherwise.",
    },
    start: { default: '1', description: 'sequence: the value of row 0 (for timestamps: start_time).' },
    end: { default: null, description: 'sequence: the last value (inclusive); also the last row. Default: the type\'s maximum.' },
    min: { default: '0', description: "random: smallest value (numbers; date, timestamp and interval literals; defaults '2024-01-01', '2024-01-01 00:00:00', '0')." },
    max: { default: '1000', description: "random: largest value (numbers; date, timestamp and interval literals; defaults '2024-12-31', '2024-12-31 23:59:59', '1 hour')." },
    length: { default: '10', description: 'random text: number of letters (at most the column\'s varchar(n)/char(n)).' },
    value: { default: null, description: 'constant: the value, as a literal of the column\'s type.' },
    null_rate: { default: '0', description: 'Fraction of rows where the column is NULL (0 to 1); not for NOT NULL columns.' },
  },
};

type Kind = 'sequence' | 'random' | 'constant' | 'now';

/** How one column's values are made; `nullRate` > 0 makes some NULL; `stream` seeds its randomness. */
type Plan = { nullRate: number; stream: number } & (
  | { kind: 'seq_int'; start: number; startBig: bigint; safe: boolean; big: boolean }
  | { kind: 'seq_numeric'; start: bigint; scale: number }
  | { kind: 'seq_time'; start: bigint; stepUs: number }
  | { kind: 'rand_int'; min: bigint; width: bigint; big: boolean; minNum: number; widthNum: number }
  | { kind: 'rand_numeric'; min: bigint; width: bigint; scale: number }
  | { kind: 'rand_float'; min: number; span: number; float4: boolean }
  | { kind: 'rand_bool' }
  | { kind: 'rand_text'; length: number; padTo: number }
  | { kind: 'rand_date'; min: number; width: number }
  | { kind: 'rand_time'; min: bigint; width: bigint }
  | { kind: 'rand_interval'; min: bigint; width: bigint }
  | { kind: 'rand_jsonb'; min: bigint; width: bigint }
  | { kind: 'now'; date: boolean }
  | { kind: 'constant'; value: Value }
);

const INT_RANGE: Record<string, [bigint, bigint]> = {
  int2: [-32768n, 32767n],
  int4: [-2147483648n, 2147483647n],
  int8: [-(2n ** 63n), 2n ** 63n - 1n],
};
const TWO_53 = 2n ** 53n;
const KINDS_FOR: Record<Kind, string> = {
  sequence: 'integer, numeric, timestamp and timestamp with time zone',
  random: 'numbers, boolean, text, date, timestamp, interval and jsonb',
  constant: 'every type',
  now: 'date, timestamp and timestamp with time zone',
};
const KINDS = new Set<string>(['sequence', 'random', 'constant', 'now']);

class DatagenGenerator implements Generator {
  private readonly rng: Rng;

  constructor(
    private readonly plans: Plan[],
    seed: bigint,
    readonly rate: number,
    readonly end: number,
  ) {
    this.rng = new Rng(seedOf(seed));
  }

  rows(from: number, count: number): Row[] {
    const n = Math.max(0, Math.min(from + count, this.end) - from);
    const rows: Row[] = new Array(n);
    const width = this.plans.length;
    for (let i = 0; i < n; i++) rows[i] = new Array(width);
    // column by column, so each loop runs one plan (its switch always takes the same branch)
    for (let c = 0; c < width; c++) fillColumn(this.plans[c], c, rows, from, this.rng);
    return rows;
  }
}

/**
 * A column's random stream is named by the column's name, not its position, so that its
 * values stay the same when other columns are added or removed.
 */
function streamOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function fillColumn(plan: Plan, c: number, rows: Row[], from: number, rng: Rng): void {
  const n = rows.length;
  const random = plan.nullRate > 0 || plan.kind.startsWith('rand_');
  const stream = plan.stream;
  for (let i = 0; i < n; i++) {
    const p = from + i;
    if (random) rng.at(stream, p);
    if (plan.nullRate > 0 && rng.float() < plan.nullRate) {
      rows[i][c] = null;
      continue;
    }
    let v: Value;
    switch (plan.kind) {
      case 'seq_int':
        if (!plan.big) v = plan.start + p;
        else v = plan.safe && plan.start + p <= Number.MAX_SAFE_INTEGER ? BigInt(plan.start + p) : plan.startBig + BigInt(p);
        break;
      case 'seq_numeric':
        v = Decimal.of((plan.start + BigInt(p)) * pow10(plan.scale), plan.scale);
        break;
      case 'seq_time':
        v = plan.start + BigInt(Math.floor(p * plan.stepUs));
        break;
      case 'rand_int':
        // number arithmetic when the range allows, bigint only for the extremes of int8
        if (plan.widthNum > 0) {
          const x = plan.minNum + rng.long(plan.widthNum);
          v = plan.big ? BigInt(x) : x;
        } else {
          v = plan.min + below(rng, plan.width);
        }
        break;
      case 'rand_numeric':
        v = Decimal.of(plan.min + below(rng, plan.width), plan.scale);
        break;
      case 'rand_float': {
        const x = plan.min + rng.float() * plan.span;
        v = plan.float4 ? Math.fround(x) : x;
        break;
      }
      case 'rand_bool':
        v = (rng.u32() & 1) === 1;
        break;
      case 'rand_text': {
        const s = randomLetters(rng, plan.length);
        v = plan.padTo > plan.length ? s.padEnd(plan.padTo) : s;
        break;
      }
      case 'rand_date':
        v = plan.min + rng.long(plan.width);
        break;
      case 'rand_time':
        v = plan.min + below(rng, plan.width);
        break;
      case 'rand_interval': {
        // whole days as days, the rest as time, as '2 days 03:04:05' reads
        const span = plan.min + below(rng, plan.width);
        const days = span / USECS_PER_DAY;
        v = new Interval(0, Number(days), span - days * USECS_PER_DAY);
        break;
      }
      case 'rand_jsonb':
        v = new Jsonb(new JsonObject([['value', Decimal.of(plan.min + below(rng, plan.width), 0)]]));
        break;
      case 'now':
        v = plan.date ? timestampToDate(currentTimestamp()) : currentTimestamp();
        break;
      case 'constant':
        v = plan.value;
        break;
    }
    rows[i][c] = v;
  }
}

/** A uniform bigint in [0, width). */
function below(rng: Rng, width: bigint): bigint {
  return width <= TWO_53 ? BigInt(rng.long(Number(width))) : rng.bigint(width);
}

export function makeDatagen(table: SourceTable, options: Map<string, string>): Generator {
  const columnOptions = table.columns.map(() => new Map<string, string>());
  for (const [key, value] of options) {
    const dot = key.indexOf('.');
    if (dot < 0) {
      if (!Object.hasOwn(DATAGEN_OPTIONS.table, key)) throw unknownOption('datagen', key, validNamesHint(Object.keys(DATAGEN_OPTIONS.table)));
      continue;
    }
    const column = key.slice(0, dot);
    const name = key.slice(dot + 1);
    const c = table.columns.findIndex((col) => col.name === column);
    if (c < 0) throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${column}" of relation "${table.name}" does not exist`);
    if (!Object.hasOwn(DATAGEN_OPTIONS.column, name)) {
      throw unknownOption('datagen', key, validNamesHint(Object.keys(DATAGEN_OPTIONS.column).map((o) => `${column}.${o}`)));
    }
    columnOptions[c].set(name, value);
  }
  const tableOpt = (name: string): string => options.get(name) ?? DATAGEN_OPTIONS.table[name].default!;
  const rate = rateOption('rows_per_second', tableOpt('rows_per_second'));
  const seed = seedOption('seed', tableOpt('seed'));
  const startTime = timestampOption('start_time', tableOpt('start_time'));
  let end = options.has('max_rows') ? countOption('max_rows', options.get('max_rows')!) : Infinity;

  const pk = table.primaryKey ?? [];
  const sequenceKey = pk.find((i) => INT_RANGE[table.columns[i].type.id] !== undefined);
  const plans = table.columns.map((col, c) => {
    const opts = columnOptions[c];
    const ctx = new ColumnContext(col, opts);
    const kindText = opts.get('kind');
    let kind: Kind;
    if (kindText !== undefined) {
      const k = kindText.trim().toLowerCase();
      if (!KINDS.has(k)) throw invalidOption(ctx.key('kind'), kindText, undefined, "The kinds are 'sequence', 'random', 'constant' and 'now'.");
      kind = k as Kind;
    } else {
      const t = col.type.id;
      kind = c === sequenceKey || t === 'timestamp' || t === 'timestamptz' ? 'sequence' : 'random';
    }
    const made = ctx.plan(kind, rate, startTime);
    end = Math.min(end, made.rows);
    return made.plan;
  });
  return new DatagenGenerator(plans, seed, rate, end);
}

type PlanBody = Plan extends infer P ? (P extends unknown ? Omit<P, 'nullRate' | 'stream'> : never) : never;

/** Turns one column's options into its plan, with errors that name the option. */
class ColumnContext {
  constructor(
    private readonly col: SourceColumn,
    private readonly opts: Map<string, string>,
  ) {}

  key(name: string): string {
    return `${this.col.name}.${name}`;
  }

  private get(name: string, fallback: string): string {
    return this.opts.get(name) ?? fallback;
  }

  /** Parse an option as a value of `t`, errors reported as a bad option value. */
  private parse<T>(name: string, text: string, parse: (s: string) => T): T {
    try {
      return parse(text);
    } catch (e) {
      if (e instanceof SqlError) throw invalidOption(this.key(name), text, e.message);
      throw e;
    }
  }

  private wrongType(kind: Kind): SqlError {
    const where = `column "${this.col.name}" of type ${formatType(this.col.type)}`;
    if (!this.opts.has('kind')) {
      return new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `datagen cannot generate ${kind} values for ${where}`, {
        hint: `Give the column a constant: ${this.key('kind')} = 'constant', ${this.key('value')} = '...'.`,
      });
    }
    return new SqlError(SQLSTATE.DATATYPE_MISMATCH, `datagen kind "${kind}" cannot produce values for ${where}`, {
      detail: `Kind "${kind}" applies to ${KINDS_FOR[kind]}.`,
    });
  }

  /** Refuse the options this column does not read (kind and null_rate apply to all). */
  private allow(kind: Kind, ...names: string[]): void {
    for (const name of this.opts.keys()) {
      if (name === 'kind' || name === 'null_rate' || names.includes(name)) continue;
      throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `option "${this.key(name)}" does not apply to ${kind} column "${this.col.name}" of type ${formatType(this.col.type)}`, {
        hint: names.length ? `The column takes ${names.map((o) => `"${this.key(o)}"`).join(', ')}.` : undefined,
      });
    }
  }

  /** The plan, and how many rows it allows (a sequence's end). */
  plan(kind: Kind, rate: number, startTime: bigint): { plan: Plan; rows: number } {
    const nullRate = this.nullRate();
    let rows = Infinity;
    let body: PlanBody;
    const t = this.col.type;
    if (kind === 'constant') {
      this.allow(kind, 'value');
      const text = this.opts.get('value');
      if (text === undefined) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `option "${this.key('value')}" is required for a constant column`);
      body = { kind: 'constant', value: this.parse('value', text, (s) => parseValue(s, t)) };
    } else if (kind === 'now') {
      if (t.id !== 'date' && t.id !== 'timestamp' && t.id !== 'timestamptz') throw this.wrongType(kind);
      this.allow(kind);
      body = { kind: 'now', date: t.id === 'date' };
    } else if (kind === 'sequence') {
      ({ body, rows } = this.sequence(t, rate, startTime));
    } else {
      body = this.random(t);
    }
    return { plan: { ...body, nullRate, stream: streamOf(this.col.name) } as Plan, rows };
  }

  private nullRate(): number {
    const text = this.opts.get('null_rate');
    if (text === undefined) return 0;
    const r = this.parse('null_rate', text, (s) => parseFloatText(s, 'float8'));
    if (!(r >= 0 && r <= 1)) throw invalidOption(this.key('null_rate'), text, 'The value must be between 0 and 1.');
    if (r > 0 && this.col.notNull) throw invalidOption(this.key('null_rate'), text, `Column "${this.col.name}" is NOT NULL.`);
    return r;
  }

  private sequence(t: SqlType, rate: number, startTime: bigint): { body: PlanBody; rows: number } {
    if (t.id === 'timestamp' || t.id === 'timestamptz') {
      this.allow('sequence', 'start');
      const text = this.opts.get('start');
      const start = text === undefined ? startTime : timestampOption(this.key('start'), text);
      return { body: { kind: 'seq_time', start, stepUs: rate > 0 ? 1e6 / rate : 1000 }, rows: Infinity };
    }
    let [lo, hi] = INT_RANGE[t.id] ?? [0n, 0n];
    const scale = t.id === 'numeric' && t.typmod >= 0 ? t.typmod & 0xffff : 0;
    if (t.id === 'numeric') {
      const digits = t.typmod >= 0 ? (t.typmod >> 16) - scale : 1000;
      hi = pow10(digits) - 1n;
      lo = -hi;
    } else if (lo === hi) {
      throw this.wrongType('sequence');
    }
    this.allow('sequence', 'start', 'end');
    const start = integerOption(this.key('start'), this.get('start', '1'), lo, hi);
    const end = this.opts.has('end') ? integerOption(this.key('end'), this.opts.get('end')!, lo, hi) : hi;
    if (end < start) throw invalidOption(this.key('end'), this.opts.get('end')!, `The end must not be below the start (${start}).`);
    const rows = end - start + 1n < TWO_53 ? Number(end - start + 1n) : Infinity;
    if (t.id === 'numeric') return { body: { kind: 'seq_numeric', start, scale }, rows };
    const safe = start > -TWO_53 && start < TWO_53;
    return { body: { kind: 'seq_int', start: Number(start), startBig: start, safe, big: t.id === 'int8' }, rows };
  }

  /** [min, max] of a random column as integers in the type's units, checked. */
  private range(parse: (s: string) => bigint, defMin: string, defMax: string): { min: bigint; width: bigint } {
    this.allow('random', 'min', 'max');
    const min = this.parse('min', this.get('min', defMin), parse);
    const max = this.parse('max', this.get('max', defMax), parse);
    if (max < min) throw invalidOption(this.key('max'), this.get('max', defMax), `The maximum must not be below the minimum (${this.get('min', defMin)}).`);
    return { min, width: max - min + 1n };
  }

  private random(t: SqlType): PlanBody {
    switch (t.id) {
      case 'int2':
      case 'int4':
      case 'int8':
      case 'jsonb': {
        const [lo, hi] = INT_RANGE[t.id === 'jsonb' ? 'int8' : t.id];
        const r = this.range((s) => integer(s, lo, hi), '0', '1000');
        if (t.id === 'jsonb') return { kind: 'rand_jsonb', ...r };
        const small = r.min > -TWO_53 && r.min + r.width < TWO_53;
        return { kind: 'rand_int', ...r, big: t.id === 'int8', minNum: small ? Number(r.min) : 0, widthNum: small ? Number(r.width) : 0 };
      }
      case 'numeric': {
        // the column's scale (2 when unconstrained), values within its precision
        this.allow('random', 'min', 'max');
        const scale = t.typmod >= 0 ? t.typmod & 0xffff : 2;
        const limit = t.typmod >= 0 ? pow10(t.typmod >> 16) - 1n : null;
        const units = (name: string, s: string, up: boolean): bigint => {
          const d = this.parse(name, s, Decimal.parse);
          if (d.special) throw invalidOption(this.key(name), s, 'The value must be finite.');
          const k = d.scale <= scale ? d.coef * pow10(scale - d.scale) : divide(d.coef, pow10(d.scale - scale), up);
          if (limit !== null && (k > limit || k < -limit)) {
            // the default maximum shrinks to fit numeric(p,s); a given one is an error
            if (!this.opts.has(name)) return k > 0n ? limit : -limit;
            throw invalidOption(this.key(name), s, `The value does not fit type ${formatType(t)}.`);
          }
          return k;
        };
        const min = units('min', this.get('min', '0'), true);
        const max = units('max', this.get('max', '1000'), false);
        if (max < min) throw invalidOption(this.key('max'), this.get('max', '1000'), 'The maximum must not be below the minimum.');
        return { kind: 'rand_numeric', min, width: max - min + 1n, scale };
      }
      case 'float4':
      case 'float8': {
        this.allow('random', 'min', 'max');
        const num = (name: string, def: string): number => {
          const s = this.get(name, def);
          const x = this.parse(name, s, (v) => parseFloatText(v, t.id as 'float4' | 'float8'));
          if (!Number.isFinite(x)) throw invalidOption(this.key(name), s, 'The value must be finite.');
          return x;
        };
        const min = num('min', '0');
        const max = num('max', '1000');
        if (max < min) throw invalidOption(this.key('max'), this.get('max', '1000'), 'The maximum must not be below the minimum.');
        return { kind: 'rand_float', min, span: max - min, float4: t.id === 'float4' };
      }
      case 'bool':
        this.allow('random');
        return { kind: 'rand_bool' };
      case 'text':
      case 'varchar':
      case 'bpchar': {
        this.allow('random', 'length');
        const limit = t.typmod >= 0 ? t.typmod : 1_000_000;
        const length = Number(integerOption(this.key('length'), this.get('length', String(Math.min(10, limit))), 0n, BigInt(limit)));
        return { kind: 'rand_text', length, padTo: t.id === 'bpchar' && t.typmod > 0 ? t.typmod : 0 };
      }
      case 'date': {
        const r = this.range((s) => BigInt(finite(parseDate(s))), '2024-01-01', '2024-12-31');
        return { kind: 'rand_date', min: Number(r.min), width: Number(r.width) };
      }
      case 'timestamp':
      case 'timestamptz': {
        const r = this.range(parseFixedTimestamp, '2024-01-01 00:00:00', '2024-12-31 23:59:59');
        return { kind: 'rand_time', ...r };
      }
      case 'interval': {
        const r = this.range((s) => Interval.parse(s).span(), '0', '1 hour');
        return { kind: 'rand_interval', ...r };
      }
      default:
        throw this.wrongType('random');
    }
  }
}

/** An integer literal in [lo, hi]; errors are reworded by ColumnContext.parse. */
function integer(text: string, lo: bigint, hi: bigint): bigint {
  const s = text.trim();
  if (!/^[+-]?\d+$/.test(s)) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'the value must be an integer');
  const v = BigInt(s);
  if (v < lo || v > hi) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `the value must be between ${lo} and ${hi}`);
  return v;
}

function finite(d: number): number {
  if (!Number.isFinite(d)) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'the date must be finite');
  return d;
}

/** a / b rounded up or down (b > 0). */
function divide(a: bigint, b: bigint, up: boolean): bigint {
  const q = a / b;
  const r = a % b;
  if (r === 0n) return q;
  return up ? (a > 0n ? q + 1n : q) : a < 0n ? q - 1n : q;
}
