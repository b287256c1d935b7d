// Tributary side by side with the TypeScript IVM libraries a user would pick instead
// (@tanstack/db-ivm, @electric-sql/d2ts) and with recomputing the query after each batch
// (DuckDB, PGlite), in one process, on the same inputs (issue 21):
//   groupby  SELECT k, sum(v), count(*) FROM t GROUP BY k                       (t: n rows, n/100 groups)
//   join     SELECT a.id, b.id, a.x, b.y FROM a JOIN b ON a.k = b.k              (a, b: n rows each, n keys)
//   topk     SELECT a.k, sum(b.y) AS s FROM a JOIN b ON a.k = b.k GROUP BY a.k
//            ORDER BY s DESC, a.k LIMIT 10                                        (a: n rows, b: n/100, one per k)
// Each system loads the base rows (timed as "load"), then takes the same change batches of 1,
// 100 and 10,000 rows (a third each inserts, updates and deletes; in topk a tenth of the changes
// update a price in b), in that order, timing each batch until its result is up to date. At the
// end every system's result must equal Tributary's, as sorted multisets of rows. A full run
// takes about 8 minutes; the systems themselves are in ivm_libs_systems.ts.
import { fmtInt, fmtNum, gc, percentile, rng, type BenchResult, type Row as TableRow } from './common.js';
import { d2ts, duckdb, pglite, pgliteStartMs, settleTributary, tanstack, TABLES, tributary, type Change, type Row, type System, type WorkloadName } from './ivm_libs_systems.js';

export interface IvmLibsOptions {
  sizes?: number[];
  workloads?: WorkloadName[];
  /** Batches per batch size (1, 100, 10,000 rows). */
  batches?: Record<number, number>;
  /** How many batches of each size the recompute baselines time, by base size (the rest are applied untimed). */
  recomputeBatches?: Record<number, number>;
  /** A first pass on 2,000 rows, not reported (JIT). */
  warmup?: boolean;
}

type Factory = (w: WorkloadName) => Promise<System>;
const SYSTEMS: [string, Factory, boolean][] = [
  ['Tributary', tributary, false],
  ['@tanstack/db-ivm', tanstack, false],
  ['@electric-sql/d2ts', d2ts, false],
  ['DuckDB (recompute)', duckdb, true],
  ['PGlite (recompute)', pglite, true],
];

interface Workload {
  base: Record<string, Row[]>;
  schedule: { size: number; batches: Change[][] }[];
}

/** Base rows and change batches; updates and deletes hit rows live when their batch starts, each at most once per batch. */
function makeWorkload(w: WorkloadName, n: number, counts: Record<number, number>, seed: number): Workload {
  const rand = rng(seed);
  const int = (m: number) => Math.floor(rand() * m);
  const keys = w === 'join' ? n : Math.max(1, Math.round(n / 100));
  const base: Record<string, Row[]> = {};
  if (w === 'topk') {
    base.a = Array.from({ length: n }, (_, i): Row => [i, int(keys), int(1000)]);
    base.b = Array.from({ length: keys }, (_, i): Row => [i, i, int(1000)]);
  } else for (const t of TABLES[w]) base[t] = Array.from({ length: n }, (_, i): Row => [i, int(keys), int(1000)]);
  const live: Record<string, { rows: Row[]; pos: Map<number, number>; next: number }> = {};
  for (const t of TABLES[w]) live[t] = { rows: base[t].slice(), pos: new Map(base[t].map((r, i) => [r[0], i])), next: base[t].length };
  const schedule: Workload['schedule'] = [];
  for (const [size, count] of Object.entries(counts).map(([s, c]) => [Number(s), c])) {
    const batches: Change[][] = [];
    for (let b = 0; b < count; b++) {
      const batch: Change[] = [];
      const touched = new Set<string>();
      for (let i = 0; i < size; i++) {
        let table = w === 'groupby' ? 't' : w === 'join' ? (int(2) ? 'b' : 'a') : int(10) ? 'a' : 'b';
        let op = table === 'b' && w === 'topk' ? 1 : int(3); // 0 insert, 1 update, 2 delete
        const pick = () => {
          for (let tries = 0; tries < 10; tries++) {
            const r = live[table].rows[int(live[table].rows.length)];
            if (r && !touched.has(`${table}${r[0]}`)) return r;
          }
          return undefined;
        };
        let old = op > 0 ? pick() : undefined;
        // topk's b keeps one row per k: when its rows are used up, the change goes to a
        if (!old && w === 'topk' && table === 'b') [table, op] = ['a', int(3)];
        if (op > 0) old ??= pick();
        if (!old) op = 0;
        else touched.add(`${table}${old[0]}`);
        const L = live[table];
        if (op === 0) batch.push({ table, op: 'insert', row: [L.next++, int(keys), int(1000)] });
        else if (op === 2) batch.push({ table, op: 'delete', old: old! });
        else batch.push({ table, op: 'update', old: old!, row: [old![0], w === 'topk' && table === 'b' ? old![1] : int(keys), int(1000)] });
      }
      for (const c of batch) {
        const L = live[c.table];
        if (c.op === 'insert') {
          L.pos.set(c.row[0], L.rows.length);
          L.rows.push(c.row);
        } else if (c.op === 'update') L.rows[L.pos.get(c.row[0])!] = c.row;
        else {
          const i = L.pos.get(c.old[0])!;
          const last = L.rows.pop()!;
          L.pos.delete(c.old[0]);
          if (last !== c.old) {
            L.rows[i] = last;
            L.pos.set(last[0], i);
          }
        }
      }
      batches.push(batch);
    }
    schedule.push({ size, batches });
  }
  return { base, schedule };
}

