// Benchmark 1: incremental GROUP BY.
//
//   CREATE TABLE t (k int, v bigint);
//   CREATE MATERIALIZED VIEW g AS SELECT k, sum(v), count(*) FROM t GROUP BY k;
//
// 1,000,000 inserts (k = i % 1000, v = i) in batches of 1,000 rows, one transaction per
// batch (Database.insert). Side by side in the same process:
//   (a) a hand-written typed-array implementation of the same incremental computation
//       (per batch: update sums/counts per k, emit each changed group's old and new row);
//   (b) PGlite recomputing the GROUP BY from scratch after each batch, on a prefix only.
import { PGlite } from '@electric-sql/pglite';
import type { Database } from '../src/index.js';
import { assert, builtEngine, fmtInt, fmtNum, gc, median, now, type BenchResult } from './common.js';

export interface GroupByOptions {
  events?: number;
  batch?: number;
  groups?: number;
  runs?: number;
  pgliteBatches?: number;
  /** Skip the baselines (for profiling Tributary alone). */
  tributaryOnly?: boolean;
}

type Batches = number[][][];

function makeBatches(events: number, batch: number, groups: number): Batches {
  const out: Batches = [];
  for (let s = 0; s < events; s += batch) {
    const rows: number[][] = [];
    for (let i = s; i < Math.min(events, s + batch); i++) rows.push([i % groups, i]);
    out.push(rows);
  }
  return out;
}

// ---- Tributary ---------------------------------------------------------------------------

async function openTributary(): Promise<Database> {
  const db = await Engine.open();
  await db.query('CREATE TABLE t (k int, v bigint)');
  await db.query('CREATE MATERIALIZED VIEW g AS SELECT k, sum(v), count(*) FROM t GROUP BY k');
  return db;
}

async function runTributary(batches: Batches): Promise<{ ms: number; db: Database }> {
  const db = await openTributary();
  gc();
  const t0 = now();
  for (const b of batches) db.insert('t', b);
  return { ms: now() - t0, db };
}

// ---- hand-written typed-array baseline --------------------------------------------------------

interface HandState {
  sums: Float64Array;
  counts: Int32Array;
  outputChanges: number;
}

function runHand(batches: Batches, groups: number): { ms: number; state: HandState } {
  const sums = new Float64Array(groups);
  const counts = new Int32Array(groups);
  const oldSums = new Float64Array(groups);
  const oldCounts = new Int32Array(groups);
  const touched = new Uint8Array(groups);
  const touchedList = new Int32Array(groups);
  let outputChanges = 0;
  let sink = 0;
  const t0 = now();
  for (const b of batches) {
    let nt = 0;
    for (let i = 0; i < b.length; i++) {
      const r = b[i];
      const k = r[0];
      if (touched[k] === 0) {
        touched[k] = 1;
        touchedList[nt++] = k;
        oldSums[k] = sums[k];
        oldCounts[k] = counts[k];
      }
      sums[k] += r[1];
      counts[k] += 1;
    }
    // the view's delta: per changed group, -old row and +new row
    const delta: { row: [number, number, number]; diff: number }[] = [];
    for (let j = 0; j < nt; j++) {
      const k = touchedList[j];
      touched[k] = 0;
      if (oldCounts[k] > 0) delta.push({ row: [k, oldSums[k], oldCounts[k]], diff: -1 });
      if (counts[k] > 0) delta.push({ row: [k, sums[k], counts[k]], diff: 1 });
    }
    outputChanges += delta.length;
    sink += delta[delta.length - 1]?.row[1] ?? 0;
  }
  const ms = now() - t0;
  if (sink === -1) console.log(sink); // keep the delta observable
  return { ms, state: { sums, counts, outputChanges } };
}

// ---- PGlite: recompute from scratch after every batch ------------------------------------------

async function runPglite(batches: Batches, runs: number): Promise<{ ms: number[]; lastResult: Map<number, [string, string]> }> {
  const pg = new PGlite();
  await pg.exec('CREATE TABLE t (k int, v bigint)');
  const insertSql = (rows: number[][]) => `INSERT INTO t (k, v) VALUES ${rows.map((r) => `(${r[0]},${r[1]})`).join(',')}`;
  // warm-up
  for (const b of batches.slice(0, 3)) {
    await pg.exec(insertSql(b));
    await pg.query('SELECT k, sum(v), count(*) FROM t GROUP BY k');
  }
  const ms: number[] = [];
  let lastResult = new Map<number, [string, string]>();
  for (let r = 0; r < runs; r++) {
    await pg.exec('TRUNCATE t');
    const t0 = now();
    let res: { rows: { k: number; sum: unknown; count: unknown }[] } | undefined;
    for (const b of batches) {
      await pg.exec(insertSql(b));
      res = await pg.query<{ k: number; sum: unknown; count: unknown }>('SELECT k, sum(v), count(*) FROM t GROUP BY k');
    }
    ms.push(now() - t0);
    lastResult = new Map(res!.rows.map((x) => [x.k, [String(x.sum), String(x.count)]]));
  }
  await pg.close();
  return { ms, lastResult };
}

// ---- driver -----------------------------------------------------------------------------

