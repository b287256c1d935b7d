// Runs plain .sql scripts statement by statement on an embedded Tributary and on a real
// PostgreSQL, and prints every statement whose outcome differs (rows as sorted text, or the
// SQLSTATE), plus the final contents of every table and materialized view. Materialized
// views are refreshed on the PostgreSQL side before each statement, so they stand in for an
// always-current incremental engine: a write (or COMMIT) that makes a refresh fail is rolled
// back and reported with the refresh's error, as Tributary rejects a write that a view's query
// cannot be computed on. For checking repro scripts such as ../shared/repros/.
//
//   npx tsx sql-tests/tools/compare-sql.ts FILE.sql …      (exit code 1 when anything differs)
//
// Connection as pg-oracle.ts (PGHOST, PGDATABASE, …; default database slt_oracle). Statements
// are split on `;` at the end of a line.

import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { connectOracle } from './pg-client.js';
import { Database } from '../../src/index.js';

interface Outcome {
  error?: string;
  rows?: string[];
}

async function main(argv: string[]): Promise<number> {
  const files = argv.filter((a) => !a.startsWith('--'));
  const client = await connectOracle();
  let differing = 0;
  for (const file of files) {
    const diffs = await compareFile(client, file);
    if (diffs.length === 0) console.log(`${file}: agrees`);
    else {
      differing++;
      console.log(`${file}: ${diffs.length} difference(s)`);
      for (const d of diffs) console.log('  ' + d.replace(/\n/g, '\n  '));
    }
  }
  await client.end();
  return differing === 0 ? 0 : 1;
}

function statements(text: string): string[] {
  return text
    .split(/;\s*\n/)
    .map((s) => s.replace(/--[^\n]*/g, '').trim().replace(/;$/, ''))
    .filter((s) => s.length > 0);
}

async function compareFile(client: pg.Client, file: string): Promise<string[]> {
  await client.query("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1");
  const db = await Database.open();
  const diffs: string[] = [];
  const matviews: string[] = [];
  const ours = async (sql: string): Promise<Outcome> => {
    try {
      const r = await db.query(sql, [], { rowMode: 'array', format: 'text' });
      return { rows: sorted(r.rows as unknown as unknown[][]) };
    } catch (e: any) {
      return { error: `${e.code}: ${e.message}` };
    }
  };
  let inBlock = false;
  const refreshAll = async () => {
    for (const v of matviews) await client.query(`REFRESH MATERIALIZED VIEW ${v}`);
  };
  const theirs = async (sql: string): Promise<Outcome> => {
    const write = /^\s*(insert|update|delete|truncate|copy)\b/i.test(sql);
    const commit = /^\s*(commit|end)\b(?!.*\bchain\b)/i.test(sql);
    const begin = /^\s*(begin|start)\b/i.test(sql);
    const rollback = /^\s*(rollback|abort)\b(?!\s+to\b)(?!.*\bchain\b)/i.test(sql);
    if (matviews.length > 0 && ((write && !inBlock) || (commit && inBlock))) {
      // maintained views: the write commits only if every view can be recomputed after it
      try {
        if (!inBlock) await client.query('BEGIN');
        if (write) await client.query(sql);
        await refreshAll();
        await client.query('COMMIT');
        inBlock = false;
        return { rows: [] };
      } catch (e: any) {
        await client.query('ROLLBACK');
        inBlock = false;
        return { error: `${e.code}: ${e.message}` };
      }
    }
    if (begin) inBlock = true;
    if (commit || rollback) inBlock = false;
    try {
      // a refresh would fail, and abort the block, in a read-only (or already aborted) transaction
      // (SHOW, unlike a SELECT, does not count as the transaction's first query)
      const canWrite = await client.query('SHOW transaction_read_only').then((r) => r.rows[0].transaction_read_only === 'off', () => false);
      if (canWrite) for (const v of matviews) await client.query(`REFRESH MATERIALIZED VIEW ${v}`).catch(() => undefined);
      const r = await client.query({ text: sql, rowMode: 'array' });
      const last = Array.isArray(r) ? r[r.length - 1] : r;
      return { rows: sorted((last.rows ?? []) as unknown[][]) };
    } catch (e: any) {
      return { error: `${e.code}: ${e.message}` };
    }
  };
  const compare = (label: string, a: Outcome, b: Outcome) => {
    const code = (o: Outcome) => o.error?.slice(0, 5);
    if (a.error || b.error) {
      if (code(a) !== code(b)) diffs.push(`${label}\n  tributary:  ${a.error ?? 'ok ' + JSON.stringify(a.rows)}\n  postgresql: ${b.error ?? 'ok ' + JSON.stringify(b.rows)}`);
      return;
    }
    if (JSON.stringify(a.rows) !== JSON.stringify(b.rows)) diffs.push(`${label}\n  tributary:  ${JSON.stringify(a.rows)}\n  postgresql: ${JSON.stringify(b.rows)}`);
  };
  for (const sql of statements(readFileSync(file, 'utf8'))) {
    const a = await ours(sql);
    const b = await theirs(sql);
    compare(sql, a, b);
    const mv = /create\s+materialized\s+view\s+(\w+)/i.exec(sql);
    if (mv && !b.error) matviews.push(mv[1]);
  }
  // Final state of every relation PostgreSQL has.
  const rels = await client.query<[string]>({
    text: "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm') ORDER BY 1",
    rowMode: 'array',
  });
  for (const [name] of rels.rows) compare(`final contents of ${name}`, await ours(`SELECT * FROM ${name}`), await theirs(`SELECT * FROM ${name}`));
  await db.close();
  return diffs;
}

function sorted(rows: unknown[][]): string[] {
  return rows.map((r) => JSON.stringify(r.map((v) => (v === null || v === undefined ? null : String(v))))).sort();
}

main(process.argv.slice(2)).then((code) => process.exit(code));