/**
 * JS heap plus array buffers after a full collection. `settle`: collect until the figure stops
 * falling, since the previous run's external buffers (DuckDB's, PGlite's) are freed after the
 * collection that finds them dead, by finalizers and the sweeper.
 */
async function memBytes(settle = false): Promise<number> {
  let last = Infinity;
  for (let i = 0; i < (settle ? 5 : 1); i++) {
    await new Promise((r) => setTimeout(r, settle ? 20 : 0));
    gc();
    const m = process.memoryUsage();
    const now = m.heapUsed + m.arrayBuffers;
    if (now > last - 2 ** 20) return Math.min(now, last);
    last = now;
  }
  return last;
}

interface Run {
  loadMs: number;
  bytesPerRow: number;
  lat: Record<number, number[]>;
  /** Tributary: per batch size, the batches' time in COMMIT. */
  parts: Record<number, { commit: number[] }>;
  result: string[];
}

async function runSystem(factory: Factory, recompute: boolean, w: WorkloadName, wl: Workload, timedPerSize: number): Promise<Run> {
  const inputRows = Object.values(wl.base).reduce((s, r) => s + r.length, 0);
  // (a Tributary that cannot load fails below, in its own run)
  if (factory === tributary) await settleTributary().catch(() => {});
  const m0 = await memBytes(true);
  const sys = await factory(w);
  try {
    const t0 = performance.now();
    await sys.load(wl.base);
    const loadMs = performance.now() - t0;
    // JS heap and array buffers for the JS systems; what the engine reports for DuckDB and PGlite
    const bytes = sys.engineBytes ? await sys.engineBytes() : (await memBytes()) - m0;
    const lat: Record<number, number[]> = {};
    const parts: Run['parts'] = {};
    for (const { size, batches } of wl.schedule) {
      lat[size] = [];
      parts[size] = { commit: [] };
      for (let i = 0; i < batches.length; i++) {
        if (recompute && i >= timedPerSize) {
          await sys.applyOnly!(batches[i]);
          continue;
        }
        const t = performance.now();
        await sys.apply(batches[i]);
        lat[size].push(performance.now() - t);
        if (sys.lastParts && size > 1) {
          parts[size].commit.push(sys.lastParts.commit);
        }
      }
    }
    const result = (await sys.result()).sort();
    return { loadMs, bytesPerRow: bytes / inputRows, lat, parts, result };
  } finally {
    await sys.close();
  }
}

function firstDifference(a: string[], b: string[]): string | null {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return `row ${i}: ${a[i] ?? '(none)'} vs Tributary ${b[i] ?? '(none)'} (${a.length} vs ${b.length} rows)`;
  return null;
}

/** The batch size where Tributary's p50 meets the recompute's, interpolated on log scales between measured sizes. */
function crossover(sizes: number[], ratio: number[]): string {
  if (ratio[0] < 1) return `none: slower at ${fmtInt(sizes[0])}`;
  for (let i = 1; i < sizes.length; i++) {
    if (ratio[i] >= 1) continue;
    const [x0, x1, y0, y1] = [Math.log(sizes[i - 1]), Math.log(sizes[i]), Math.log(ratio[i - 1]), Math.log(ratio[i])];
    return `≈${fmtInt(Math.exp(x0 + ((0 - y0) * (x1 - x0)) / (y1 - y0)))}`;
  }
  return `> ${fmtInt(sizes[sizes.length - 1])} (faster at every size)`;
}

