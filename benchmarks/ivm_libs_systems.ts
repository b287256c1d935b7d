// The systems of benchmarks/ivm_libs.ts behind one interface: Tributary (compiled build), the
// TypeScript IVM libraries @tanstack/db-ivm and @electric-sql/d2ts (their output diffs
// integrated into a multiset, as an application would keep its result), and DuckDB and PGlite
// recomputing the query after each batch.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { PGlite } from '@electric-sql/pglite';
import * as D2 from '@electric-sql/d2ts';
import * as TS from '@tanstack/db-ivm';
import type { Database } from '../src/index.js';
import { builtEngine } from './common.js';

/** Every table is (id, k, value): t(id, k, v), a(id, k, x), b(id, k, y). */
export type Row = [id: number, k: number, value: number];
export type Change = { table: string; op: 'insert'; row: Row } | { table: string; op: 'delete'; old: Row } | { table: string; op: 'update'; old: Row; row: Row };
export type WorkloadName = 'groupby' | 'join' | 'topk';

export const VALUE_COLUMN: Record<string, string> = { t: 'v', a: 'x', b: 'y' };
export const TABLES: Record<WorkloadName, string[]> = { groupby: ['t'], join: ['a', 'b'], topk: ['a', 'b'] };

/** The query as each SQL system runs it; ties in the top 10 broken by k so every system agrees. */
export const QUERY: Record<WorkloadName, string> = {
  groupby: 'SELECT k, sum(v) AS s, count(*) AS c FROM t GROUP BY k',
  join: 'SELECT a.id AS aid, b.id AS bid, a.x, b.y FROM a JOIN b ON a.k = b.k',
  topk: 'SELECT a.k, sum(b.y) AS s FROM a JOIN b ON a.k = b.k GROUP BY a.k ORDER BY s DESC, a.k LIMIT 10',
};
// Tributary maintains the top 10 in the view (a view's rows have no order: the result is read in the top 10's order)
const TRIBUTARY_TOPK_READ = 'SELECT k, s FROM v ORDER BY s DESC, k';

export interface System {
  name: string;
  load(base: Record<string, Row[]>): Promise<void>;
  /** Apply one batch and bring the result up to date. */
  apply(batch: Change[]): Promise<void>;
  /** Recompute baselines: apply a batch without re-running the query (batches not timed). */
  applyOnly?(batch: Change[]): Promise<void>;
  /** The current result, one string per row (duplicates repeated), unsorted. */
  result(): Promise<string[]>;
  /** Tributary: the last batch's time in COMMIT (view maintenance) and in the top-10 read, ms. */
  lastParts?: { commit: number };
  /** Bytes the engine reports for its state outside the JS heap (DuckDB, PGlite). */
  engineBytes?(): Promise<number>;
  close(): Promise<void>;
}

const key = (r: readonly unknown[]) => r.map((v) => String(v)).join('|');

/** A result integrated from diffs: row string → multiplicity. */
class Multiset {
  readonly m = new Map<string, number>();
  add(k: string, d: number): void {
    const n = (this.m.get(k) ?? 0) + d;
    if (n === 0) this.m.delete(k);
    else this.m.set(k, n);
  }
  rows(): string[] {
    const out: string[] = [];
    for (const [k, n] of this.m) for (let i = 0; i < n; i++) out.push(k);
    return out;
  }
}

/** Removals then additions per table: an update is its old row out and its new row in. */
function split(batch: Change[]): Map<string, { removed: Row[]; added: Row[] }> {
  const out = new Map<string, { removed: Row[]; added: Row[] }>();
  for (const c of batch) {
    let e = out.get(c.table);
    if (!e) out.set(c.table, (e = { removed: [], added: [] }));
    if (c.op !== 'insert') e.removed.push(c.old);
    if (c.op !== 'delete') e.added.push(c.row);
  }
  return out;
}

// ---- Tributary --------------------------------------------------------------------------------

// loaded once: the build current when the run started, whatever happens to src/ meanwhile
let engine: ReturnType<typeof builtEngine> | null = null;

