// Benchmark 3: cost of one single-row update against the group-by view, as state grows.
//
//   CREATE TABLE t (id int PRIMARY KEY, k int, v bigint);
//   CREATE MATERIALIZED VIEW g AS SELECT k, sum(v), count(*) FROM t GROUP BY k;
//
// The table is grown to 1k, 10k, 100k and 1M rows (v = id). At each size we apply single-row
// updates `v = v + 1` to random rows through the engine's commit path: one transaction that
// deletes the row's committed id and inserts its new version (what UPDATE t SET v = v + 1
// WHERE id = … does after finding the row). The primary key only serves to find a row's
// current id. Two shapes of view state: k = id % 1000 (1,000 groups however big the table)
// and k = id (one group per row, so the view grows with the table too).
// For reference, the SQL statement itself is also timed (parse + plan + find + commit).
import type { Database } from '../src/index.js';
import type { TableEntry } from '../src/catalog/catalog.js';
import type { Row } from '../src/expr/value.js';
import { assert, builtEngine, fmtInt, fmtNum, gc, median, percentile, rng, type BenchResult } from './common.js';

export interface UpdateLatencyOptions {
  sizes?: number[];
  /** Timed updates per size per round. */
  updates?: number;
  rounds?: number;
}

interface Shape {
  label: string;
  groupOf: (id: number) => number;
}

/** The engine users run: the compiled build (`npm run build` first), as `tributary serve` and the package entry load it. */
let Engine: typeof Database;