/** The engine users run: the compiled build (`npm run build` first), as `tributary serve` and the package entry load it. */
let Engine: typeof Database;

export async function groupby(opts: GroupByOptions = {}): Promise<BenchResult> {
  ({ Database: Engine } = await builtEngine());
  const events = opts.events ?? 1_000_000;
  const batch = opts.batch ?? 1000;
  const groups = opts.groups ?? 1000;
  const runs = opts.runs ?? 3;
  const pgBatches = opts.pgliteBatches ?? 20;
  const batches = makeBatches(events, batch, groups);
  const notes: string[] = [];

  // warm-up (JIT) on a 10% prefix, then timed runs on fresh databases
  await runTributary(batches.slice(0, Math.max(1, batches.length / 10)));
  const tribMs: number[] = [];
  let db: Database | null = null;
  for (let r = 0; r < runs; r++) {
    db = null;
    const res = await runTributary(batches);
    tribMs.push(res.ms);
    db = res.db;
  }

  // correctness: every group of the view against the hand-written state
  runHand(batches.slice(0, 10), groups); // warm-up
  const handMs: number[] = [];
  let hand: HandState | null = null;
  for (let r = 0; r < (opts.tributaryOnly ? 1 : Math.max(runs, 5)); r++) {
    const res = runHand(batches, groups);
    handMs.push(res.ms);
    hand = res.state;
  }
  const view = await db!.query<{ k: number; sum: string; count: bigint }>('SELECT k, sum, count FROM g');
  assert(view.rows.length === Math.min(groups, events), `view g has ${view.rows.length} rows`);
  for (const row of view.rows) {
    const k = Number(row.k);
    assert(String(row.sum) === String(hand!.sums[k]), `sum for k=${k}: ${row.sum} vs ${hand!.sums[k]}`);
    assert(String(row.count) === String(hand!.counts[k]), `count for k=${k}: ${row.count} vs ${hand!.counts[k]}`);
  }
  notes.push(`correctness: all ${view.rows.length} groups of g (sum and count) equal the hand-written result after ${fmtInt(events)} inserts`);

  const best = (xs: number[]) => Math.min(...xs);
  const tribRate = (events / best(tribMs)) * 1000;
  const tribMedRate = (events / median(tribMs)) * 1000;
  const handRate = (events / best(handMs)) * 1000;
  const handMedRate = (events / median(handMs)) * 1000;
  const rows: BenchResult['rows'] = [
    {
      system: 'Tributary (Database.insert, 1 txn / batch)',
      events: fmtInt(events),
      'best ms': fmtNum(best(tribMs), 0),
      'events/s (best)': fmtInt(tribRate),
      'events/s (median)': fmtInt(tribMedRate),
    },
  ];
  const raw: Record<string, unknown> = { events, batch, groups, tributaryMs: tribMs, tributaryEventsPerSec: tribRate };
  if (!opts.tributaryOnly) {
    rows.push({
      system: 'hand-written typed arrays (same delta output)',
      events: fmtInt(events),
      'best ms': fmtNum(best(handMs), 1),
      'events/s (best)': fmtInt(handRate),
      'events/s (median)': fmtInt(handMedRate),
    });
    const prefix = batches.slice(0, pgBatches);
    const pgEvents = prefix.reduce((n, b) => n + b.length, 0);
    const pg = await runPglite(prefix, 2);
    // PGlite correctness on its prefix against the hand-written computation on the same prefix
    const handPrefix = runHand(prefix, groups).state;
    assert(pg.lastResult.size === Math.min(groups, pgEvents), `PGlite returned ${pg.lastResult.size} groups`);
    for (const [k, [s, c]] of pg.lastResult) {
      assert(s === String(handPrefix.sums[k]) && c === String(handPrefix.counts[k]), `PGlite group ${k}`);
    }
    const pgRate = (pgEvents / best(pg.ms)) * 1000;
    rows.push({
      system: `PGlite, INSERT + full GROUP BY per batch (first ${pgBatches} batches only)`,
      events: fmtInt(pgEvents),
      'best ms': fmtNum(best(pg.ms), 0),
      'events/s (best)': fmtInt(pgRate),
      'events/s (median)': fmtInt((pgEvents / median(pg.ms)) * 1000),
    });
    const ratio = tribRate / handRate;
    notes.push(`Tributary / hand-written (best vs best): ${fmtNum(ratio, 3)}×`);
    notes.push(
      `PGlite was run on the first ${fmtInt(pgEvents)} events only (recomputing from scratch gets slower as the table grows, so its rate over the full 1M would be lower still; nothing is extrapolated).`,
    );
    Object.assign(raw, { handMs, handEventsPerSec: handRate, handOutputChanges: hand!.outputChanges, pgliteEvents: pgEvents, pgliteMs: pg.ms, pgliteEventsPerSec: pgRate, ratio });
  }
  return {
    name: 'groupby',
    title: `groupby: SELECT k, sum(v), count(*) FROM t GROUP BY k — ${fmtInt(events)} inserts, ${groups} groups, batches of ${batch} (best of ${runs})`,
    columns: ['system', 'events', 'best ms', 'events/s (best)', 'events/s (median)'],
    rows,
    notes,
    correct: true,
    raw,
  };
}
