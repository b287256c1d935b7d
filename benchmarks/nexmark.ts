// Nexmark: Tributary maintaining each query as a materialized view, against DuckDB running the
// same query from scratch after every batch (the recompute a user would pick instead of an
// incremental engine). The same events for both, from the built-in `nexmark` generator (seed 1),
// in batches of 10,000 events: person, auction and bid rows of a batch go in as one
// transaction (Tributary: `db.insert` into append-only tables, in a BEGIN block when the query
// reads several; DuckDB: appenders). DuckDB materializes each result inside DuckDB (`CREATE OR REPLACE TABLE r AS …`),
// so neither side pays for handing rows to JavaScript. At the end the view is checked against
// DuckDB's last result, row for row (numbers to 1e-9 relative: avg is numeric here, double there).
// Two ratios: against DuckDB's whole time (appending the batch, then the query), and against
// its queries alone.
// Each batch is generated just before it goes in, off the clock, and dropped after (as a
// stream's events are). Beyond a million events DuckDB's recompute after every batch would
// take hours (its cost grows with the data): it then runs the query once, after the last batch,
// only to check the result. One process, one query at a time. Tributary is
// the compiled build (`npm run build` first), as `tributary serve` and the package entry run it.

import { DuckDBInstance, DuckDBTimestampValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { Database } from '../src/index.js';
import type { Row } from '../src/expr/value.js';
import { makeNexmark } from '../src/sources/generators/nexmark.js';
import { builtEngine, fmtInt, fmtNum, gc, percentile, type BenchResult, type Row as TableRow } from './common.js';
import { NEXMARK, NEXMARK_COLUMNS, NEXMARK_NOT_SUPPORTED, type NexmarkQuery, type NexmarkTable } from './nexmark_queries.js';

export interface NexmarkOptions {
  events?: number;
  batch?: number;
  queries?: string[];
  /** DuckDB recomputes after every batch (timed); default: up to a million events. */
  recompute?: boolean;
}

/** Published figures per core, for reference (Feldera's and Flink 1.13's Nexmark reports). */
const PUBLISHED: Record<string, string> = {
  q0: 'Feldera ≈436K, Flink 155K',
  q1: 'Flink 158K',
  q2: 'Flink 175K',
  q3: 'Flink 152K',
  q4: 'Flink 34K',
  q5: 'Feldera ≈412K, Flink 22K',
  q7: 'Feldera ≈196K, Flink 12K',
  q8: 'Flink 146K',
  q9: 'Feldera ≈57K, Flink 14K',
};

const TABLES: NexmarkTable[] = ['person', 'auction', 'bid'];

type Batch = Record<NexmarkTable, Row[]>;

/**
 * A batch's rows as a program hands them to `db.insert`: timestamps (microseconds from the
 * generator, whole milliseconds in Nexmark) as Dates.
 */
function asInsertRows(rows: Row[], types: string[]): unknown[][] {
  return rows.map((r) =>
    r.map((v, c) => {
      if (types[c] !== 'timestamp' || v === null) return v;
      const us = v as bigint;
      if (us % 1000n !== 0n) throw new Error('a Nexmark timestamp with microseconds');
      return new Date(Number(us / 1000n));
    }),
  );
}

function columnTypes(t: NexmarkTable): string[] {
  return NEXMARK_COLUMNS[t].split(', ').map((c) => c.split(' ')[1]);
}

/**
 * The events, batch by batch, as each table's rows: batch k is generated when a run asks for
 * it, off the clock (the generator is deterministic, so every run sees the same events). A
 * stream holds one batch at a time; holding all of them would make every major collection of
 * the run mark a million events that no system under test keeps.
 */
interface Events {
  count: number;
  at(k: number): Batch;
}

async function generate(events: number, batch: number): Promise<Events> {
  const db = await Database.open();
  const gens: ReturnType<typeof makeNexmark>[] = [];
  try {
    for (const t of TABLES) {
      await db.query(`CREATE TABLE ${t} (${NEXMARK_COLUMNS[t]})`);
      const e = db.engine.catalog.get(t);
      if (e?.kind !== 'table') throw new Error(`no table ${t}`);
      gens.push(makeNexmark({ name: t, columns: e.columns, primaryKey: null }, new Map([['seed', '1'], ['max_events', String(events)]])));
    }
  } finally {
    await db.close();
  }
  return {
    count: Math.ceil(events / batch),
    at(k) {
      const from = k * batch;
      const n = Math.min(batch, events - from);
      return { person: gens[0].rows(from, n), auction: gens[1].rows(from, n), bid: gens[2].rows(from, n) };
    },
  };
}

/**
 * The JS heap in use plus ArrayBuffers (typed columns live outside the heap), after a full
 * collection and a pause: freed buffers are released by a task after the collection.
 */
async function heapAndBuffers(): Promise<number> {
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

interface TributaryRun {
  seconds: number;
  rows: unknown[][];
  /** Each batch's time (its inserts and commit), ms. */
  batchMs: number[];
  /** The process's highest RSS seen after a batch, bytes. */
  peakRss: number;
  /** Heap the run left behind after a full collection (the tables' and view's state), bytes. */
  retainedHeap: number;
}

async function runTributary(Built: typeof Database, q: NexmarkQuery, events: Events): Promise<TributaryRun> {
  const { sql, tables } = q;
  const heapBefore = await heapAndBuffers();
  const db = await Built.open();
  try {
    for (const t of tables) await db.query(`CREATE TABLE ${t} (${NEXMARK_COLUMNS[t]}) WITH (append_only = true)`);
    for (const s of q.setup ?? []) await db.query(s);
    await db.query(`CREATE MATERIALIZED VIEW v AS ${sql}`);
    const types = Object.fromEntries(tables.map((t) => [t, columnTypes(t)]));
    gc(); // the previous run's garbage is not this one's to collect
    const batchMs: number[] = [];
    let peakRss = 0;
    let seconds = 0;
    for (let k = 0; k < events.count; k++) {
      const b = events.at(k);
      const b0 = performance.now();
      try {
        await insertBatch(db, tables, types, b);
      } finally {
        const ms = performance.now() - b0;
        batchMs.push(ms);
        seconds += ms / 1000;
        // RSS is read every 10 batches: the call itself costs a few µs
        if (batchMs.length % 10 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
      }
    }
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    const retainedHeap = (await heapAndBuffers()) - heapBefore;
    const rows = (await db.query('SELECT * FROM v')).rows.map((r) => Object.values(r as Record<string, unknown>));
    return { seconds, rows, batchMs, peakRss, retainedHeap };
  } finally {
    await db.close();
  }
}

/** One batch's events as one transaction: db.insert alone for one table, a BEGIN block for several. */
async function insertBatch(db: Database, tables: NexmarkTable[], types: Record<string, string[]>, b: Batch): Promise<void> {
  if (tables.length === 1) {
    if (b[tables[0]].length > 0) db.insert(tables[0], asInsertRows(b[tables[0]], types[tables[0]]));
    return;
  }
  await db.query('BEGIN');
  for (const t of tables) if (b[t].length > 0) db.insert(t, asInsertRows(b[t], types[t]));
  await db.query('COMMIT');
}

function appendRow(a: DuckDBAppender, row: Row, types: string[]): void {
  for (let c = 0; c < row.length; c++) {
    const v = row[c];
    if (v === null) a.appendNull();
    else if (types[c] === 'bigint') a.appendBigInt(v as bigint);
    else if (types[c] === 'timestamp') a.appendTimestamp(new DuckDBTimestampValue(v as bigint));
    else a.appendVarchar(v as string);
  }
  a.endRow();
}

interface DuckDBRun {
  /** NaN when DuckDB only ran the query once, at the end (no recompute per batch). */
  seconds: number;
  querySeconds: number;
  rows: unknown[][];
  batchMs: number[];
}

/**
 * DuckDB appending each batch and, with `recompute`, running the query again after it (timed);
 * without, the query runs once after the last batch, only to check Tributary's result.
 */
async function runDuckDB(q: NexmarkQuery, events: Events, recompute: boolean): Promise<DuckDBRun> {
  const { tables } = q;
  const sql = q.duckdb ?? q.sql;
  const instance = await DuckDBInstance.create(':memory:');
  const con: DuckDBConnection = await instance.connect();
  try {
    const types: Record<string, string[]> = {};
    for (const t of tables) {
      await con.run(`CREATE TABLE ${t} (${NEXMARK_COLUMNS[t]})`);
      types[t] = columnTypes(t);
    }
    for (const s of q.setup ?? []) await con.run(s);
    let seconds = 0;
    let querySeconds = 0;
    const batchMs: number[] = [];
    gc();
    for (let k = 0; k < events.count; k++) {
      const b = events.at(k);
      const b0 = performance.now();
      for (const t of tables) {
        if (b[t].length === 0) continue;
        const a = await con.createAppender(t);
        for (const row of b[t]) appendRow(a, row, types[t]);
        a.closeSync();
      }
      if (!recompute) continue;
      const q0 = performance.now();
      await con.run(`CREATE OR REPLACE TABLE r AS ${sql}`);
      querySeconds += (performance.now() - q0) / 1000;
      const ms = performance.now() - b0;
      batchMs.push(ms);
      seconds += ms / 1000;
    }
    if (!recompute) await con.run(`CREATE OR REPLACE TABLE r AS ${sql}`);
    const rows = (await con.runAndReadAll('SELECT * FROM r')).getRowsJS() as unknown[][];
    return recompute ? { seconds, querySeconds, rows, batchMs } : { seconds: NaN, querySeconds: NaN, rows, batchMs: [] };
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** A value as comparable text: timestamps as PostgreSQL writes them (no trailing zeros in the fraction). */
function norm(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace(/Z$/, '').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  return String(v);
}

function sameRows(a: unknown[][], b: unknown[][]): string | null {
  if (a.length !== b.length) return `${a.length} rows against ${b.length}`;
  const key = (r: unknown[]) => r.map(norm).join('|');
  const x = a.map(key).sort();
  const y = b.map(key).sort();
  for (let i = 0; i < x.length; i++) {
    if (x[i] === y[i]) continue;
    const p = x[i].split('|');
    const q = y[i].split('|');
    const close = p.length === q.length && p.every((s, k) => s === q[k] || (Number.isFinite(Number(s)) && Math.abs(Number(s) - Number(q[k])) <= 1e-9 * Math.max(1, Math.abs(Number(s)))));
    if (!close) return `row ${i}: ${x[i]} against ${y[i]}`;
  }
  return null;
}

export async function nexmark(opts: NexmarkOptions = {}): Promise<BenchResult> {
  const events = opts.events ?? 1_000_000;
  const batch = opts.batch ?? 10_000;
  const names = opts.queries ?? Object.keys(NEXMARK);
  const source = await generate(events, batch);
  const recompute = opts.recompute ?? events <= 1_000_000;
  const duck = (x: number, f: (x: number) => string) => (Number.isNaN(x) ? '—' : f(x));
  // the engine users run: the compiled build (the events are generated from src/ above, off the clock)
  const { Database: Built } = await builtEngine();
  const rows: TableRow[] = [];
  const notes: string[] = [
    `${fmtInt(events)} events in batches of ${fmtInt(batch)}, each generated off the clock just before it goes in. Tributary (the compiled build) runs on one Node thread; DuckDB's queries use both cores.`,
    ...(recompute ? [] : ['DuckDB did not recompute after each batch (—): at this size that takes hours. It ran each query once, after the last batch, to check the result.']),
    'ratio: DuckDB\'s time over Tributary\'s (above 1: Tributary is faster). "Queries alone" leaves out DuckDB\'s appends (calls from JavaScript, row by row): the least a recompute could cost.',
    'batch p50/p99: the time of one batch of events, its inserts and commit (Tributary), its appends and query (DuckDB). Peak RSS: the whole process\'s (DuckDB\'s included), read every 10 batches of Tributary\'s run. State: the memory Tributary\'s run left behind after a full collection (tables, view and operators: the JS heap and the typed arrays\' buffers), per event.',
    `Not run: ${Object.entries(NEXMARK_NOT_SUPPORTED).map(([q, why]) => `${q} (${why})`).join('; ')}.`,
  ];
  const raw: Record<string, unknown> = {};
  let correct = true;
  for (const name of names) {
    const q = NEXMARK[name];
    if (!q) throw new Error(`no Nexmark query ${name}`);
    const ours = await runTributary(Built, q, source);
    const theirs = await runDuckDB(q, source, recompute);
    const diff = sameRows(ours.rows, theirs.rows);
    if (diff !== null) correct = false;
    const row: TableRow = {
      query: name,
      'Tributary events/s': fmtInt(events / ours.seconds),
      'DuckDB events/s (append + query)': duck(theirs.seconds, (s) => fmtInt(events / s)),
      ratio: duck(theirs.seconds, (s) => fmtNum(s / ours.seconds)),
      'DuckDB queries alone events/s': duck(theirs.querySeconds, (s) => fmtInt(events / s)),
      'ratio to queries alone': duck(theirs.querySeconds, (s) => fmtNum(s / ours.seconds)),
      'batch p50/p99 ms': `${fmtNum(percentile(ours.batchMs, 50), 1)} / ${fmtNum(percentile(ours.batchMs, 99), 1)}`,
      'DuckDB batch p50/p99 ms': recompute ? `${fmtNum(percentile(theirs.batchMs, 50), 1)} / ${fmtNum(percentile(theirs.batchMs, 99), 1)}` : '—',
      'peak RSS MB': fmtInt(ours.peakRss / 2 ** 20),
      'state bytes/event': fmtInt(Math.max(0, ours.retainedHeap) / events),
      'result rows': fmtInt(ours.rows.length),
      'same result': diff === null ? 'yes' : `NO: ${diff}`,
      'published per core': PUBLISHED[name] ?? '',
    };
    rows.push(row);
    raw[name] = {
      events,
      batch,
      tributarySeconds: ours.seconds,
      duckdbSeconds: recompute ? theirs.seconds : null,
      duckdbQuerySeconds: recompute ? theirs.querySeconds : null,
      batchP50Ms: percentile(ours.batchMs, 50),
      batchP99Ms: percentile(ours.batchMs, 99),
      duckdbBatchP50Ms: recompute ? percentile(theirs.batchMs, 50) : null,
      duckdbBatchP99Ms: recompute ? percentile(theirs.batchMs, 99) : null,
      peakRss: ours.peakRss,
      retainedHeap: ours.retainedHeap,
      rows: ours.rows.length,
      same: diff === null,
    };
    console.log(JSON.stringify(row));
  }
  return {
    name: 'nexmark',
    title: 'Nexmark: Tributary maintaining a view against DuckDB recomputing after each batch',
    columns: [
      'query',
      'Tributary events/s',
      'DuckDB events/s (append + query)',
      'ratio',
      'DuckDB queries alone events/s',
      'ratio to queries alone',
      'batch p50/p99 ms',
      'DuckDB batch p50/p99 ms',
      'peak RSS MB',
      'state bytes/event',
      'result rows',
      'same result',
      'published per core',
    ],
    rows,
    notes,
    correct,
    raw,
  };
}
