// Temporal filters (Materialize's mz_now()): a WHERE conjunct comparing now() with an
// expression of the row, such as `ts + INTERVAL '1 hour' > now()`, makes a materialized view
// that the clock maintains. Each row is in the view during an interval of clock time, known
// when the row arrives, so the dataflow schedules its entry and its exit (TemporalFilterOp)
// instead of re-evaluating the condition as time passes.
//
// In a view, now() is accepted only in that form: the binder's now() calls in such conjuncts
// become mz_now(), which the optimizer may move like any condition on the row (it is one
// value per step), and which lowering turns into the operator. Any other now() is refused.
// Ad-hoc reads evaluate mz_now() as the engine's clock (substituteClock).

import { children, columnsUsed, conjuncts, hasParams, lit, mapChildren, type Expr } from '../expr/expr.js';
import { evalConstant } from '../expr/compile.js';
import { candidatesFor } from '../expr/functions/registry.js';
import type { Interval } from '../expr/interval.js';
import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import { T } from '../sql/types.js';
import { planChildren, type Plan } from './logical.js';
import { andOf } from './rules/pushdown.js';
import { mapPlanChildren, mapPlanExprs } from './rules/walk.js';

/** The function a temporal filter's now() becomes. */
export const CLOCK_FN = 'mz_now';
/** What now() may be written as in a temporal filter. */
const NOW_FNS = new Set(['now', 'localtimestamp', CLOCK_FN]);

export type NowRelation = '<' | '<=' | '>' | '>=';

/** One temporal conjunct, read as `now() + shift <now> row`: now's relation to a time of the row. */
export interface TemporalBound {
  /** The row's side: a date, timestamp or timestamptz. */
  row: Expr;
  /** How now() (plus the shift) compares with the row's time. */
  now: NowRelation;
  /** The constant interval added to now(), in microseconds (months are refused). */
  shift: bigint;
}

const FLIP: Record<NowRelation, NowRelation> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
const TIME_TYPES = new Set(['date', 'timestamp', 'timestamptz']);
let comparisons: Map<string, NowRelation> | null = null;

/** The comparison implementations between dates and timestamps, by the operator they implement. */
function comparisonOf(fn: string): NowRelation | undefined {
  if (!comparisons) {
    comparisons = new Map();
    for (const op of ['<', '<=', '>', '>='] as const) {
      for (const f of candidatesFor('op:' + op)) {
        if (f.argTypes.length === 2 && f.argTypes.every((t) => TIME_TYPES.has(t.id))) comparisons.set(f.name, op);
      }
    }
  }
  return comparisons.get(fn);
}

function callsNow(e: Expr, fns: ReadonlySet<string> = NOW_FNS): boolean {
  return (e.kind === 'call' && fns.has(e.fn)) || children(e).some((c) => callsNow(c, fns));
}

const SHIFTS: Record<string, { now: number; sign: 1n | -1n }> = {
  timestamptz_pl_interval: { now: 0, sign: 1n },
  timestamp_pl_interval: { now: 0, sign: 1n },
  interval_pl_timestamptz: { now: 1, sign: 1n },
  interval_pl_timestamp: { now: 1, sign: 1n },
  timestamptz_mi_interval: { now: 0, sign: -1n },
  timestamp_mi_interval: { now: 0, sign: -1n },
};
const DAY = 86_400_000_000n;

/** The shift of `e` if it is now() plus or minus constant intervals (null: it is not). */
function nowShift(e: Expr): bigint | null {
  if (e.kind === 'call' && NOW_FNS.has(e.fn) && e.args.length === 0) return 0n;
  // timestamptz → timestamp and back: the identity, the time zone being UTC
  if (e.kind === 'cast' && (e.type.id === 'timestamp' || e.type.id === 'timestamptz') && (e.arg.type.id === 'timestamp' || e.arg.type.id === 'timestamptz')) return nowShift(e.arg);
  const s = e.kind === 'call' ? SHIFTS[e.fn] : undefined;
  if (!s || e.kind !== 'call') return null;
  const base = nowShift(e.args[s.now]);
  if (base === null) return null;
  const c = e.args[1 - s.now];
  if (columnsUsed(c).size > 0 || hasParams(c) || callsNow(c)) return null;
  const iv = evalConstant(c) as Interval | null;
  if (iv === null) throw unsupported('a temporal filter with a NULL interval');
  if (iv.months !== 0) {
    throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'intervals of months in a temporal filter are not supported', {
      hint: "Months differ in length, so the time a row leaves the view is not a fixed offset: write the interval in days (INTERVAL '30 days').",
    });
  }
  return base + s.sign * (BigInt(iv.days) * DAY + iv.micros);
}

/**
 * `c` as a temporal bound: a comparison of now() (± constant intervals) with an expression of
 * the row that does not read the clock. Null if c is not of that form.
 */