export async function tributary(w: WorkloadName): Promise<System> {
  const { Database } = await (engine ??= builtEngine());
  const db: Database = await Database.open();
  const one = async (c: Change) => {
    const col = VALUE_COLUMN[c.table];
    if (c.op === 'insert') db.insert(c.table, [c.row]);
    else if (c.op === 'delete') await db.query(`DELETE FROM ${c.table} WHERE id = $1`, [c.old[0]]);
    else await db.query(`UPDATE ${c.table} SET k = $1, ${col} = $2 WHERE id = $3`, [c.row[1], c.row[2], c.row[0]]);
  };
  const sys: System = {
    name: 'Tributary',
    async load(base) {
      for (const t of TABLES[w]) {
        await db.query(`CREATE TABLE ${t} (id int PRIMARY KEY, k int NOT NULL, ${VALUE_COLUMN[t]} int NOT NULL)`);
        for (let i = 0; i < base[t].length; i += 100_000) db.insert(t, base[t].slice(i, i + 100_000));
      }
      await db.query(`CREATE MATERIALIZED VIEW v AS ${QUERY[w]}`);
    },
    async apply(batch) {
      const parts = { commit: 0 };
      if (batch.length === 1) await one(batch[0]);
      else {
        // one transaction: deletes and updates by primary key, then the inserts through db.insert
        await db.query('BEGIN');
        for (const c of batch) if (c.op !== 'insert') await one(c);
        for (const t of TABLES[w]) {
          const rows = batch.flatMap((c) => (c.op === 'insert' && c.table === t ? [c.row] : []));
          if (rows.length > 0) db.insert(t, rows);
        }
        const t0 = performance.now();
        await db.query('COMMIT');
        parts.commit = performance.now() - t0;
      }
      sys.lastParts = parts;
    },
    async result() {
      return (await db.query<unknown[]>(w === 'topk' ? TRIBUTARY_TOPK_READ : 'SELECT * FROM v', [], { rowMode: 'array' })).rows.map(key);
    },
    close: () => db.close(),
  };
  return sys;
}

/**
 * Tributary keeps a closed database's scratch buffers until the next database uses them (tens of
 * MB after a large join): a tiny database first, so they are not counted against the next system.
 */
export async function settleTributary(): Promise<void> {
  const s = await tributary('join');
  await s.load({ a: [[0, 0, 0]], b: [[0, 0, 0]] });
  await s.close();
}

// ---- @tanstack/db-ivm and @electric-sql/d2ts ------------------------------------------------------
// The same dataflow in both: rows keyed by k into a join, groupBy with sum/count, and a top 10
// ordered by (s desc, k). d2ts versions every batch (sendData at version i, frontier i + 1).

const byTop = (p: { k: number; s: number }, q: { k: number; s: number }) => q.s - p.s || p.k - q.k;

function libSystem(lib: 'tanstack' | 'd2ts', w: WorkloadName): System {
  const out = new Multiset();
  const integrate = (items: [unknown, number][]) => {
    for (const [item, m] of items) out.add(rowOf(item), m);
  };
  // the view's row from an output item of each workload's dataflow
  const rowOf = (item: any): string => {
    if (w === 'groupby') return `${item[1].k}|${item[1].s}|${item[1].c}`;
    if (w === 'join') return `${item[1][0][0]}|${item[1][1][0]}|${item[1][0][1]}|${item[1][1][1]}`;
    const r = lib === 'tanstack' ? item[1][0] : item[1];
    return `${r.k}|${r.s}`;
  };
  const L: any = lib === 'tanstack' ? TS : D2;
  const graph: any = lib === 'tanstack' ? new TS.D2() : new D2.D2({ initialFrontier: 0 });
  const inputs: Record<string, any> = {};
  for (const t of TABLES[w]) inputs[t] = graph.newInput();
  const sink =
    lib === 'tanstack'
      ? TS.output((ms: TS.MultiSet<unknown>) => integrate(ms.getInner()))
      : D2.output((msg: D2.Message<unknown>) => {
          if (msg.type === D2.MessageType.DATA) integrate(msg.data.collection.getInner());
        });
  // groupBy's count: db-ivm's counts non-null values of its extractor, d2ts's counts rows
  const agg = L.groupByOperators;
  const count = lib === 'tanstack' ? agg.count((r: Row) => r[0]) : agg.count();
  if (w === 'groupby') {
    inputs.t.pipe(L.groupBy((r: Row) => ({ k: r[1] }), { s: agg.sum((r: Row) => r[2]), c: count }), sink);
  } else if (w === 'join') {
    inputs.a.pipe(L.join(inputs.b, 'inner'), sink);
  } else {
    const grouped = inputs.a.pipe(L.join(inputs.b, 'inner'), L.groupBy(([k]: [number]) => ({ k }), { s: agg.sum(([, [, b]]: [number, [unknown, [number, number]]]) => b[1]) }));
    if (lib === 'tanstack') grouped.pipe(TS.topKWithFractionalIndex(byTop, { limit: 10 }), sink);
    else grouped.pipe(D2.map(([, r]: [string, { k: number; s: number }]) => [null, r]), D2.topK(byTop, { limit: 10 }), sink);
  }
  graph.finalize();
  // join inputs are keyed by k with (id, value) as the value; groupby takes whole rows
  const item = (r: Row) => (w === 'groupby' ? [r[0], r[1], r[2]] : [r[1], [r[0], r[2]]]);
  let version = 0;
  const send = (perTable: Map<string, { removed: Row[]; added: Row[] }>) => {
    for (const [t, { removed, added }] of perTable) {
      const data: [unknown, number][] = [];
      for (const r of removed) data.push([item(r), -1]);
      for (const r of added) data.push([item(r), 1]);
      if (lib === 'tanstack') inputs[t].sendData(new TS.MultiSet(data));
      else inputs[t].sendData(version, new D2.MultiSet(data));
    }
    if (lib === 'd2ts') {
      version++;
      for (const t of TABLES[w]) inputs[t].sendFrontier(version);
    }
    graph.run();
  };
  return {
    name: lib === 'tanstack' ? '@tanstack/db-ivm' : '@electric-sql/d2ts',
    async load(base) {
      send(new Map(TABLES[w].map((t) => [t, { removed: [], added: base[t] }])));
    },
    async apply(batch) {
      send(split(batch));
    },
    async result() {
      return out.rows();
    },
    async close() {},
  };
}

