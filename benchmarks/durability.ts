// Durability costs and recovery time (issue 19): commits per second in memory, on a data
// directory with synchronous_commit on and off (one client, and 16 concurrent sessions whose
// commits share fsyncs), and the time to reopen a directory by replaying its log.
//
//   npx tsx benchmarks/durability.ts [--rows=1000000]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/index.js';

const rows = Number(process.argv.find((a) => a.startsWith('--rows='))?.slice(7) ?? 1_000_000);
const SECONDS = 3;

async function commitsPerSecond(open: () => Promise<Database>, clients: number): Promise<number> {
  const db = await open();
  await db.query('CREATE TABLE acc (id int PRIMARY KEY, bal bigint)');
  await db.query('INSERT INTO acc SELECT g, 0 FROM generate_series(1, 10000) g');
  await db.query('CREATE MATERIALIZED VIEW total AS SELECT sum(bal) AS s FROM acc');
  const sessions = Array.from({ length: clients }, () => db.newSession());
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    sessions.map(async (s, i) => {
      let k = i;
      while (performance.now() < end) {
        s.execute(`UPDATE acc SET bal = bal + 1 WHERE id = ${(k = (k * 7 + 13) % 10000) + 1}`);
        await s.durable();
        n++;
      }
    }),
  );
  await db.close();
  return n / SECONDS;
}

async function main(): Promise<void> {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'tributary-bench-'));
    dirs.push(d);
    return d;
  };
  console.log('| setting | clients | commits/s |');
  console.log('| --- | --- | --- |');
  for (const clients of [1, 16]) {
    console.log(`| in memory | ${clients} | ${Math.round(await commitsPerSecond(() => Database.open(), clients))} |`);
    console.log(`| data dir, synchronous_commit on | ${clients} | ${Math.round(await commitsPerSecond(() => Database.open({ dataDir: dir(), log: () => {} }), clients))} |`);
    console.log(`| data dir, synchronous_commit off | ${clients} | ${Math.round(await commitsPerSecond(() => Database.open({ dataDir: dir(), synchronousCommit: false, log: () => {} }), clients))} |`);
  }
  // recovery: a table of `rows` rows under five views, written in commits of 10,000 rows
  const VIEWS = [
    'CREATE MATERIALIZED VIEW by_k AS SELECT k, count(*) AS n, sum(amount) AS s, min(amount) AS lo FROM ev GROUP BY k',
    'CREATE MATERIALIZED VIEW by_name AS SELECT d.name, max(e.amount) AS m, count(*) AS n FROM ev e JOIN dim d ON d.k = e.k GROUP BY d.name',
    'CREATE MATERIALIZED VIEW total AS SELECT count(*) AS n, sum(amount) AS s FROM ev',
    'CREATE MATERIALIZED VIEW notes AS SELECT note, count(DISTINCT k) AS ks FROM ev GROUP BY note',
    'CREATE MATERIALIZED VIEW big AS SELECT d.name, e.id, e.amount FROM ev e JOIN dim d ON d.k = e.k WHERE e.amount > 99',
  ];
  const rowsOf = (from: number) => Array.from({ length: Math.min(10_000, rows - from) }, (_, i) => [from + i, (from + i) % 1000, ((from + i) % 9973) / 100, `note ${(from + i) % 100}`]);
  const tables = async (db: Database) => {
    await db.query('CREATE TABLE ev (id bigint, k int, amount numeric(10,2), note text)');
    await db.query('CREATE TABLE dim (k int PRIMARY KEY, name text)');
    await db.query(`INSERT INTO dim SELECT g, 'name ' || g FROM generate_series(0, 999) g`);
  };
  const canon = async (db: Database) => JSON.stringify(await Promise.all(['total', 'by_k ORDER BY k', 'by_name ORDER BY name', 'notes ORDER BY note', 'big ORDER BY id'].map(async (v) => (await db.query(`SELECT * FROM ${v}`, [], { format: 'text' })).rows)));
  const ingest = async (dataDir: string | undefined) => {
    const db = await Database.open({ dataDir, log: () => {}, checkpointIntervalMs: 0 });
    await tables(db);
    for (const v of VIEWS) await db.query(v);
    const t0 = performance.now();
    for (let from = 0; from < rows; from += 10_000) db.insert('ev', rowsOf(from));
    const ms = performance.now() - t0;
    const views = await canon(db);
    return { db, ms, views };
  };
  const memory = await ingest(undefined);
  await memory.db.close();
  // the whole log replayed: a crash before any checkpoint
  const d = dir();
  const logged = await ingest(d);
  const x = logged.db as unknown as { engine: { wal: unknown }; storage: { close(): void }; closed: boolean };
  x.engine.wal = null;
  x.storage.close();
  x.closed = true;
  let t = performance.now();
  let db = await Database.open({ dataDir: d, log: () => {}, checkpointIntervalMs: 0 });
  const replay = performance.now() - t;
  if ((await canon(db)) !== memory.views) throw new Error('replayed views differ');
  t = performance.now();
  await db.close(); // takes a checkpoint
  const checkpointMs = performance.now() - t;
  t = performance.now();
  db = await Database.open({ dataDir: d, log: () => {}, checkpointIntervalMs: 0 });
  const restore = performance.now() - t;
  if ((await canon(db)) !== memory.views) throw new Error('restored views differ');
  await db.close();
  // rehydration: the same tables loaded, the views built from them
  db = await Database.open();
  t = performance.now();
  await tables(db);
  for (let from = 0; from < rows; from += 100_000) {
    const batch: unknown[][] = [];
    for (let f = from; f < Math.min(rows, from + 100_000); f += 10_000) batch.push(...rowsOf(f));
    db.insert('ev', batch);
  }
  const loadTables = performance.now() - t;
  for (const v of VIEWS) await db.query(v);
  const rehydrate = performance.now() - t;
  if ((await canon(db)) !== memory.views) throw new Error('rehydrated views differ');
  await db.close();
  console.log(`\n${rows} rows under ${VIEWS.length} views, in commits of 10,000 rows (db.insert):`);
  console.log(`- ingest: in memory ${Math.round(memory.ms)} ms; with the log ${Math.round(logged.ms)} ms`);
  console.log(`- recovery replaying the whole log: ${Math.round(replay)} ms`);
  console.log(`- checkpoint (taken and written at close): ${Math.round(checkpointMs)} ms`);
  console.log(`- recovery from the checkpoint: ${Math.round(restore)} ms`);
  console.log(`- rehydration (tables loaded ${Math.round(loadTables)} ms, then the views built): ${Math.round(rehydrate)} ms; checkpoint recovery is ${(rehydrate / restore).toFixed(1)}× faster`);
  for (const x of dirs) rmSync(x, { recursive: true, force: true });
}

await main();