export function temporalBound(c: Expr): TemporalBound | null {
  if (c.kind !== 'call' || c.args.length !== 2) return null;
  const rel = comparisonOf(c.fn);
  if (!rel) return null;
  const [a, b] = c.args;
  for (const [nowSide, rowSide, r] of [
    [a, b, rel],
    [b, a, FLIP[rel]],
  ] as const) {
    if (callsNow(rowSide)) continue;
    const shift = nowShift(nowSide);
    if (shift !== null) return { row: rowSide, now: r, shift };
  }
  return null;
}

const SQL_NOW: ReadonlySet<string> = new Set(['now', 'localtimestamp']);

function markConjunct(c: Expr): Expr {
  if (!callsNow(c, SQL_NOW) || temporalBound(c) === null) return c;
  const clock: Expr = { kind: 'call', fn: CLOCK_FN, args: [], type: T.timestamptz };
  const mark = (e: Expr): Expr => {
    if (e.kind === 'call' && e.fn === 'now') return clock;
    // localtimestamp is now() as a timestamp (the time zone being UTC)
    if (e.kind === 'call' && e.fn === 'localtimestamp') return { kind: 'cast', arg: clock, type: T.timestamp };
    return mapChildren(e, mark);
  };
  return mark(c);
}

function markPredicate(e: Expr): Expr {
  const cs = conjuncts(e);
  const marked = cs.map(markConjunct);
  return marked.every((m, i) => m === cs[i]) ? e : andOf(marked)!;
}

/** A view's plan with the now() calls of its temporal conjuncts (WHERE, ON) turned into mz_now(). */
export function markTemporalFilters(p: Plan): Plan {
  const q = mapPlanChildren(p, markTemporalFilters);
  if (q.kind === 'filter') return { ...q, predicate: markPredicate(q.predicate) };
  if (q.kind === 'join' && q.on) return { ...q, on: markPredicate(q.on) };
  return q;
}

/** The explanation of the one place now() may stand in a materialized view. */
export function nowInViewError(fn: string): SqlError {
  return new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `${fn}() is not supported in a materialized view outside a temporal filter`, {
    detail: 'A view is maintained as its inputs change; its contents may follow the clock only through a temporal filter.',
    hint: "A temporal filter is a WHERE condition comparing now() with an expression of the row's columns, ANDed with the rest, e.g. WHERE ts + INTERVAL '1 hour' > now(): each row enters and leaves the view as the clock passes.",
  });
}

/**
 * After optimization: mz_now() may stand only in temporal conjuncts of filters (the optimizer
 * may have moved one into a join's condition, which cannot follow the clock).
 */
export function checkTemporalPlacement(p: Plan): void {
  if (p.kind === 'filter') {
    for (const c of conjuncts(p.predicate)) if (callsNow(c, CLOCK_SET) && temporalBound(c) === null) throw nowInViewError(CLOCK_FN);
  } else {
    mapPlanExprs(p, (e) => {
      if (callsNow(e, CLOCK_SET)) {
        if (p.kind === 'join') throw unsupported('a temporal filter comparing now() with columns of both sides of a join');
        throw nowInViewError(CLOCK_FN);
      }
      return e;
    });
  }
  for (const c of planChildren(p)) checkTemporalPlacement(c);
}

const CLOCK_SET: ReadonlySet<string> = new Set([CLOCK_FN]);

const clockReaders = new WeakMap<Plan, boolean>();

/** Whether a plan reads the clock (a temporal filter, or an ad-hoc mz_now()); cached per plan (reads ask each time). */
export function readsClock(p: Plan): boolean {
  let found = clockReaders.get(p);
  if (found !== undefined) return found;
  found = false;
  mapPlanExprs(p, (e) => {
    found ||= callsNow(e, CLOCK_SET);
    return e;
  });
  found ||= planChildren(p).some(readsClock);
  clockReaders.set(p, found);
  return found;
}

/** For a one-shot read: mz_now() as the clock `now` (microseconds since the epoch). */
export function substituteClock(p: Plan, now: bigint): Plan {
  const sub = (e: Expr): Expr => (e.kind === 'call' && e.fn === CLOCK_FN ? lit(now, T.timestamptz) : mapChildren(e, sub));
  return mapPlanExprs(mapPlanChildren(p, (c) => substituteClock(c, now)), sub);
}

/** Split a filter's conjuncts into temporal bounds and the rest. */
export function splitTemporal(predicate: Expr): { bounds: TemporalBound[]; rest: Expr[] } {
  const bounds: TemporalBound[] = [];
  const rest: Expr[] = [];
  for (const c of conjuncts(predicate)) {
    const b = callsNow(c, CLOCK_SET) ? temporalBound(c) : null;
    if (b) bounds.push(b);
    else rest.push(c);
  }
  return { bounds, rest };
}