export async function ivmLibs(opts: IvmLibsOptions = {}): Promise<BenchResult> {
  const sizes = opts.sizes ?? [10_000, 100_000, 1_000_000];
  const workloads = opts.workloads ?? ['groupby', 'join', 'topk'];
  const counts = opts.batches ?? { 1: 200, 100: 50, 10_000: 5 };
  const recomputeLimit = opts.recomputeBatches ?? { 10_000: Infinity, 100_000: 10, 1_000_000: 2 };
  const batchSizes = Object.keys(counts).map(Number);
  const raw: Record<string, unknown> = {};
  const notes: string[] = [];
  const t0 = performance.now();
  // PGlite runs after all the others: its buffers come and go on their own schedule, which
  // would upset the other systems' heap measurements
  const passes = [SYSTEMS.filter((s) => !s[0].startsWith('PGlite')), SYSTEMS.filter((s) => s[0].startsWith('PGlite'))];

  // warm-up (JIT, PGlite's start) on small inputs, not reported
  for (const pass of opts.warmup === false ? [] : passes) {
    for (const w of workloads) {
      const wl = makeWorkload(w, 2_000, { 1: 20, 100: 5, 10_000: 1 }, 7);
      for (const [name, factory, recompute] of pass) {
        await runSystem(factory, recompute, w, wl, 3).catch((e) => notes.push(`${name} failed its warm-up on ${w}: ${(e as Error).message}`));
      }
    }
  }

  // where Tributary's largest batches go: COMMIT (the views maintained), the rest (statements)
  const parts: string[] = [];
  const big = batchSizes[batchSizes.length - 1];
  const split = (r: Run) => {
    const { commit } = r.parts[big];
    const [all, c] = [percentile(r.lat[big], 50), percentile(commit, 50)];
    return `${fmtNum(all, 0)} ms, COMMIT ${fmtNum(c, 0)}`;
  };
  const refs = new Map<string, string[]>(); // Tributary's sorted result per workload and size
  const cells = new Map<string, TableRow>();
  const p50s = new Map<string, number[]>();
  let correct = true;
  for (const pass of passes) {
    for (const w of workloads) {
      for (const n of sizes) {
        const wl = makeWorkload(w, n, counts, 42);
        const inputRows = Object.values(wl.base).reduce((s, r) => s + r.length, 0);
        for (const [name, factory, recompute] of pass) {
          const id = `${w} ${n} ${name}`;
          const row: TableRow = { workload: w, 'base rows': fmtInt(inputRows), system: name };
          cells.set(id, row);
          try {
            const r = await runSystem(factory, recompute, w, wl, recomputeLimit[n] ?? 3);
            if (name === 'Tributary') refs.set(`${w} ${n}`, r.result);
            const ref = refs.get(`${w} ${n}`);
            const diff = ref === undefined ? 'not compared: Tributary failed' : ref === r.result ? null : firstDifference(r.result, ref);
            if (diff !== null) correct = false;
            row['load s'] = fmtNum(r.loadMs / 1000, 2);
            row['bytes / input row'] = fmtInt(r.bytesPerRow);
            const stats: Record<number, unknown> = {};
            p50s.set(id, []);
            for (const b of batchSizes) {
              const xs = r.lat[b];
              const sum = xs.reduce((s, x) => s + x, 0);
              const [p50, p99] = [percentile(xs, 50), percentile(xs, 99)];
              p50s.get(id)!.push(p50);
              row[`${fmtInt(b)}: p50 / p99 ms`] = `${fmtNum(p50, p50 < 1 ? 3 : 1)} / ${fmtNum(p99, p99 < 1 ? 3 : 1)}`;
              row[`${fmtInt(b)}: rows/s`] = fmtInt((b * xs.length * 1000) / sum);
              stats[b] = { batches: xs.length, p50Ms: p50, p99Ms: p99, meanMs: sum / xs.length, rowsPerSec: (b * xs.length * 1000) / sum };
              const { commit } = r.parts[b];
              if (commit.length > 0) Object.assign(stats[b] as object, { commitP50Ms: percentile(commit, 50) });
            }
            if (name === 'Tributary' && r.parts[big].commit.length > 0) parts.push(`${w} ${fmtInt(inputRows)} rows: ${split(r)}`);
            row['result rows'] = fmtInt(r.result.length);
            row['same as Tributary'] = name === 'Tributary' ? '(reference)' : diff === null ? 'yes' : `NO: ${diff}`;
            raw[id] = { inputRows, loadMs: r.loadMs, bytesPerInputRow: r.bytesPerRow, resultRows: r.result.length, same: diff === null, batches: stats };
          } catch (e) {
            correct &&= name !== 'Tributary';
            row['same as Tributary'] = `failed: ${(e as Error).message}`;
            raw[id] = { error: String((e as Error).stack ?? e) };
          }
          console.log(JSON.stringify(row));
        }
      }
    }
  }

  // the table in workload, size, system order; the crossover on the recompute baselines' rows
  const rows: TableRow[] = [];
  const ratios: string[] = [];
  for (const w of workloads) {
    for (const n of sizes) {
      for (const [name, , recompute] of SYSTEMS) {
        const row = cells.get(`${w} ${n} ${name}`)!;
        rows.push(row);
        const ours = p50s.get(`${w} ${n} Tributary`);
        const theirs = p50s.get(`${w} ${n} ${name}`);
        if (!recompute || !ours || !theirs) continue;
        const ratio = theirs.map((x, i) => x / ours[i]);
        row['Tributary faster below'] = crossover(batchSizes, ratio);
        ratios.push(`${w} ${row['base rows']} rows against ${name.replace(' (recompute)', '')}: ${batchSizes.map((b, i) => `${fmtNum(ratio[i], ratio[i] < 10 ? 2 : 0)}× at ${fmtInt(b)}`).join(', ')}`);
        raw[`crossover ${w} ${n} ${name}`] = { batchSizes, p50Ratio: ratio, tributaryFasterBelow: row['Tributary faster below'] };
      }
    }
  }

  const countText = batchSizes.map((b) => `${counts[b]} of ${fmtInt(b)}`).join(', ');
  notes.push(
    `Batches per run: ${countText} rows, applied in that order to the same state. DuckDB and PGlite time ${Object.entries(recomputeLimit)
      .map(([n, c]) => `${c === Infinity ? 'every batch' : `${c} batches of each size`} at ${fmtInt(Number(n))} rows`)
      .join(', ')} (the rest are applied without re-running the query, so every system ends on the same data).`,
    'Latency: from handing over a batch until the result is up to date (Tributary: the transaction committed, the view maintained; libraries: graph.run() and their output diffs integrated into a row multiset; DuckDB: CREATE OR REPLACE TABLE r AS <query>; PGlite: REFRESH MATERIALIZED VIEW). rows/s: changed rows over the summed batch latencies.',
    'Tributary maintains the top 10 in the view (`ORDER BY s DESC, a.k LIMIT 10`). The libraries keep their own top 10 (db-ivm: topKWithFractionalIndex; d2ts: topK on one key).',
    "Tributary changes: db.insert for inserts, `UPDATE … WHERE id = $1` and `DELETE … WHERE id = $1` per row (the primary-key path), a batch in one BEGIN … COMMIT. DuckDB and PGlite: a DELETE of the batch's deleted and updated ids, then its new rows (appender; INSERT … unnest), updates as delete + insert.",
    'bytes / input row: for Tributary and the libraries, JS heap plus array buffers after the load (after a full GC) minus before it; DuckDB: duckdb_memory(); PGlite: pg_total_relation_size of its tables and view.',
    `Correctness: at the end, each system's result (libraries: integrated from their diffs) sorted as strings equals Tributary's view row for row: ${correct ? 'all matched' : 'SOME DID NOT (see the table)'}.`,
    "Tributary faster below: the batch size where DuckDB's or PGlite's p50 meets Tributary's, interpolated on log scales between the measured sizes. Ratios of p50s (recompute over Tributary; above 1× Tributary is faster): " + ratios.join('; ') + '.',
    `Tributary's ${fmtInt(big)}-row batches, p50 of the whole batch and of its parts (the rest is the UPDATE and DELETE statements and db.insert): ${parts.join('; ')}.`,
    `PGlite started once for the whole run (${fmtNum(pgliteStartMs / 1000, 1)} s, not counted). Its pg_ivm extension (package @electric-sql/pglite-pg_ivm) was not run here: every version pins its peer @electric-sql/pglite to another exact version than the 0.5.16 this repository uses.`,
    `Total ${fmtNum((performance.now() - t0) / 1000, 0)} s on a shared 2-core machine: indicative figures.`,
  );
  return {
    name: 'ivm_libs',
    title: 'ivm_libs: Tributary, @tanstack/db-ivm, @electric-sql/d2ts, and DuckDB and PGlite recomputing — same inputs, latency per change batch',
    columns: ['workload', 'base rows', 'system', 'load s', 'bytes / input row', ...batchSizes.flatMap((b) => [`${fmtInt(b)}: p50 / p99 ms`, `${fmtInt(b)}: rows/s`]), 'result rows', 'same as Tributary', 'Tributary faster below'],
    rows,
    notes,
    correct,
    raw,
  };
}
