// What the generators share: the Generator interface a source drives, and the checks of
// option values (given as text from the table's WITH list) with PostgreSQL-style errors.

import { SqlError, SQLSTATE } from '../../errors.js';
import { parseTimestamp, isFiniteTs } from '../../expr/datetime.js';
import type { Row } from '../../expr/value.js';

export interface Generator {
  /**
   * Rows for the next `count` positions starting at `from` (a position = one datagen row, or
   * one Nexmark event of any type; so a nexmark table of type bid gets ~46/50 of count rows).
   * Deterministic: the same (options, from, count) always gives the same rows, whatever the
   * calls before. Positions at or past `end` give nothing.
   */
  rows(from: number, count: number): Row[];
  /** Positions per second wanted (rows_per_second / events_per_second), or 0 for as fast as possible. */
  readonly rate: number;
  /** The last position + 1, or Infinity. */
  readonly end: number;
}

/** One option a generator accepts: its default as text (null: none, or computed) and what it does. */
export interface OptionInfo {
  readonly default: string | null;
  readonly description: string;
}

export type OptionTable = Readonly<Record<string, OptionInfo>>;

export function invalidOption(name: string, value: string, detail?: string, hint?: string): SqlError {
  return new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `invalid value for option "${name}": "${value}"`, { detail, hint });
}

export function unknownOption(connector: string, name: string, hint?: string): SqlError {
  return new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `unrecognized ${connector} option "${name}"`, { hint });
}

/** The hint listing valid names, as PostgreSQL gives for reloptions. */
export function validNamesHint(names: Iterable<string>): string {
  return `Valid options are: ${[...names].join(', ')}.`;
}

const INTEGER = /^[+-]?\d+$/;

/** An integer option in [min, max]. */
export function integerOption(name: string, text: string, min: bigint, max: bigint): bigint {
  const s = text.trim();
  if (!INTEGER.test(s)) throw invalidOption(name, text, 'The value must be an integer.');
  const v = BigInt(s);
  if (v < min || v > max) throw invalidOption(name, text, `The value must be between ${min} and ${max}.`);
  return v;
}

/** A count of positions (max_rows, max_events): a non-negative integer below 2^53. */
export function countOption(name: string, text: string): number {
  return Number(integerOption(name, text, 0n, BigInt(Number.MAX_SAFE_INTEGER)));
}

/** A rate per second: a finite number ≥ 0 (0 = as fast as possible). */
export function rateOption(name: string, text: string): number {
  const s = text.trim();
  const v = /^[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : NaN;
  // bounded so that 1e6 / rate, the microseconds between rows, stays a usable number
  if (!(v === 0 || (v >= 1e-6 && v <= 1e9))) {
    throw invalidOption(name, text, 'The value must be a number per second between 0.000001 and 1000000000, or 0 for as fast as possible.');
  }
  return v;
}

/** The seed of the random values: any bigint. */
export function seedOption(name: string, text: string): bigint {
  return integerOption(name, text, -(2n ** 63n), 2n ** 64n - 1n);
}

const WALL_CLOCK_WORDS = new Set(['now', 'today', 'tomorrow', 'yesterday']);

/**
 * A finite timestamp literal (UTC unless it names an offset), as microseconds since the
 * epoch. 'now' and friends are refused: they would make the rows depend on when they are
 * made. Throws the parse error itself; timestampOption words it as a bad option.
 */
export function parseFixedTimestamp(text: string): bigint {
  if (WALL_CLOCK_WORDS.has(text.trim().toLowerCase())) {
    throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'the time must be a fixed timestamp so that the rows are reproducible');
  }
  const t = parseTimestamp(text, true);
  if (!isFiniteTs(t)) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'the timestamp must be finite');
  return t;
}

export function timestampOption(name: string, text: string): bigint {
  try {
    return parseFixedTimestamp(text);
  } catch (e) {
    if (e instanceof SqlError) throw invalidOption(name, text, e.message);
    throw e;
  }
}
