// What a failed commit costs (issue 17): a transaction that fails while a view is maintained
// must cost what the transaction did, not what the views hold.
//
//   CREATE TABLE big (k int PRIMARY KEY, g int);           -- --rows rows, g = k % 1000
//   CREATE TABLE dim (g int PRIMARY KEY, name text);       -- 1,000 rows
//   CREATE MATERIALIZED VIEW j AS SELECT big.k, dim.name FROM big JOIN dim ON big.g = dim.g;
//   CREATE MATERIALIZED VIEW per_g AS SELECT g, count(*), sum(k) FROM big GROUP BY g;
//   CREATE MATERIALIZED VIEW poison AS SELECT k, 1 / (g + 1) FROM big;   -- created last
//
// A failing commit inserts one row with g = -1: every view's operators run, then `poison`
// divides by zero and the commit is undone. Timed: that failing INSERT and, for reference, a
// succeeding one-row INSERT, each through the SQL path, median and max of --commits.
//
//   npx tsx benchmarks/failed_commit.ts --rows 1000000 --commits 20
import { Database } from '../src/index.js';
import { assert, fmtInt, fmtNum, median, now, numberFlag } from './common.js';

const rows = numberFlag('rows', 1_000_000);
const commits = numberFlag('commits', 20);

const db = await Database.open();
await db.query('CREATE TABLE big (k int PRIMARY KEY, g int)');
await db.query('CREATE TABLE dim (g int PRIMARY KEY, name text)');
await db.query("INSERT INTO dim SELECT g, 'name ' || g FROM generate_series(0, 999) g");
for (let from = 0; from < rows; from += 100_000) {
  const batch: number[][] = [];
  for (let k = from; k < Math.min(rows, from + 100_000); k++) batch.push([k, k % 1000]);
  db.insert('big', batch);
}
let t = now();
await db.query('CREATE MATERIALIZED VIEW j AS SELECT big.k, dim.name FROM big JOIN dim ON big.g = dim.g');
await db.query('CREATE MATERIALIZED VIEW per_g AS SELECT g, count(*) AS n, sum(k) AS s FROM big GROUP BY g');
await db.query('CREATE MATERIALIZED VIEW poison AS SELECT k, 1 / (g + 1) AS q FROM big');
const build = now() - t;

const failed: number[] = [];
const ok: number[] = [];
for (let i = 0; i < commits; i++) {
  t = now();
  let error = '';
  try {
    await db.query(`INSERT INTO big VALUES (${rows + 2 * i}, -1)`);
  } catch (e) {
    error = (e as Error).message;
  }
  failed.push(now() - t);
  assert(error === 'division by zero', `the poisoned commit failed: ${error}`);
  t = now();
  await db.query(`INSERT INTO big VALUES (${rows + 2 * i + 1}, ${i % 1000})`);
  ok.push(now() - t);
}
const { rows: check } = await db.query('SELECT count(*)::int AS n FROM j');
assert(check[0].n === rows + commits, 'the join view holds exactly the committed rows');
await db.close();

console.log(`## A failed commit with ${fmtInt(rows)} rows in a join view, an aggregate and a third view\n`);
console.log(`Building the three views: ${fmtNum(build / 1000)} s\n`);
console.log('| commit | count | median ms | max ms |');
console.log('| --- | --- | --- | --- |');
console.log(`| INSERT of one row that fails in \`poison\` (undone) | ${commits} | ${fmtNum(median(failed), 3)} | ${fmtNum(Math.max(...failed), 3)} |`);
console.log(`| INSERT of one row that commits | ${commits} | ${fmtNum(median(ok), 3)} | ${fmtNum(Math.max(...ok), 3)} |`);
