// Transfers between accounts at each isolation level, pgbench against Tributary and the
// machine's PostgreSQL 15 in the same run with the same script: BEGIN ISOLATION LEVEL …,
// two UPDATEs by key, END. pgbench retries serialization failures (--max-tries), so the
// figures are committed transfers per second, with how many were retried. With 100,000
// accounts transfers rarely touch the same rows; with 10 they collide all the time
// (PostgreSQL's READ COMMITTED then waits on row locks, Tributary never waits: the loser
// fails with 40001 and is retried). Afterwards the total balance must be unchanged on both.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '../src/index.js';
import { builtEngine, fmtInt, fmtNum, type BenchResult, type Row } from './common.js';
import { freshPostgresDatabase, havePostgres, pgbench, psql, psqlValue, PG_DB, PG_ROLE, PG_TCP } from './pgbench.js';

export interface TransactionsOptions {
  accounts?: number[];
  clients?: number[];
  levels?: string[];
  seconds?: number;
  /** Tributary on a data directory, committing to disk as PostgreSQL does (synchronous_commit on). */
  durable?: boolean;
}

const START = 1000;

const script = (level: string) =>
  [
    '\\set a random(1, :rows)',
    '\\set b random(1, :rows)',
    // rows in key order, so PostgreSQL's row locks never deadlock; the sign says who pays
    '\\set lo least(:a, :b)',
    '\\set hi greatest(:a, :b)',
    '\\set d random(-100, 100)',
    `BEGIN ISOLATION LEVEL ${level.toUpperCase()};`,
    'UPDATE acc SET bal = bal - :d WHERE id = :lo;',
    'UPDATE acc SET bal = bal + :d WHERE id = :hi;',
    'END;',
    '',
  ].join('\n');

export async function transactions(opts: TransactionsOptions = {}): Promise<BenchResult> {
  const accountsList = opts.accounts ?? [100_000, 10];
  const clients = opts.clients ?? [1, 8];
  const levels = opts.levels ?? ['read committed', 'repeatable read', 'serializable'];
  const seconds = opts.seconds ?? 5;
  const pg = havePostgres();
  const rows: Row[] = [];
  const notes: string[] = [];
  if (!pg) notes.push('PostgreSQL 15 or pgbench not reachable: Tributary only.');
  let correct = true;
  for (const accounts of accountsList) {
    const dataDir = opts.durable ? mkdtempSync(join(tmpdir(), 'tributary-bench-')) : undefined;
    const { Database } = await builtEngine();
    const db: Database = await Database.open(dataDir ? { dataDir, log: () => {} } : {});
    await db.query('CREATE TABLE acc (id int PRIMARY KEY, bal int NOT NULL)');
    await db.query(`INSERT INTO acc SELECT g, ${START} FROM generate_series(1, ${accounts}) g`);
    await db.query('CREATE MATERIALIZED VIEW total AS SELECT sum(bal) AS s FROM acc');
    const server = await db.listen({ port: 0 });
    if (pg) {
      freshPostgresDatabase();
      psql(PG_DB, `SET ROLE ${PG_ROLE}; CREATE TABLE acc (id int PRIMARY KEY, bal int NOT NULL); INSERT INTO acc SELECT g, ${START} FROM generate_series(1, ${accounts}) g`);
      psql(PG_DB, 'VACUUM ANALYZE acc');
    }
    for (const level of levels) {
      for (const c of clients) {
        const retry = ['--max-tries', '1000'];
        const ours = await pgbench(['-h', '127.0.0.1', '-p', String(server.port), '-U', 'bench', 'bench'], script(level), c, 'prepared', seconds, accounts, false, retry);
        const theirs = pg ? await pgbench(PG_TCP, script(level), c, 'prepared', seconds, accounts, false, retry) : null;
        const row: Row = {
          accounts: fmtInt(accounts),
          level,
          clients: c,
          'Tributary TPS': fmtInt(ours.tps),
          'PostgreSQL TPS': theirs ? fmtInt(theirs.tps) : '-',
          ratio: theirs ? fmtNum(ours.tps / theirs.tps) : '-',
          'retried (T / PG)': `${fmtInt(ours.retried)} / ${theirs ? fmtInt(theirs.retried) : '-'}`,
          'failed (T / PG)': `${ours.failed} / ${theirs ? theirs.failed : '-'}`,
        };
        rows.push(row);
        console.log(JSON.stringify(row));
      }
    }
    // money is neither created nor lost, in the table and in the maintained view
    const total = BigInt(accounts * START);
    const ourTable = (await db.query('SELECT sum(bal) AS s FROM acc')).rows[0].s;
    const ourView = (await db.query('SELECT s FROM total')).rows[0].s;
    if (ourTable !== total || ourView !== total || (pg && BigInt(psqlValue('SELECT sum(bal) FROM acc')) !== total)) {
      correct = false;
      notes.push(`${fmtInt(accounts)} accounts: totals differ (table ${ourTable}, view ${ourView}, expected ${total})`);
    }
    await server.close();
    await db.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  notes.push('Totals checked after each size: unchanged in Tributary\'s table and view, and in PostgreSQL.');
  if (opts.durable) notes.push('Tributary on a data directory: each commit is synced to its write-ahead log before it is acknowledged, as PostgreSQL\'s are.');
  return {
    name: opts.durable ? 'transactions-durable' : 'transactions',
    title: `Transfers at each isolation level (pgbench with retries, Tributary${opts.durable ? ' on a data directory' : ''} vs PostgreSQL 15)`,
    columns: ['accounts', 'level', 'clients', 'Tributary TPS', 'PostgreSQL TPS', 'ratio', 'retried (T / PG)', 'failed (T / PG)'],
    rows,
    notes,
    correct,
    raw: {},
  };
}
