// Scaling: latency of one change against state size, for three view shapes, and throughput of
// the aggregate against batch size at a fixed state size. An incremental view should cost the
// same per change at 1k rows as at 10M; a curve that grows linearly with the state is a bug.
//
//   aggregate: t(id PK, k, v) with k = id, view SELECT k, sum(v), count(*) FROM t GROUP BY k
//              (one group per row, so the view grows with the table)
//   join:      a(id PK, k, x), b(id PK, k, y), view a JOIN b ON a.k = b.k (k = id at load, so
//              the view has one row per key; size = rows per side)
//   topk:      t(id PK, v), view SELECT id, v FROM t ORDER BY v DESC LIMIT 10 (values distinct);
//              a third of the deletes remove the view's first row, so the 11th moves up.
//
// Each table grows by db.insert in batches (untimed); then single-row changes go through
// db.query with parameters, cycling delete, update, insert (the insert puts back the row just
// deleted, with new values, so the size stays put). Times are the whole statement: parse
// (cached), plan, key lookup, table change and view maintenance. The engine is the compiled
// build (builtEngine), as users run it.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { builtEngine, fmtInt, fmtNum, gc, median, percentile, rng, type BenchResult, type Row } from './common.js';
import { aggregateShape, joinShape, topKShape, type Op, type Shape } from './scaling_shapes.js';

export interface ScalingOptions {
  sizes?: number[];
  /** Timed single-row changes per size (after a warm-up). */
  changes?: number;
  /** State size (rows) of the aggregate for the batch-size runs. */
  batchState?: number;
  batchSizes?: number[];
  /** Rows per batch size at most, and seconds per batch size at most. */
  batchRows?: number;
  batchSeconds?: number;
}

const LOAD_BATCH = 100_000;
const MiB = 2 ** 20;

/** Full GCs with a pause between: array buffers of a closed database are freed after a GC, not in it. */
async function settle(): Promise<void> {
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
}

