// Runs sql-tests/*.slt files against a real PostgreSQL (the oracle) and fills in or checks
// every expected result.
//
//   npx tsx sql-tests/tools/pg-oracle.ts --fill  sql-tests/joins.slt …   rewrite expected blocks
//   npx tsx sql-tests/tools/pg-oracle.ts --check sql-tests/*.slt         report differences only
//
// Connection: the usual libpq environment variables (PGHOST, PGPORT, PGUSER, PGDATABASE,
// PGPASSWORD); defaults to the Unix socket in /var/run/postgresql and database slt_oracle.
// Each file starts from an empty `public` schema (DROP SCHEMA public CASCADE).
//
// Records marked `onlyif tributary` (refusals of constructs PostgreSQL accepts) are not run;
// `skipif tributary` records (known engine bugs) are. Materialized views are not maintained
// by PostgreSQL, so before every query each materialized view that exists is refreshed, in
// creation order: PostgreSQL then stands in for an always-current incremental engine.
// With --fill, the type letters of each `query` header are also rewritten from the result's
// column types (I integer types, R numeric/real/double, B boolean, T everything else), and
// `statement count N` records get PostgreSQL's row count.

import { readFileSync, writeFileSync } from 'node:fs';
import type pg from 'pg';
import { connectOracle } from './pg-client.js';
import { applies, errorMatches, normalizeExpected, parseSlt, resultLines, typeLetter, type SltRecord } from './slt-file.js';

const ENGINE = 'postgresql';

async function main(argv: string[]): Promise<number> {
  const fill = argv.includes('--fill');
  const files = argv.filter((a) => !a.startsWith('--'));
  if (files.length === 0) {
    console.error('usage: pg-oracle.ts [--fill|--check] FILE.slt …');
    return 2;
  }
  const client = await connectOracle();
  let failures = 0;
  for (const file of files) failures += await runFile(client, file, fill);
  await client.end();
  console.log(failures === 0 ? 'oracle: all records agree with PostgreSQL' : `oracle: ${failures} record(s) disagree`);
  return failures === 0 ? 0 : 1;
}

async function runFile(client: pg.Client, file: string, fill: boolean): Promise<number> {
  const text = readFileSync(file, 'utf8');
  const f = parseSlt(text);
  await client.query('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public; SET TimeZone = \'UTC\'; SET DateStyle = \'ISO, MDY\'; SET IntervalStyle = \'postgres\'; SET extra_float_digits = 1');
  const matviews: string[] = [];
  let failures = 0;
  // Replacement lines per record (fill mode), applied from the end.
  const edits: { start: number; end: number; lines: string[] }[] = [];
  const fail = (r: SltRecord, msg: string) => {
    failures++;
    console.log(`${file}:${r.line}: ${msg}\n    ${r.sql.replace(/\n/g, '\n    ')}`);
  };
  for (const r of f.records) {
    if (!applies(r, ENGINE)) continue;
    if (r.kind === 'query') await refresh(client, matviews);
    let res: pg.QueryResult | pg.QueryResult[] | undefined;
    let err: (Error & { code?: string }) | undefined;
    try {
      res = await client.query({ text: r.sql, rowMode: 'array' });
    } catch (e) {
      err = e as Error & { code?: string };
    }
    for (const m of r.sql.matchAll(/create\s+materialized\s+view\s+(?:if\s+not\s+exists\s+)?("?[\w.]+"?)/gi)) {
      if (!err) matviews.push(m[1]);
    }
    const last = Array.isArray(res) ? res[res.length - 1] : res;
    if (r.expect === 'error') {
      if (!err) fail(r, `expected an error matching /${r.errorRegex}/, PostgreSQL succeeded`);
      else if (r.errorRegex && !errorMatches(err, r.errorRegex)) fail(r, `error /${r.errorRegex}/ does not match PostgreSQL's: ${err.message} (${err.code})`);
      continue;
    }
    if (err) {
      fail(r, `PostgreSQL failed: ${err.message} (${err.code})`);
      continue;
    }
    if (r.expect === 'count') {
      if (fill && last!.rowCount !== r.count) {
        const header = f.lines[r.headerIdx].replace(/\d+\s*$/, String(last!.rowCount));
        edits.push({ start: r.headerIdx, end: r.headerIdx + 1, lines: [header] });
      } else if (last!.rowCount !== r.count) fail(r, `expected count ${r.count}, PostgreSQL: ${last!.rowCount}`);
      continue;
    }
    if (r.expect === 'ok') continue;
    const rows = (last!.rows as unknown[][]).map((row) => row.map((v) => (v === null ? null : String(v))));
    const actual = resultLines(rows, r.sort!);
    const types = last!.fields.map((fd) => typeLetter(fd.dataTypeID)).join('');
    if (fill) {
      const header = f.lines[r.headerIdx].replace(/^(\s*query\s+)\S+/, `$1${types}`);
      const sqlLines = f.lines.slice(r.headerIdx + 1, r.headerIdx + 1 + r.sql.split('\n').length);
      edits.push({ start: r.headerIdx, end: r.end, lines: [header, ...sqlLines, '----', ...actual] });
      continue;
    }
    const expected = normalizeExpected(r.expected, r.sort!);
    if (types !== r.types) fail(r, `type letters ${r.types}, PostgreSQL's columns: ${types}`);
    if (JSON.stringify(expected) !== JSON.stringify(actual)) {
      fail(r, `expected:\n      ${expected.join('\n      ')}\n    PostgreSQL:\n      ${actual.join('\n      ')}`);
    }
  }
  if (fill && edits.length > 0) {
    const lines = [...f.lines];
    for (const e of edits.reverse()) lines.splice(e.start, e.end - e.start, ...e.lines);
    const out = lines.join('\n');
    if (out !== text) {
      writeFileSync(file, out);
      console.log(`${file}: expected results written`);
    }
  }
  return failures;
}

async function refresh(client: pg.Client, matviews: string[]): Promise<void> {
  if (matviews.length === 0) return;
  // a read-only (or aborted) transaction cannot refresh: its views cannot have changed in it
  // (SHOW, unlike a SELECT, does not count as the transaction's first query)
  const ro = await client.query('SHOW transaction_read_only').then((r) => r.rows[0].transaction_read_only === 'on', () => true);
  if (ro) return;
  const { rows } = await client.query<{ n: string }>("SELECT matviewname AS n FROM pg_matviews WHERE schemaname = 'public'");
  const live = new Set(rows.map((x) => x.n));
  for (const mv of matviews) {
    const name = mv.replace(/"/g, '').toLowerCase();
    if (live.has(name)) await client.query(`REFRESH MATERIALIZED VIEW ${mv}`);
  }
}

main(process.argv.slice(2)).then((c) => process.exit(c), (e) => {
  console.error(e);
  process.exit(2);
});
