// Row-limited portals (Execute with a row count, PortalSuspended): the SELECT runs only as far
// as the Executes ask and keeps reading the snapshot it started at (portal_rows.ts). What a
// client sees is checked side by side with the machine's PostgreSQL 15 where one answers
// (transcripts recorded from it); that no result is held, by serving a result several times
// the size of a small server's heap.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { bothAnswer } from './side_by_side.js';
import { converse, PG15, rawPg15, RawClient, spawnServer, startTestServer, type Step, type TestServer } from './support.js';

const TABLE = 'tributary_portal_test';
let ts: TestServer;
let pg15 = false;
const others: Record<'ours' | 'pg15', pg.Client | null> = { ours: null, pg15: null };

beforeAll(async () => {
  ts = await startTestServer({}, ['CREATE TABLE big (k int, v text)', "INSERT INTO big SELECT g, 'v' || g FROM generate_series(1, 100000) g", `CREATE TABLE ${TABLE} (x int)`]);
  others.ours = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'other' });
  await others.ours.connect();
  const c = await rawPg15();
  if (!c) console.warn('no PostgreSQL 15 answers: test/server/portals.test.ts checks Tributary only');
  else {
    c.end();
    pg15 = true;
    others.pg15 = new pg.Client({ host: PG15.dir, user: PG15.user, database: PG15.database });
    await others.pg15.connect();
    await others.pg15.query(`DROP TABLE IF EXISTS ${TABLE}; CREATE TABLE ${TABLE} (x int)`);
  }
});
afterAll(async () => {
  await others.pg15?.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await others.pg15?.end();
  await others.ours?.end();
  await ts.close();
});

const Q = (sql: string) => serialize.query(sql);
const P = (sql: string) => serialize.parse({ text: sql, types: [] });
const B = (portal = '') => serialize.bind({ portal, statement: '', values: [] });
const E = (rows: number, portal = '') => serialize.execute({ portal, rows });
const S = serialize.sync();
const H = serialize.flush();
const FOUR = 'SELECT g FROM generate_series(1, 4) g';
const FRESH: Step = { send: [Q(`TRUNCATE ${TABLE}; INSERT INTO ${TABLE} SELECT g FROM generate_series(1, 5) g`)], until: 'Z' };
const BEGIN: Step = { send: [Q('BEGIN')], until: 'Z' };
const ROLLBACK: Step = { send: [Q('ROLLBACK')], until: 'Z' };

