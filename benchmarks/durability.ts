// Durability costs and recovery time (issue 19): commits per second in memory, on a data
// directory with synchronous_commit on and off (one client, and 16 concurrent sessions whose
// commits share fsyncs); then, for a table of --rows rows under five views, the time to
// recover by replaying the whole log, to checkpoint, to recover from the checkpoint (views
// read, then the rest of the state loaded in the background; and again with a log after the
// checkpoint), and to rebuild the views from the tables (rehydration), each in a fresh
// process (--phase=…).
//
//   npx tsx benchmarks/durability.ts [--rows=1000000]

import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

const VIEWS = [
  'CREATE MATERIALIZED VIEW by_k AS SELECT k, count(*) AS n, sum(amount) AS s, min(amount) AS lo FROM ev GROUP BY k',
  'CREATE MATERIALIZED VIEW by_name AS SELECT d.name, max(e.amount) AS m, count(*) AS n FROM ev e JOIN dim d ON d.k = e.k GROUP BY d.name',
  'CREATE MATERIALIZED VIEW total AS SELECT count(*) AS n, sum(amount) AS s FROM ev',
  'CREATE MATERIALIZED VIEW notes AS SELECT note, count(DISTINCT k) AS ks FROM ev GROUP BY note',
  'CREATE MATERIALIZED VIEW big AS SELECT d.name, e.id, e.amount FROM ev e JOIN dim d ON d.k = e.k WHERE e.amount > 99',
];
const rowsOf = (from: number, n: number) => Array.from({ length: Math.min(n, rows - from) }, (_, i) => [from + i, (from + i) % 1000, ((from + i) % 9973) / 100, `note ${(from + i) % 100}`]);
const tables = async (db: Database) => {
  await db.query('CREATE TABLE ev (id bigint, k int, amount numeric(10,2), note text)');
  await db.query('CREATE TABLE dim (k int PRIMARY KEY, name text)');
  await db.query(`INSERT INTO dim SELECT g, 'name ' || g FROM generate_series(0, 999) g`);
};
/** The views' contents, as one string to compare. */
const viewsText = async (db: Database) => JSON.stringify(await Promise.all(['total', 'by_k ORDER BY k', 'by_name ORDER BY name', 'notes ORDER BY note', 'big ORDER BY id'].map(async (v) => (await db.query(`SELECT * FROM ${v}`, [], { format: 'text' })).rows)));
const quiet = { log: () => {}, checkpointIntervalMs: 0 };