export async function updateLatency(opts: UpdateLatencyOptions = {}): Promise<BenchResult> {
  ({ Database: Engine } = await builtEngine());
  const sizes = opts.sizes ?? [1_000, 10_000, 100_000, 1_000_000];
  const updates = opts.updates ?? 2000;
  const rounds = opts.rounds ?? 3;
  const shapes: Shape[] = [
    { label: '1,000 groups', groupOf: (id) => id % 1000 },
    { label: 'one group per row', groupOf: (id) => id },
  ];
  const rows: BenchResult['rows'] = [];
  const raw: Record<string, unknown>[] = [];
  const notes: string[] = [];

  for (const shape of shapes) {
    const db = await Engine.open();
    await db.query('CREATE TABLE t (id int PRIMARY KEY, k int, v bigint)');
    await db.query('CREATE MATERIALIZED VIEW g AS SELECT k, sum(v), count(*) FROM t GROUP BY k');
    const te = db.engine.catalog.get('t') as TableEntry;
    const store = te.store;
    const rand = rng(7);
    let loaded = 0;
    let applied = 0; // total +1s applied (internal path and SQL path)
    const bump = new Map<number, number>(); // id -> number of +1s (for the per-group check)

    const updateOnce = (id: number): number => {
      const rid = store.lookupPk(store.pkOf([id, null, null]))!;
      const old = store.row(rid);
      const next: Row = [old[0], old[1], (old[2] as bigint) + 1n];
      const t0 = process.hrtime.bigint();
      db.engine.commit(new Map([[te, { deletes: [rid], inserts: [next] }]]));
      const dt = Number(process.hrtime.bigint() - t0) / 1000;
      applied++;
      bump.set(id, (bump.get(id) ?? 0) + 1);
      return dt;
    };

    for (const size of sizes) {
      while (loaded < size) {
        const n = Math.min(10_000, size - loaded);
        const batch: number[][] = [];
        for (let i = 0; i < n; i++) batch.push([loaded + i, shape.groupOf(loaded + i), loaded + i]);
        db.insert('t', batch);
        loaded += n;
      }
      gc();
      const pick = () => Math.floor(rand() * size);
      for (let i = 0; i < 300; i++) updateOnce(pick()); // warm-up
      const perOp: number[] = [];
      const roundMeans: number[] = [];
      for (let r = 0; r < rounds; r++) {
        let sum = 0;
        for (let i = 0; i < updates; i++) {
          const dt = updateOnce(pick());
          perOp.push(dt);
          sum += dt;
        }
        roundMeans.push(sum / updates);
      }
      // the same change through SQL, for reference (capped at 200 statements or ~2 s)
      const sqlTimes: number[] = [];
      const sqlStart = performance.now();
      for (let i = 0; i < 200 && performance.now() - sqlStart < 2000; i++) {
        const id = pick();
        const t0 = process.hrtime.bigint();
        await db.query('UPDATE t SET v = v + 1 WHERE id = $1', [id]);
        sqlTimes.push(Number(process.hrtime.bigint() - t0) / 1000);
        applied++;
        bump.set(id, (bump.get(id) ?? 0) + 1);
      }
      rows.push({
        'view state': shape.label,
        'table rows': fmtInt(size),
        'µs/change (median)': fmtNum(median(perOp), 1),
        'µs/change (p99)': fmtNum(percentile(perOp, 99), 1),
        'µs/change (best round mean)': fmtNum(Math.min(...roundMeans), 1),
        'SQL UPDATE µs (median)': `${fmtNum(median(sqlTimes), 1)} (n=${sqlTimes.length})`,
      });
      raw.push({ shape: shape.label, size, medianUs: median(perOp), p99Us: percentile(perOp, 99), roundMeansUs: roundMeans, sqlMedianUs: median(sqlTimes), sqlCount: sqlTimes.length });
    }

    // correctness: totals of the view, and every group touched by an update
    const n = loaded;
    const groups = new Set(Array.from({ length: Math.min(n, 1000) }, (_, i) => shape.groupOf(i))).size;
    const totals = await db.query<{ g: bigint; s: unknown; c: unknown }>('SELECT count(*) AS g, sum(sum) AS s, sum(count) AS c FROM g');
    const expectedSum = BigInt(n) * BigInt(n - 1) / 2n + BigInt(applied);
    const expectedGroups = shape.label === '1,000 groups' ? Math.min(n, 1000) : n;
    void groups;
    assert(String(totals.rows[0].g) === String(expectedGroups), `${shape.label}: ${totals.rows[0].g} groups, expected ${expectedGroups}`);
    assert(String(totals.rows[0].c) === String(n), `${shape.label}: total count ${totals.rows[0].c}, expected ${n}`);
    assert(String(totals.rows[0].s) === String(expectedSum), `${shape.label}: total sum ${totals.rows[0].s}, expected ${expectedSum}`);
    const expectedPerGroup = new Map<number, bigint>();
    for (let id = 0; id < n; id++) {
      const k = shape.groupOf(id);
      if (shape.label === '1,000 groups' || bump.has(id)) expectedPerGroup.set(k, (expectedPerGroup.get(k) ?? 0n) + BigInt(id + (bump.get(id) ?? 0)));
    }
    const all = await db.query<{ k: number; sum: unknown }>('SELECT k, sum FROM g');
    let checked = 0;
    for (const r of all.rows) {
      const e = expectedPerGroup.get(Number(r.k));
      if (e === undefined) continue;
      assert(String(r.sum) === String(e), `${shape.label}: group ${r.k} sum ${r.sum}, expected ${e}`);
      checked++;
    }
    assert(checked === expectedPerGroup.size, `${shape.label}: checked ${checked} of ${expectedPerGroup.size} groups`);
    notes.push(`correctness (${shape.label}): view totals (groups, sum(count), sum(sum)) and all ${fmtInt(checked)} updated groups' sums match after ${fmtInt(applied)} updates`);
  }
  notes.push(`each size: 300 warm-up updates, then ${rounds} rounds × ${fmtInt(updates)} timed updates of random rows; time = Engine.commit only (delete row id + insert new version, one circuit step)`);
  return {
    name: 'update_latency',
    title: 'update_latency: single-row update (v = v + 1) against GROUP BY view g, by table size',
    columns: ['view state', 'table rows', 'µs/change (median)', 'µs/change (p99)', 'µs/change (best round mean)', 'SQL UPDATE µs (median)'],
    rows,
    notes,
    correct: true,
    raw: { results: raw },
  };
}