/** Bytes the kernel says can still be allocated (MemAvailable), or os.freemem(). */
function availableBytes(): number {
  try {
    const m = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return os.freemem();
}

/** Least-squares slope of log(y) against log(x): 0 is flat, 1 is linear in x. */
export function logLogSlope(xs: number[], ys: number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((s, x) => s + x, 0) / lx.length;
  const my = ly.reduce((s, y) => s + y, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export async function scaling(opts: ScalingOptions = {}): Promise<BenchResult> {
  const { Database } = await builtEngine();
  const sizes = opts.sizes ?? [1_000, 10_000, 100_000, 1_000_000, 10_000_000];
  const changes = opts.changes ?? 3000;
  const warmup = 300;
  const rows: Row[] = [];
  const notes: string[] = [];
  const curves: Record<string, unknown>[] = [];
  const skipped: string[] = [];
  let correct = true;
  const heapLimit = v8.getHeapStatistics().heap_size_limit;
  const memBudget = availableBytes() * 0.7;
  notes.push(`memory: ${fmtNum(availableBytes() / 2 ** 30, 1)} GiB available at the start, V8 heap limit ${fmtInt(heapLimit / MiB)} MiB; a size is skipped when the growth per row measured so far predicts more than 70% of the first or 85% of the second`);

  const cap = Math.max(...sizes);
  const makers: ((rand: () => number) => Shape)[] = [
    (r) => aggregateShape(cap, r),
    (r) => joinShape(cap, r),
    (r) => topKShape(cap, (changes + 4 * warmup) * sizes.length, r),
  ];
  for (const make of makers) {
    const shape = make(rng(11));
    const db = await Database.open();
    try {
      await shape.setup(db);
      // memory is counted from here: the empty views, and the benchmark's own arrays, left out
      await settle();
      const base = process.memoryUsage();
      let loaded = 0;
      let i = 0;
      const xs: number[] = [];
      const p50s: number[] = [];
      const p99s: number[] = [];
      for (const size of sizes) {
        // predict this size's memory from what the rows so far took
        if (loaded > 0) {
          const m = process.memoryUsage();
          const grow = (size - loaded) / loaded;
          const heapPred = m.heapUsed + (m.heapUsed - base.heapUsed) * grow;
          const rssPred = (m.rss - base.rss) * (1 + grow);
          if (heapPred > heapLimit * 0.85 || rssPred > memBudget) {
            skipped.push(`${shape.name} ${fmtInt(size)}`);
            notes.push(`${shape.name}: ${fmtInt(size)} rows skipped (predicted heap ${fmtInt(heapPred / MiB)} MiB, resident ${fmtInt(rssPred / MiB)} MiB)`);
            break;
          }
        }
        const t0 = performance.now();
        for (let from = loaded; from < size; from += LOAD_BATCH) shape.load(db, from, Math.min(size, from + LOAD_BATCH));
        loaded = size;
        const loadSeconds = (performance.now() - t0) / 1000;
        await settle();
        const mem = process.memoryUsage();
        // the first size also warms up the statements' code paths
        for (let w = 0; w < (xs.length === 0 ? 4 * warmup : warmup); w++) {
          const c = await shape.next(db, i++);
          await db.query(c.sql, c.params);
        }
        const all: number[] = [];
        const byOp: Record<Op, number[]> = { insert: [], update: [], delete: [] };
        for (let n = 0; n < changes; n++) {
          const c = await shape.next(db, i++);
          const t = process.hrtime.bigint();
          await db.query(c.sql, c.params);
          const us = Number(process.hrtime.bigint() - t) / 1000;
          all.push(us);
          byOp[c.op].push(us);
        }
        const p50 = median(all);
        xs.push(size);
        p50s.push(p50);
        p99s.push(percentile(all, 99));
        const heapMiB = (mem.heapUsed - base.heapUsed) / MiB;
        const buffersMiB = (mem.arrayBuffers - base.arrayBuffers) / MiB;
        rows.push({
          measure: `${shape.name}: one change (SQL)`,
          'state rows': fmtInt(size * shape.tables),
          'p50 µs': fmtNum(p50, 1),
          'p99 µs': fmtNum(percentile(all, 99), 1),
          'p50 µs insert / update / delete': (['insert', 'update', 'delete'] as Op[]).map((o) => fmtNum(median(byOp[o]), 1)).join(' / '),
          'rows/s': `${fmtInt(1e6 / (all.reduce((s, x) => s + x, 0) / all.length))} (1 / mean)`,
          'heap + buffers MiB': `${fmtInt(heapMiB)} + ${fmtInt(buffersMiB)}`,
          'load s': fmtNum(loadSeconds, 1),
        });
        curves.push({
          shape: shape.name, size, stateRows: size * shape.tables, changes, p50Us: p50, p99Us: percentile(all, 99), meanUs: all.reduce((s, x) => s + x, 0) / all.length,
          p50ByOpUs: Object.fromEntries(Object.entries(byOp).map(([o, xs]) => [o, median(xs)])), loadSeconds, heapMiB, buffersMiB, rssMiB: (mem.rss - base.rss) / MiB,
        });
        console.log(JSON.stringify(rows[rows.length - 1]));
      }
      notes.push(await shape.check(db));
      // from 10k rows on: the smallest sizes are dominated by warm-up effects
      const fit = xs.map((x, k) => [x, p50s[k], p99s[k]]).filter(([x]) => x >= 10_000);
      if (fit.length >= 2) {
        const slope = logLogSlope(fit.map((f) => f[0]), fit.map((f) => f[1]));
        const slope99 = logLogSlope(fit.map((f) => f[0]), fit.map((f) => f[2]));
        const verdict = slope > 0.5 ? 'GROWS WITH STATE SIZE (linear would be 1): a bug' : slope > 0.2 ? 'grows, sub-linearly' : 'nearly flat';
        notes.push(`${shape.name}: log-log slope of p50 against size ${fmtNum(slope)} (${verdict}), of p99 ${fmtNum(slope99)}, from ${fmtInt(fit[0][0])} to ${fmtInt(fit[fit.length - 1][0])} rows per table`);
      }
    } catch (e) {
      correct = false;
      notes.push(`${shape.name}: ${(e as Error).message}`);
    } finally {
      await db.close();
    }
  }

  const batches = await batchThroughput(Database, opts);
  rows.push(...batches.rows);
  notes.push(batches.note);
  correct &&= batches.correct;
  notes.push(`each size: ${warmup} warm-up changes, then ${fmtInt(changes)} timed (delete, update, insert in turn; in the topk shape a third of the deletes take the view's first row); p50/p99 of single statements through db.query with parameters`);
  notes.push('heap + buffers: growth of the V8 heap and of typed-array memory since the shape\'s empty tables and view, after a full GC');
  return {
    name: 'scaling',
    title: 'Scaling: latency of one change against state size, and throughput against batch size',
    columns: ['measure', 'state rows', 'p50 µs', 'p99 µs', 'p50 µs insert / update / delete', 'rows/s', 'heap + buffers MiB', 'load s'],
    rows,
    notes,
    correct,
    raw: { curves, batches: batches.raw, batchState: batches.state, skipped },
  };
}

/** The aggregate at a fixed state, fed db.insert batches of growing size into existing groups. */
async function batchThroughput(Db: typeof import('../src/index.js').Database, opts: ScalingOptions) {
  const state = opts.batchState ?? 1_000_000;
  const sizes = opts.batchSizes ?? [1, 10, 100, 1_000, 10_000];
  const maxRows = opts.batchRows ?? 100_000;
  const maxSeconds = opts.batchSeconds ?? 2;
  const db = await Db.open();
  const rows: Row[] = [];
  const raw: Record<string, unknown>[] = [];
  const rand = rng(5);
  let correct = true;
  let note = '';
  try {
    await db.query('CREATE TABLE t (id int PRIMARY KEY, k int, v bigint)');
    await db.query('CREATE MATERIALIZED VIEW g AS SELECT k, sum(v), count(*) FROM t GROUP BY k');
    for (let from = 0; from < state; from += LOAD_BATCH) {
      const batch: number[][] = [];
      for (let id = from; id < Math.min(state, from + LOAD_BATCH); id++) batch.push([id, id, 1]);
      db.insert('t', batch);
    }
    let nextId = state;
    let sum = state;
    for (const size of sizes) {
      gc();
      const perRow: number[] = [];
      let done = 0;
      let spent = 0;
      while (done < maxRows && spent < maxSeconds * 1000) {
        // new rows into existing groups: the view's size stays, each row changes one group
        const batch: number[][] = [];
        for (let r = 0; r < size; r++) batch.push([nextId++, Math.floor(rand() * state), 1]);
        const t = performance.now();
        db.insert('t', batch);
        const ms = performance.now() - t;
        spent += ms;
        perRow.push((ms * 1000) / size);
        done += size;
        sum += size;
      }
      rows.push({
        measure: `aggregate: db.insert batches of ${fmtInt(size)}`,
        'state rows': fmtInt(state),
        'p50 µs': `${fmtNum(median(perRow), 2)} a row`,
        'p99 µs': `${fmtNum(percentile(perRow, 99), 2)} a row`,
        'rows/s': fmtInt((done / spent) * 1000),
      });
      raw.push({ batch: size, rows: done, seconds: spent / 1000, rowsPerSec: (done / spent) * 1000, p50UsPerRow: median(perRow), p99UsPerRow: percentile(perRow, 99) });
      console.log(JSON.stringify(rows[rows.length - 1]));
    }
    const r = (await db.query<{ g: unknown; s: unknown; c: unknown }>('SELECT count(*) AS g, sum(sum) AS s, sum(count) AS c FROM g')).rows[0];
    correct = String(r.g) === String(state) && String(r.s) === String(sum) && String(r.c) === String(sum);
    note = correct
      ? `batches: ${fmtInt(state)} groups, inserts of v = 1 into random existing groups (each batch one transaction, up to ${fmtInt(maxRows)} rows or ${maxSeconds} s a batch size); view totals match (${fmtInt(sum)} rows)`
      : `batches: view totals wrong: ${r.g} groups, sum ${r.s}, count ${r.c}; expected ${state}, ${sum}, ${sum}`;
  } finally {
    await db.close();
  }
  return { rows, raw, state, correct, note };
}
