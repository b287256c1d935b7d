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
  // recovery: a table of `rows` rows under three views, written in commits of 10,000 rows
  const ingest = async (dataDir: string | undefined) => {
    const db = await Database.open({ dataDir, log: () => {} });
    await db.query('CREATE TABLE ev (id bigint, k int, amount numeric(10,2), note text)');
    await db.query('CREATE TABLE dim (k int PRIMARY KEY, name text)');
    await db.query(`INSERT INTO dim SELECT g, 'name ' || g FROM generate_series(0, 999) g`);
    await db.query('CREATE MATERIALIZED VIEW by_k AS SELECT k, count(*) AS n, sum(amount) AS s FROM ev GROUP BY k');
    await db.query('CREATE MATERIALIZED VIEW by_name AS SELECT d.name, max(e.amount) AS m FROM ev e JOIN dim d ON d.k = e.k GROUP BY d.name');
    await db.query('CREATE MATERIALIZED VIEW total AS SELECT count(*) AS n, sum(amount) AS s FROM ev');
    const t0 = performance.now();
    for (let from = 0; from < rows; from += 10_000) {
      db.insert('ev', Array.from({ length: Math.min(10_000, rows - from) }, (_, i) => [from + i, (from + i) % 1000, ((from + i) % 9973) / 100, `note ${i % 100}`]));
    }
    const ms = performance.now() - t0;
    const total = JSON.stringify((await db.query('SELECT * FROM total')).rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    await db.close();
    return { ms, total };
  };
  const memory = await ingest(undefined);
  const d = dir();
  const logged = await ingest(d);
  const t1 = performance.now();
  const db = await Database.open({ dataDir: d, log: () => {} });
  const recovery = performance.now() - t1;
  const got = JSON.stringify((await db.query('SELECT * FROM total')).rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  if (got !== logged.total || got !== memory.total) throw new Error('recovered view differs');
  await db.close();
  console.log(`\n${rows} rows under 3 views, in commits of 10,000 rows (db.insert): ingest in memory ${Math.round(memory.ms)} ms; with the log ${Math.round(logged.ms)} ms; reopening the directory (replaying the log) ${Math.round(recovery)} ms`);
  for (const x of dirs) rmSync(x, { recursive: true, force: true });
}

await main();
