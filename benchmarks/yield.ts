// Benchmark: does one long statement stall the others? (issue 16)
//
//   npx tsx benchmarks/yield.ts [--rows 10000000]
//
// The server runs in a child process (so the clients' own work does not share its event loop)
// with a table `big (k int, v int)` of --rows rows, loaded over the wire with INSERT … SELECT
// FROM generate_series. For each long statement, client A runs it while client B sends
// `SELECT 1` in a loop (a new one 5 ms after each answer); we report how long the statement
// took and B's latencies (median, p99, max). Then A runs it again and is cancelled (node-
// postgres's cancel, i.e. a CancelRequest on a new connection) after 1 s: the time from the
// request to A's 57014 error. Finally a large result is read: time to the first row and to the
// last. Prints one Markdown table.

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { fmtInt, fmtNum, markdownTable, median, percentile, type Row, numberFlag } from './common.js';

const flag = numberFlag;

if (process.argv.includes('--server')) {
  // the child: an empty database served on a free port; the port goes to the parent
  const { Database } = await import('../src/index.js');
  const db = await Database.open();
  const server = await db.listen({ port: 0 });
  process.send!({ port: server.port });
  process.on('disconnect', () => process.exit(0)); // the parent is gone
} else {
  await main(flag('--rows', 10_000_000));
}

async function main(rows: number): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--server'], { execArgv: ['--import', 'tsx', '--max-old-space-size=12000'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  const connect = async () => {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'bench' });
    c.on('error', () => {});
    await c.connect();
    return c;
  };
  const [a, b] = [await connect(), await connect()];
  let t = performance.now();
  await a.query('CREATE TABLE big (k int, v int)');
  await a.query(`INSERT INTO big SELECT g, ((g::int8 * 7919) % ${rows})::int FROM generate_series(1, ${rows}) g`);
  console.log(`loaded ${fmtInt(rows)} rows in ${fmtNum((performance.now() - t) / 1000, 1)} s`);
  // a table whose commits maintain a join view and an aggregate (the commit runs in slices)
  await a.query('CREATE TABLE ins (k int, g int)');
  await a.query('CREATE MATERIALIZED VIEW ins_j AS SELECT ins.k, big.v FROM ins JOIN big ON ins.k = big.k');
  await a.query('CREATE MATERIALIZED VIEW ins_g AS SELECT g, count(*) AS n, sum(k) AS s FROM ins GROUP BY g');

  const statements: [string, string][] = [
    [`full sort of ${fmtInt(rows)} rows (OFFSET ${fmtInt(rows - 1)})`, `SELECT k, v FROM big ORDER BY v DESC, k OFFSET ${rows - 1}`],
    [`ORDER BY … LIMIT 1 over ${fmtInt(rows)} rows (bounded sort)`, 'SELECT k, v FROM big ORDER BY v DESC, k LIMIT 1'],
    [`row_number() over ${fmtInt(rows)} rows`, 'SELECT max(r) FROM (SELECT row_number() OVER (ORDER BY v) AS r FROM big) s'],
    ['count(*) of generate_series(1, 10^8)', 'SELECT count(*) FROM generate_series(1, 100000000)'],
    [`GROUP BY into ${fmtInt(rows / 10)} groups`, `SELECT count(*) FROM (SELECT k % ${rows / 10} AS g, count(*) FROM big GROUP BY 1) s`],
    [`UPDATE of ${fmtInt(rows / 10)} rows`, `UPDATE big SET v = v + 1 WHERE k <= ${rows / 10}`],
    [`INSERT of ${fmtInt(rows / 2)} rows under a join view and an aggregate`, `INSERT INTO ins SELECT g, g % 1000 FROM generate_series(1, ${rows / 2}) g`],
  ];
  const table: Row[] = [];
  for (const [label, sql] of statements) {
    const probe = await probeWhile(a, b, sql);
    const cancel = await cancelAfter(a, sql, 1000, port);
    table.push({
      statement: label,
      'statement time (s)': fmtNum(probe.seconds, 1),
      'SELECT 1 answered': fmtInt(probe.latencies.length),
      'SELECT 1 median (ms)': fmtNum(median(probe.latencies), 1),
      'SELECT 1 p99 (ms)': fmtNum(percentile(probe.latencies, 99), 1),
      'SELECT 1 max (ms)': fmtNum(Math.max(...probe.latencies), 1),
      'cancel → 57014 (ms)': cancel === null ? 'finished first' : fmtNum(cancel, 1),
    });
    console.log(JSON.stringify(table[table.length - 1]));
  }

  // a large result, read as it comes (pg's row event would need a cursor; time the whole read)
  t = performance.now();
  let first = 0;
  let count = 0;
  await new Promise<void>((resolve, reject) => {
    const q = a.query(new pg.Query({ text: 'SELECT k, v FROM big' }));
    q.on('row', () => {
      if (count++ === 0) first = performance.now() - t;
    });
    q.on('end', () => resolve());
    q.on('error', reject);
  });
  const all = performance.now() - t;
  console.log(`\n${markdownTable(Object.keys(table[0]), table)}\n`);
  console.log(`SELECT k, v FROM big: ${fmtInt(count)} rows; first row after ${fmtNum(first, 1)} ms, last after ${fmtNum(all / 1000, 1)} s`);
  await a.end();
  await b.end();
  child.kill();
}

/** Run `sql` on `a` while `b` sends SELECT 1 in a loop. */
async function probeWhile(a: pg.Client, b: pg.Client, sql: string): Promise<{ seconds: number; latencies: number[] }> {
  const t = performance.now();
  let done = false;
  const running = a.query(sql).finally(() => (done = true));
  const latencies: number[] = [];
  while (!done) {
    const s = performance.now();
    await b.query('SELECT 1');
    latencies.push(performance.now() - s);
    await new Promise((r) => setTimeout(r, 5));
  }
  await running;
  return { seconds: (performance.now() - t) / 1000, latencies };
}

/** Start `sql` on `a`, cancel it after `ms`; the time from the cancel to the error, or null. */
async function cancelAfter(a: pg.Client, sql: string, ms: number, port: number): Promise<number | null> {
  let failedAt = 0;
  let finished = false;
  const running = a.query(sql).then(
    () => ((finished = true), null),
    (e: { code?: string }) => {
      failedAt = performance.now();
      if (e.code !== '57014') throw e;
      return e;
    },
  );
  await new Promise((r) => setTimeout(r, ms));
  if (finished) return null;
  const asked = performance.now();
  const canceller = new pg.Client({ host: '127.0.0.1', port, user: 'bench' });
  (canceller as unknown as { cancel(c: pg.Client, q: unknown): void }).cancel(a, (a as unknown as { activeQuery: unknown }).activeQuery);
  const r = await running;
  return r === null ? null : failedAt - asked;
}