describe('row-limited portals, as PostgreSQL 15', () => {
  // one at a time: several use the same table on both servers
  const agree = (steps: (server: 'ours' | 'pg15') => Step[], expected: string[]) => bothAnswer(ts.port, pg15, steps, expected);

  it('suspend whenever the limit is reached, even with no row left; then complete with the Execute’s own count', () =>
    agree(() => [{ send: [P(FOUR), B(), E(2), E(2), E(2), E(2), S], until: 'Z' }], ['1 2 D[1] D[2] s D[3] D[4] s C(SELECT 0) C(SELECT 0) Z(I)']));

  it('read the snapshot they started at, whatever other sessions commit and the own transaction writes between Executes', () =>
    agree(
      (server) => [
        FRESH,
        BEGIN,
        { send: [P(`SELECT x FROM ${TABLE}`), B('p'), E(2, 'p'), S], until: 'Z', then: () => others[server]!.query(`INSERT INTO ${TABLE} VALUES (100); DELETE FROM ${TABLE} WHERE x = 4`) },
        { send: [Q(`INSERT INTO ${TABLE} VALUES (200)`)], until: 'Z' },
        { send: [E(0, 'p'), S], until: 'Z' },
        { send: [Q('COMMIT')], until: 'Z' },
        // and outside a block, in the implicit transaction that lasts until Sync (pg-cursor's way)
        { send: [P(`SELECT x FROM ${TABLE}`), B(), E(2), H], until: 's', then: () => others[server]!.query(`DELETE FROM ${TABLE}`) },
        { send: [E(0), S], until: 'Z' },
      ],
      [
        'C(TRUNCATE TABLE) C(INSERT 0 5) Z(I)',
        'C(BEGIN) Z(T)',
        '1 2 D[1] D[2] s Z(T)',
        'C(INSERT 0 1) Z(T)',
        'D[3] D[4] D[5] C(SELECT 3) Z(T)',
        'C(COMMIT) Z(I)',
        '1 2 D[1] D[2] s',
        'D[3] D[5] D[100] D[200] C(SELECT 4) Z(I)',
      ],
    ));

  it('end with their transaction (Sync outside a block, COMMIT, ROLLBACK) and with Close', async () => {
    await agree(() => [{ send: [P(FOUR), B('p'), E(2, 'p'), S], until: 'Z' }, { send: [E(2, 'p'), S], until: 'Z' }], ['1 2 D[1] D[2] s Z(I)', 'E(34000) Z(I)']);
    await agree(() => [{ send: [P(FOUR), B(), S], until: 'Z' }, { send: [E(2), S], until: 'Z' }], ['1 2 Z(I)', 'E(34000) Z(I)']);
    await agree(
      () => [BEGIN, { send: [P(FOUR), B('p'), E(2, 'p'), P('COMMIT'), B(), E(0), E(2, 'p'), S], until: 'Z' }],
      ['C(BEGIN) Z(T)', '1 2 D[1] D[2] s 1 2 C(COMMIT) E(34000) Z(I)'],
    );
    await agree(
      () => [BEGIN, { send: [P(FOUR), B('p'), E(2, 'p'), S], until: 'Z' }, ROLLBACK, { send: [E(2, 'p'), S], until: 'Z' }],
      ['C(BEGIN) Z(T)', '1 2 D[1] D[2] s Z(T)', 'C(ROLLBACK) Z(I)', 'E(34000) Z(I)'],
    );
    await agree(
      () => [BEGIN, { send: [P(FOUR), B('p'), E(2, 'p'), serialize.close({ type: 'P', name: 'p' }), E(2, 'p'), S], until: 'Z' }, ROLLBACK],
      ['C(BEGIN) Z(T)', '1 2 D[1] D[2] s 3 E(34000) Z(E)', 'C(ROLLBACK) Z(I)'],
    );
  });

  it('ignore a CancelRequest that comes while they wait for the next Execute', () =>
    agree(
      () => [
        // PostgreSQL cancels only a statement that is running; the next Execute runs long
        { send: [P('SELECT g FROM generate_series(1, 1000000) g WHERE g <= 2 OR g = 1000000'), B(), E(2), H], until: 's', then: (c) => c.cancel(), idle: 300 },
        { send: [E(0), S], until: 'Z' },
      ],
      ['1 2 D[1] D[2] s', 'D[1000000] C(SELECT 1) Z(I)'],
    ));

  it('count each Execute’s rows in a RETURNING portal’s tag; a failed portal cannot be run after ROLLBACK TO', async () => {
    const returning = P(`INSERT INTO ${TABLE} SELECT g FROM generate_series(11, 15) g RETURNING x`);
    await agree(
      () => [BEGIN, { send: [returning, B('p'), E(2, 'p'), E(2, 'p'), E(2, 'p'), E(2, 'p'), S], until: 'Z' }, ROLLBACK],
      ['C(BEGIN) Z(T)', '1 2 D[11] D[12] s D[13] D[14] s D[15] C(INSERT 0 1) C(INSERT 0 0) Z(T)', 'C(ROLLBACK) Z(I)'],
    );
    await agree(
      () => [
        BEGIN,
        { send: [P('SELECT 1 / (g - 1) FROM generate_series(1, 5) g'), B('p'), S], until: 'Z' },
        { send: [Q('SAVEPOINT a')], until: 'Z' },
        { send: [E(1, 'p'), S], until: 'Z' },
        { send: [Q('ROLLBACK TO a')], until: 'Z' },
        { send: [E(1, 'p'), S], until: 'Z' },
        ROLLBACK,
      ],
      ['C(BEGIN) Z(T)', '1 2 Z(T)', 'C(SAVEPOINT) Z(T)', 'E(22012) Z(E)', 'C(ROLLBACK) Z(T)', 'E(55000) Z(E)', 'C(ROLLBACK) Z(I)'],
    );
  });
});

/** Fetch a portal `batch` rows per Execute (with Flush, as pg-cursor does) until it completes; `between` runs after each batch. */
async function fetchAll(c: RawClient, batch: number, onRow: (cells: Buffer) => void, between?: (n: number) => Promise<void>): Promise<{ executes: number; tag: string }> {
  for (let executes = 1; ; executes++) {
    c.send(E(batch));
    c.send(H);
    for (;;) {
      const m = await c.next();
      if (!m) throw new Error('the server closed the connection');
      if (m.type === 'D') onRow(m.body);
      else if (m.type === 's') break;
      else if (m.type === 'C') return { executes, tag: m.body.toString('utf8', 0, m.body.length - 1) };
      else if (m.type === 'E') throw new Error(`ErrorResponse: ${m.body.toString()}`);
    }
    await between?.(executes);
  }
}