export const tanstack = async (w: WorkloadName) => libSystem('tanstack', w);
export const d2ts = async (w: WorkloadName) => libSystem('d2ts', w);

// ---- DuckDB: the query re-run into a table after each batch (as in nexmark.ts) -------------------

export async function duckdb(w: WorkloadName): Promise<System> {
  const instance = await DuckDBInstance.create(':memory:');
  const con: DuckDBConnection = await instance.connect();
  const append = async (t: string, rows: Row[]) => {
    const a = await con.createAppender(t);
    for (const r of rows) {
      a.appendInteger(r[0]);
      a.appendInteger(r[1]);
      a.appendInteger(r[2]);
      a.endRow();
    }
    a.closeSync();
  };
  const applyOnly = async (batch: Change[]) => {
    for (const [t, { removed, added }] of split(batch)) {
      if (removed.length > 0) await con.run(`DELETE FROM ${t} WHERE id IN (${removed.map((r) => r[0]).join(',')})`);
      if (added.length > 0) await append(t, added);
    }
  };
  const refresh = () => con.run(`CREATE OR REPLACE TABLE r AS ${QUERY[w]}`);
  return {
    name: 'DuckDB (recompute)',
    async load(base) {
      for (const t of TABLES[w]) {
        await con.run(`CREATE TABLE ${t} (id int, k int, ${VALUE_COLUMN[t]} int)`);
        await append(t, base[t]);
      }
      await refresh();
    },
    async apply(batch) {
      await applyOnly(batch);
      await refresh();
    },
    applyOnly,
    async result() {
      await refresh();
      return ((await con.runAndReadAll('SELECT * FROM r')).getRowsJS() as unknown[][]).map(key);
    },
    async engineBytes() {
      const rows = (await con.runAndReadAll('SELECT sum(memory_usage_bytes) FROM duckdb_memory()')).getRowsJS();
      return Number(rows[0][0]);
    },
    async close() {
      con.closeSync();
      instance.closeSync();
    },
  };
}

// ---- PGlite: REFRESH MATERIALIZED VIEW after each batch ------------------------------------------
// One PGlite for the whole process (starting one takes seconds); each run drops what it made.

let sharedPglite: Promise<PGlite> | null = null;
export let pgliteStartMs = 0;

export async function pglite(w: WorkloadName): Promise<System> {
  if (!sharedPglite) {
    const t0 = performance.now();
    sharedPglite = PGlite.create().then((pg) => {
      pgliteStartMs = performance.now() - t0;
      return pg;
    });
  }
  const pg = await sharedPglite;
  const insert = (q: Pick<PGlite, 'query'>, t: string, rows: Row[]) =>
    q.query(`INSERT INTO ${t} SELECT * FROM unnest($1::int[], $2::int[], $3::int[])`, [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])]);
  const applyOnly = async (batch: Change[]) => {
    await pg.transaction(async (tx) => {
      for (const [t, { removed, added }] of split(batch)) {
        if (removed.length > 0) await tx.query(`DELETE FROM ${t} WHERE id = ANY($1::int[])`, [removed.map((r) => r[0])]);
        if (added.length > 0) await insert(tx, t, added);
      }
    });
  };
  const refresh = () => pg.exec('REFRESH MATERIALIZED VIEW mv');
  return {
    name: 'PGlite (recompute)',
    async load(base) {
      for (const t of TABLES[w]) {
        await pg.exec(`CREATE TABLE ${t} (id int PRIMARY KEY, k int NOT NULL, ${VALUE_COLUMN[t]} int NOT NULL)`);
        for (let i = 0; i < base[t].length; i += 100_000) await insert(pg, t, base[t].slice(i, i + 100_000));
      }
      await pg.exec(`ANALYZE; CREATE MATERIALIZED VIEW mv AS ${QUERY[w]}`);
    },
    async apply(batch) {
      await applyOnly(batch);
      await refresh();
    },
    applyOnly,
    async result() {
      await refresh();
      return (await pg.query<unknown[]>('SELECT * FROM mv', [], { rowMode: 'array' })).rows.map(key);
    },
    async engineBytes() {
      const names = [...TABLES[w], 'mv'].map((n) => `'${n}'`).join(',');
      const r = await pg.query<{ b: unknown }>(`SELECT sum(pg_total_relation_size(oid)) AS b FROM pg_class WHERE relname IN (${names}) AND relkind IN ('r', 'm')`);
      return Number(r.rows[0].b);
    },
    async close() {
      await pg.exec(`DROP MATERIALIZED VIEW IF EXISTS mv; ${TABLES[w].map((t) => `DROP TABLE IF EXISTS ${t};`).join(' ')}`);
    },
  };
}
