// COPY FROM STDIN over the wire: the same text file (int, text, numeric, timestamp rows) sent
// by psql (`\copy t FROM 'file'`, which streams it as COPY t FROM STDIN) to Tributary, into a
// table with a maintained GROUP BY view, and to the machine's PostgreSQL 15, into a plain
// table, in the same run. The time is psql's whole run (connecting included); Tributary is the
// compiled build, serving from this process. Afterwards the view is checked against totals
// computed here.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { builtEngine, fmtInt, fmtNum, type BenchResult, type Row } from './common.js';
import { freshPostgresDatabase, havePostgres, PG_DB, PG_ROLE } from './pgbench.js';

export interface CopyOptions {
  rows?: number;
  runs?: number;
}

const TABLE = 'CREATE TABLE t (k int, s text, x numeric, ts timestamp)';
const VIEW = 'CREATE MATERIALIZED VIEW v AS SELECT s, count(*) AS n, sum(x) AS sx FROM t GROUP BY s';
const GROUPS = 100;

function file(rows: number): { chunks: Buffer[]; bytes: number; sumCents: bigint } {
  const chunks: Buffer[] = [];
  let part: string[] = [];
  let size = 0;
  let bytes = 0;
  let sumCents = 0n;
  for (let i = 0; i < rows; i++) {
    const cents = (i * 7919) % 100_000;
    sumCents += BigInt(cents);
    const line = `${i}\tgroup ${i % GROUPS}\t${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}\t2024-05-01 ${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}\n`;
    part.push(line);
    size += line.length;
    if (size >= 65536) {
      chunks.push(Buffer.from(part.join('')));
      bytes += size;
      part = [];
      size = 0;
    }
  }
  if (part.length) chunks.push(Buffer.from(part.join('')));
  bytes += size;
  return { chunks, bytes, sumCents };
}

/** psql's wall time to \copy the file into t at host:port (it runs beside this process's server). */
function copyInto(port: number, user: string, db: string, path: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', db, '-v', 'ON_ERROR_STOP=1', '-qc', `\\copy t FROM '${path}'`], {
    env: { ...process.env, PGPASSWORD: user },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`psql \\copy exited with ${code}`))));
  });
}

export async function copy(opts: CopyOptions = {}): Promise<BenchResult> {
  const rows = opts.rows ?? 500_000;
  const runs = opts.runs ?? 3;
  const { chunks, bytes, sumCents } = file(rows);
  const dir = mkdtempSync(join(tmpdir(), 'tributary-copy-'));
  const path = join(dir, 'rows.txt');
  writeFileSync(path, Buffer.concat(chunks));
  const { Database } = await builtEngine();
  const results: Row[] = [];
  const raw: Record<string, unknown> = { rows, bytes };
  let correct = true;
  const ours: number[] = [];
  for (let r = 0; r < runs; r++) {
    const db = await Database.open();
    const server = await db.listen({ port: 0 });
    const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'tributary', database: 'tributary' });
    try {
      await client.connect();
      await client.query(TABLE);
      await client.query(VIEW);
      ours.push(await copyInto(server.port, 'tributary', 'tributary', path));
      const { rows: check } = await client.query('SELECT sum(n)::text AS n, sum(sx)::text AS sx, count(*)::int AS g FROM v');
      const want = `${sumCents / 100n}.${String(sumCents % 100n).padStart(2, '0')}`;
      if (check[0].n !== String(rows) || check[0].sx !== want || check[0].g !== GROUPS) correct = false;
    } finally {
      await client.end();
      await server.close();
      await db.close();
    }
  }
  const best = Math.min(...ours);
  results.push({ system: 'Tributary: table + GROUP BY view', 'seconds (best)': fmtNum(best, 3), 'rows/s': fmtInt(rows / best), 'MB/s': fmtNum(bytes / best / 1e6, 1), 'PostgreSQL time ÷ ours': '' });
  raw.tributarySeconds = ours;
  const notes = [`${fmtInt(rows)} rows (${fmtNum(bytes / 1e6, 1)} MB of text), ${GROUPS} groups in the view; best of ${runs} runs each, a fresh server and table per run.`];
  if (havePostgres()) {
    freshPostgresDatabase();
    const theirs: number[] = [];
    for (let r = 0; r < runs; r++) {
      const client = new pg.Client({ host: '127.0.0.1', port: 5432, user: PG_ROLE, password: PG_ROLE, database: PG_DB });
      try {
        await client.connect();
        await client.query('DROP TABLE IF EXISTS t');
        await client.query(TABLE);
        theirs.push(await copyInto(5432, PG_ROLE, PG_DB, path));
      } finally {
        await client.end();
      }
    }
    const pgBest = Math.min(...theirs);
    raw.postgresSeconds = theirs;
    results.push({ system: 'PostgreSQL 15: plain table', 'seconds (best)': fmtNum(pgBest, 3), 'rows/s': fmtInt(rows / pgBest), 'MB/s': fmtNum(bytes / pgBest / 1e6, 1), 'PostgreSQL time ÷ ours': '' });
    results[0]['PostgreSQL time ÷ ours'] = fmtNum(pgBest / best);
  } else notes.push('PostgreSQL 15 not reachable: Tributary only.');
  rmSync(dir, { recursive: true, force: true });
  return {
    name: 'copy',
    title: 'COPY FROM STDIN: Tributary (table with a maintained view) against PostgreSQL 15 (plain table)',
    columns: ['system', 'seconds (best)', 'rows/s', 'MB/s', 'PostgreSQL time ÷ ours'],
    rows: results,
    notes,
    correct,
    raw,
  };
}