describe('a row-limited portal runs its read as the Executes ask', () => {
  it('reads a large table in batches at its snapshot while another client changes it and is served in between', async () => {
    const c = await RawClient.connect(ts.port);
    c.send(P('SELECT k, v FROM big'));
    c.send(B());
    let n = 0;
    let sum = 0;
    const seen: number[] = [];
    const r = await fetchAll(
      c,
      1000,
      (body) => {
        n++;
        sum += Number(body.toString('utf8', 6, 6 + body.readInt32BE(2)));
      },
      async (executes) => {
        if (executes !== 3) return;
        await others.ours!.query('DELETE FROM big WHERE k > 50000; INSERT INTO big VALUES (-1, NULL)');
        seen.push((await others.ours!.query('SELECT count(*)::int AS n FROM big')).rows[0].n);
      },
    );
    c.send(S);
    await c.readUntil('Z');
    c.end();
    expect(seen).toEqual([50001]);
    expect({ n, sum, ...r }).toEqual({ n: 100000, sum: 5000050000, executes: 101, tag: 'SELECT 0' });
    await others.ours!.query("INSERT INTO big SELECT g, 'v' || g FROM generate_series(50001, 100000) g; DELETE FROM big WHERE k = -1");
  });

  it('node-postgres fetching 1,000 rows per Execute (pg-cursor’s protocol): another client is answered before it finishes', async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'cursor' });
    await c.connect();
    let rows = 0;
    let rowsWhenAnswered = -1;
    // node-postgres sends Execute(rows) + Flush per batch and Sync at the end (pg.Query's `rows`)
    const q = new pg.Query({ text: 'SELECT g, g * 2 AS h FROM generate_series(1, 200000) g', rows: 1000 } as pg.QueryConfig);
    const done = new Promise<void>((resolve, reject) => {
      q.on('row', (row: { g: number; h: number }) => {
        if (row.g !== ++rows || row.h !== 2 * row.g) reject(new Error(`row ${rows}: ${JSON.stringify(row)}`));
        if (rows === 1) void others.ours!.query('SELECT count(*)::int AS n FROM big').then(() => (rowsWhenAnswered = rows));
      });
      q.on('end', () => resolve());
      q.on('error', reject);
    });
    c.query(q);
    await done;
    await c.end();
    expect(rows).toBe(200000);
    expect(rowsWhenAnswered).toBeGreaterThan(0);
    expect(rowsWhenAnswered).toBeLessThan(200000);
  });
});

describe('memory', () => {
  it('a server with a 96 MB heap serves a result of about 400 MB through a row-limited portal; its peak memory stays far below that', async () => {
    const srv = await spawnServer(['--max-old-space-size=96']);
    try {
      const c = await RawClient.connect(srv.port);
      c.send(P("SELECT g, repeat('x', 200) AS pad FROM generate_series(1, 2000000) g"));
      c.send(B());
      let n = 0;
      let last = 0;
      let bytes = 0;
      const r = await fetchAll(c, 5000, (body) => {
        n++;
        bytes += body.length;
        last = Number(body.toString('utf8', 6, 6 + body.readInt32BE(2)));
      });
      c.send(S);
      await c.readUntil('Z');
      c.end();
      expect({ n, last, tag: r.tag }).toEqual({ n: 2000000, last: 2000000, tag: 'SELECT 0' });
      // the rows as text are ~400 MiB (as row arrays in the heap, more): held whole, they could not fit
      const peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${srv.child.pid}/status`, 'utf8'))![1]) * 1024;
      expect(bytes).toBeGreaterThan(400e6);
      expect(peak).toBeLessThan(bytes / 1.5);
      const other = new pg.Client({ host: '127.0.0.1', port: srv.port, user: 'after' });
      await other.connect();
      expect((await other.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await other.end();
    } finally {
      srv.child.kill();
    }
  }, 120_000);

  it('a portal’s rows are released when it ends: Close, Sync, COMMIT, a new unnamed portal, a Query message, a disconnect', async () => {
    // each portal holds a sorted result of about 25 MB (row arrays); four kept of any one kind would not fit the heap
    const srv = await spawnServer(['--max-old-space-size=96'], ['--memory-limit', '48MB']);
    const SORTED = P('SELECT g, g + 1, g + 2, g + 3 FROM generate_series(1, 300000) g ORDER BY g DESC');
    const held = (name = ''): Step => ({ send: [SORTED, B(name), E(1, name), H], until: 's' });
    const TIMES = 4;
    try {
      const c = await RawClient.connect(srv.port);
      const endings: Step[][] = [
        [BEGIN, ...Array.from({ length: TIMES }, () => [held('p'), { send: [serialize.close({ type: 'P', name: 'p' }), H], until: '3' }]).flat(), { send: [Q('COMMIT')], until: 'Z' }],
        Array.from({ length: TIMES }, () => [held(), { send: [S], until: 'Z' }]).flat(),
        Array.from({ length: TIMES }, () => [BEGIN, held('p'), { send: [S], until: 'Z' }, { send: [Q('COMMIT')], until: 'Z' }]).flat(),
        [...Array.from({ length: TIMES }, () => held()), { send: [S], until: 'Z' }],
        Array.from({ length: TIMES }, () => [held(), { send: [Q('SELECT 1')], until: 'Z' }]).flat(),
      ];
      for (const steps of endings) await converse(c, steps);
      for (let i = 0; i < TIMES; i++) {
        const d = await RawClient.connect(srv.port);
        await converse(d, [held()]);
        d.end();
      }
      expect(await converse(c, [{ send: [Q('SELECT 1')], until: 'Z' }])).toEqual(['T D[1] C(SELECT 1) Z(I)']);
      c.end();
    } finally {
      srv.child.kill();
    }
  }, 120_000);
});