/** Run one phase of the recovery measurement in a child process; returns its JSON line. */
function phase(name: string, dataDir: string): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), `--rows=${rows}`, `--phase=${name}`, dataDir], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`phase ${name} failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').pop()!;
}

async function runPhase(name: string, dataDir: string): Promise<unknown> {
  const ingest = async (dir: string | undefined) => {
    const db = await Database.open({ dataDir: dir, ...quiet });
    await tables(db);
    for (const v of VIEWS) await db.query(v);
    const t0 = performance.now();
    for (let from = 0; from < rows; from += 10_000) db.insert('ev', rowsOf(from, 10_000));
    return { db, ms: Math.round(performance.now() - t0) };
  };
  switch (name) {
    case 'ingest': {
      const memory = await ingest(undefined);
      const views = await viewsText(memory.db);
      await memory.db.close();
      const logged = await ingest(dataDir);
      // as if the process died: no checkpoint at close
      const x = logged.db as unknown as { engine: { wal: unknown }; storage: { close(): void }; checkpointer: { timer: NodeJS.Timeout | null } };
      if (x.checkpointer.timer) clearInterval(x.checkpointer.timer);
      x.engine.wal = null;
      x.storage.close();
      return { memoryMs: memory.ms, loggedMs: logged.ms, views };
    }
    case 'open': {
      const t0 = performance.now();
      const db = await Database.open({ dataDir, ...quiet });
      const ms = Math.round(performance.now() - t0);
      // views fresh: each read once; then the rest of the state, loaded in the background
      const views = await viewsText(db);
      const freshMs = Math.round(performance.now() - t0);
      while (db.engine.circuit.deferred.waiting) await new Promise((r) => setImmediate(r));
      return { ms, freshMs, loadedMs: Math.round(performance.now() - t0), views };
    }
    case 'tail': {
      // a log after the checkpoint, as a crash leaves it: 10,000 rows deleted and inserted
      // again in commits of 1,000 (the views end as they were), then no checkpoint
      const db = await Database.open({ dataDir, ...quiet });
      for (let from = 0; from < 10_000; from += 1_000) {
        await db.query(`DELETE FROM ev WHERE id >= ${from} AND id < ${from + 1_000}`);
        db.insert('ev', rowsOf(from, 1_000));
      }
      const x = db as unknown as { engine: { wal: unknown }; storage: { close(): void } };
      x.engine.wal = null;
      x.storage.close();
      return {};
    }
    case 'checkpoint': {
      const db = await Database.open({ dataDir, ...quiet });
      const t0 = performance.now();
      await db.close();
      return { ms: Math.round(performance.now() - t0) };
    }
    case 'rehydrate': {
      const db = await Database.open();
      const t0 = performance.now();
      await tables(db);
      for (let from = 0; from < rows; from += 100_000) db.insert('ev', rowsOf(from, 100_000));
      const tablesMs = Math.round(performance.now() - t0);
      for (const v of VIEWS) await db.query(v);
      return { tablesMs, ms: Math.round(performance.now() - t0), views: await viewsText(db) };
    }
  }
  throw new Error(`unknown phase ${name}`);
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
  // recovery: each phase in a fresh process, as a restart would be (a long-lived process
  // with other heaps around collects garbage far more slowly)
  const d = dir();
  const replayCopy = dir();
  const ingest = JSON.parse(phase('ingest', d));
  cpSync(d, replayCopy, { recursive: true });
  const replay = JSON.parse(phase('open', replayCopy));
  const checkpoint = JSON.parse(phase('checkpoint', d));
  const withTail = dir();
  cpSync(d, withTail, { recursive: true });
  // the recoveries and rehydration three times each (a fresh copy of the directory each time): medians
  const restores = [0, 1, 2].map(() => {
    const copy = dir();
    cpSync(d, copy, { recursive: true });
    return JSON.parse(phase('open', copy));
  });
  phase('tail', withTail);
  const restoreTails = [0, 1, 2].map(() => {
    const copy = dir();
    cpSync(withTail, copy, { recursive: true });
    return JSON.parse(phase('open', copy));
  });
  const rehydrates = [0, 1, 2].map(() => JSON.parse(phase('rehydrate', dir())));
  for (const r of [replay, ...restores, ...restoreTails, ...rehydrates]) if (r.views !== ingest.views) throw new Error('recovered views differ');
  const median = <T extends Record<string, unknown>>(runs: T[], field: keyof T): number => runs.map((r) => r[field] as number).sort((a, b) => a - b)[1];
  const range = <T extends Record<string, unknown>>(runs: T[], field: keyof T): string => {
    const xs = runs.map((r) => r[field] as number).sort((a, b) => a - b);
    return `${xs[0]}–${xs[2]}`;
  };
  const restore = { ms: median(restores, 'ms'), freshMs: median(restores, 'freshMs'), loadedMs: median(restores, 'loadedMs') };
  const restoreTail = { ms: median(restoreTails, 'ms'), freshMs: median(restoreTails, 'freshMs') };
  const rehydrate = { ms: median(rehydrates, 'ms'), tablesMs: median(rehydrates, 'tablesMs') };
  console.log(`\n${rows} rows under ${VIEWS.length} views, in commits of 10,000 rows (db.insert), each phase in a fresh process:`);
  console.log(`- ingest: in memory ${ingest.memoryMs} ms; with the log ${ingest.loggedMs} ms`);
  console.log(`- recovery replaying the whole log: ${replay.ms} ms`);
  console.log(`- checkpoint (taken and written at close): ${checkpoint.ms} ms`);
  console.log('medians of three runs (range in brackets):');
  console.log(`- recovery from the checkpoint: open ${restore.ms} ms, every view read ${restore.freshMs} ms [${range(restores, 'freshMs')}], the rest of the state loaded in the background ${restore.loadedMs} ms [${range(restores, 'loadedMs')}]`);
  console.log(`- recovery from the checkpoint and a log of 20 commits after it: open (the log replayed) ${restoreTail.ms} ms, every view read ${restoreTail.freshMs} ms [${range(restoreTails, 'freshMs')}]`);
  console.log(`- rehydration (tables loaded ${rehydrate.tablesMs} ms, then the views built): ${rehydrate.ms} ms [${range(rehydrates, 'ms')}]`);
  console.log(`- recovery from the checkpoint is ${(rehydrate.ms / restore.freshMs).toFixed(1)}× faster than rehydration to fresh views (${(rehydrate.ms / restore.loadedMs).toFixed(1)}× to all state loaded; ${(rehydrate.ms / restoreTail.freshMs).toFixed(1)}× with the log after it)`);
  for (const x of dirs) rmSync(x, { recursive: true, force: true });
}

const phaseArg = process.argv.find((a) => a.startsWith('--phase='))?.slice(8);
if (phaseArg) console.log(JSON.stringify(await runPhase(phaseArg, process.argv[process.argv.length - 1])));
else await main();
