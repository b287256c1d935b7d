// pgbench and psql against the machine's PostgreSQL 15, for benchmarks that compare with it
// over the wire (serving.ts, transactions.ts): both servers are driven by the same pgbench.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import { percentile } from './common.js';

export const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';
export const PG_SOCKET = '/var/run/postgresql';
export const PG_DB = 'tributary_bench';
// both servers are reached over loopback TCP (PostgreSQL's Unix socket would skip TCP's cost)
export const PG_ROLE = 'tributary_bench';
export const PG_TCP = ['-h', '127.0.0.1', '-p', '5432', '-U', PG_ROLE, PG_DB];

export function havePostgres(): boolean {
  try {
    execFileSync(PGBENCH, ['--version'], { stdio: 'ignore' });
    execFileSync('psql', ['-h', PG_SOCKET, '-d', 'postgres', '-Atc', 'SELECT 1'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A fresh benchmark database, owned by the password role pgbench connects as over TCP. */
export function freshPostgresDatabase(): void {
  psql('postgres', `DROP DATABASE IF EXISTS ${PG_DB}`, `DROP ROLE IF EXISTS ${PG_ROLE}`, `CREATE ROLE ${PG_ROLE} LOGIN PASSWORD '${PG_ROLE}'`, `CREATE DATABASE ${PG_DB} OWNER ${PG_ROLE}`);
}

/** The first value `sql` returns in the benchmark database, as text. */
export function psqlValue(sql: string): string {
  return execFileSync('psql', ['-h', PG_SOCKET, '-d', PG_DB, '-qAtc', sql]).toString().trim();
}

/** Run statements one by one (each its own transaction). */
export function psql(db: string, ...sqls: string[]): void {
  const args = ['-h', PG_SOCKET, '-d', db, '-v', 'ON_ERROR_STOP=1', '-qAt', ...sqls.flatMap((s) => ['-c', s])];
  execFileSync('psql', args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

export interface Run {
  tps: number;
  p50ms: number | null;
  p99ms: number | null;
  /** Transactions retried after a serialization failure (with --max-tries), and those that still failed. */
  retried: number;
  failed: number;
}

/** One pgbench run; latencies from its per-transaction log when `latency`. */
export function pgbench(target: string[], script: string, clients: number, mode: string, seconds: number, rows: number, latency: boolean, extra: string[] = []): Promise<Run> {
  const dir = mkdtempSync(pathJoin(tmpdir(), 'pgbench-'));
  const file = pathJoin(dir, 'script.sql');
  writeFileSync(file, script);
  const args = [...target, '-n', '-f', file, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds), '-M', mode, '-D', `rows=${rows}`];
  if (latency) args.push('-l', '--log-prefix', pathJoin(dir, 'log'));
  args.push(...extra);
  return new Promise((resolve, reject) => {
    const p = spawn(PGBENCH, args, { cwd: dir, env: { ...process.env, PGPASSWORD: PG_ROLE } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => {
      try {
        const m = /tps = ([\d.]+) \(without initial connection time\)/.exec(out);
        if (code !== 0 || !m) throw new Error(`pgbench failed (${code}): ${out.slice(-800)}`);
        let p50ms: number | null = null;
        let p99ms: number | null = null;
        if (latency) {
          const lat: number[] = [];
          for (const f of readdirSync(dir).filter((f) => f.startsWith('log'))) {
            for (const line of readFileSync(pathJoin(dir, f), 'utf8').split('\n')) {
              const parts = line.split(' ');
              if (parts.length > 2) lat.push(Number(parts[2]) / 1000);
            }
          }
          p50ms = percentile(lat, 50);
          p99ms = percentile(lat, 99);
        }
        const count = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
        resolve({ tps: Number(m[1]), p50ms, p99ms, retried: count(/number of transactions retried: (\d+)/), failed: count(/number of failed transactions: (\d+)/) });
      } catch (e) {
        reject(e);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

