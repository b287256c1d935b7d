// Serving reads over the wire, pgbench against Tributary and the machine's PostgreSQL 15 in
// the same run, with the same scripts: point SELECTs by primary key, a 100-row range by
// primary key, and a lookup by key and a 100-row range in an indexed materialized view.
// pgbench is the client for both (simple, extended and prepared protocol), so the comparison
// includes each server's protocol handling. PostgreSQL runs one backend process per client on
// all cores; Tributary serves every client from one Node thread. The server is the compiled
// build, as `tributary serve` runs it: `npm run build` first.
//
// Needs PostgreSQL 15's pgbench and a running cluster reachable over its Unix socket as the
// current user (.ci/run sets that up); without them only Tributary's figures are given.

import type { Database } from '../src/index.js';
import { builtEngine, fmtInt, fmtNum, type BenchResult, type Row } from './common.js';
import { freshPostgresDatabase, havePostgres, pgbench, psql, PG_DB, PG_ROLE, PG_TCP } from './pgbench.js';

export interface ServingOptions {
  sizes?: number[];
  clients?: number[];
  modes?: ('simple' | 'extended' | 'prepared')[];
  seconds?: number;
  /** Names of the scripts to run (all when absent). */
  scripts?: string[];
}

interface Script {
  name: string;
  text: (rows: number) => string;
}

const SCRIPTS: Script[] = [
  { name: 'point', text: () => '\\set aid random(1, :rows)\nSELECT abalance FROM pk WHERE aid = :aid;\n' },
  { name: 'range 100', text: () => '\\set aid random(1, :rows - 99)\nSELECT aid, abalance FROM pk WHERE aid BETWEEN :aid AND :aid + 99;\n' },
  { name: 'view point', text: () => '\\set k random(0, 9999)\nSELECT c, s FROM mv WHERE k = :k;\n' },
  { name: 'view range 100', text: () => '\\set k random(0, 9900)\nSELECT k, c, s FROM mv WHERE k BETWEEN :k AND :k + 99;\n' },
];

const SETUP_VIEW = ['CREATE MATERIALIZED VIEW mv AS SELECT aid % 10000 AS k, count(*) AS c, sum(abalance) AS s FROM pk GROUP BY aid % 10000', 'CREATE INDEX mv_k ON mv (k)'];

function setupPostgres(rows: number): void {
  freshPostgresDatabase();
  psql(PG_DB, `SET ROLE ${PG_ROLE}; CREATE TABLE pk (aid int PRIMARY KEY, abalance int NOT NULL, filler text); INSERT INTO pk SELECT g, g % 1000, 'x' FROM generate_series(1, ${rows}) g`);
  psql(PG_DB, [`SET ROLE ${PG_ROLE}`, ...SETUP_VIEW].join('; '));
  psql(PG_DB, 'VACUUM ANALYZE pk', 'VACUUM ANALYZE mv');
}

async function setupTributary(rows: number): Promise<{ db: Database; port: number; close: () => Promise<void> }> {
  const { Database } = await builtEngine();
  const db: Database = await Database.open();
  await db.query('CREATE TABLE pk (aid int PRIMARY KEY, abalance int NOT NULL, filler text)');
  const chunk = 100_000;
  for (let from = 1; from <= rows; from += chunk) {
    const batch: unknown[][] = [];
    for (let i = from; i < Math.min(rows + 1, from + chunk); i++) batch.push([i, i % 1000, 'x']);
    await db.insert('pk', batch);
  }
  for (const s of SETUP_VIEW) await db.query(s);
  const server = await db.listen({ port: 0 });
  return { db, port: server.port, close: async () => { await server.close(); await db.close(); } };
}

export async function serving(opts: ServingOptions = {}): Promise<BenchResult> {
  const sizes = opts.sizes ?? [100_000, 10_000_000];
  const clients = opts.clients ?? [1, 8, 64];
  const modes = opts.modes ?? ['simple', 'prepared'];
  const seconds = opts.seconds ?? 5;
  const pg = havePostgres();
  const rows: Row[] = [];
  const notes: string[] = [];
  if (!pg) notes.push('PostgreSQL 15 or pgbench not reachable: Tributary only.');
  const heapAfterLoadMiB: Record<string, number> = {};
  const raw: Record<string, unknown> = { heapAfterLoadMiB };
  for (const size of sizes) {
    const t0 = performance.now();
    const trib = await setupTributary(size);
    const loadS = (performance.now() - t0) / 1000;
    if (pg) setupPostgres(size);
    heapAfterLoadMiB[size] = process.memoryUsage().heapUsed / 2 ** 20;
    notes.push(`${fmtInt(size)} rows: Tributary loaded in ${fmtNum(loadS, 1)} s, heap ${fmtInt(heapAfterLoadMiB[size])} MiB after load`);
    for (const script of SCRIPTS.filter((s) => !opts.scripts || opts.scripts.includes(s.name))) {
      for (const mode of modes) {
        for (const c of clients) {
          const ours = await pgbench(['-h', '127.0.0.1', '-p', String(trib.port), '-U', 'bench', 'bench'], script.text(size), c, mode, seconds, size, c === 1);
          const theirs = pg ? await pgbench(PG_TCP, script.text(size), c, mode, seconds, size, c === 1) : null;
          const row: Row = {
            rows: fmtInt(size),
            query: script.name,
            mode,
            clients: c,
            'Tributary TPS': fmtInt(ours.tps),
            'PostgreSQL TPS': theirs ? fmtInt(theirs.tps) : '-',
            ratio: theirs ? fmtNum(ours.tps / theirs.tps) : '-',
            'p99 ms (1 client)': ours.p99ms === null ? '' : `${fmtNum(ours.p99ms, 3)} / ${theirs?.p99ms === null || !theirs ? '-' : fmtNum(theirs.p99ms, 3)}`,
          };
          rows.push(row);
          raw[`${size} ${script.name} ${mode} ${c}`] = { ours, theirs };
          console.log(JSON.stringify(row));
        }
      }
    }
    await trib.close();
  }
  return {
    name: 'serving',
    title: 'Serving reads over the wire (pgbench, Tributary vs PostgreSQL 15, same machine and scripts)',
    columns: ['rows', 'query', 'mode', 'clients', 'Tributary TPS', 'PostgreSQL TPS', 'ratio', 'p99 ms (1 client)'],
    rows,
    notes,
    correct: true,
    raw,
  };
}
