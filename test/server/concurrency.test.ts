// Long queries do not hold up other clients: a SELECT is evaluated in chunks with the event
// loop served in between, its result is that of the moment it started, and a cancel stops it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { startTestServer, type TestServer } from './support.js';

let ts: TestServer;
const N = 60_000;

beforeAll(async () => {
  ts = await startTestServer({}, ['CREATE TABLE big (k int, v int)', 'CREATE TABLE small (x int)']);
  const rows: number[][] = [];
  for (let i = 0; i < N; i++) rows.push([i % 5000, i]);
  ts.db.insert('big', rows);
  ts.db.engine.readChunkRows = 500; // many chunks, so other clients surely get their turn
});
afterAll(() => ts.close());

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'c' });
  await c.connect();
  return c;
}

const LONG = 'SELECT count(*)::int AS n, sum(a.v + b.v)::text AS s FROM big a JOIN big b ON a.k = b.k WHERE a.v % 7 = 0';

describe('long queries and other clients', () => {
  it('others are served while a long query runs, and it answers as of when it started', async () => {
    const [a, b] = [await client(), await client()];
    const done: string[] = [];
    const expected = await ts.db.query(LONG);
    const long = a.query(LONG).then((r) => (done.push('long'), r.rows[0]));
    // while it runs: a read and a write by another client, each finishing first
    const quick = b.query('SELECT 1 AS one').then((r) => (done.push('quick'), r.rows[0]));
    const write = b.query('INSERT INTO big VALUES (1, 1)').then(() => done.push('write'));
    const [longRow, quickRow] = await Promise.all([long, quick, write]);
    expect(done).toEqual(['quick', 'write', 'long']);
    expect(quickRow).toEqual({ one: 1 });
    expect(longRow).toEqual(expected.rows[0]); // the insert committed meanwhile is not in it
    expect((await b.query('SELECT count(*)::int AS n FROM big')).rows[0].n).toBe(N + 1);
    await a.end();
    await b.end();
  });

  it('chunked evaluation gives the same answers as one pass (aggregates, distinct, joins, order)', async () => {
    const c = await client();
    const queries = [
      'SELECT count(*) FROM big',
      'SELECT k, count(*), sum(v), min(v), max(v) FROM big WHERE k < 20 GROUP BY k ORDER BY k',
      'SELECT DISTINCT k % 7 AS m FROM big ORDER BY m',
      'SELECT k, v FROM big WHERE v % 9973 = 0 ORDER BY v',
      'SELECT count(*) FROM big a LEFT JOIN small s ON a.k = s.x WHERE s.x IS NULL',
    ];
    for (const q of queries) {
      const one = await ts.db.query(q, [], { rowMode: 'array', format: 'text' });
      const chunked = await c.query({ text: q, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } as never });
      expect(chunked.rows).toEqual(one.rows);
    }
    await c.end();
  });

  it('a CancelRequest stops a long query between chunks (57014); the session goes on', async () => {
    const a = await client();
    const pid = (a as unknown as { processID: number }).processID;
    const secret = (a as unknown as { secretKey: number }).secretKey;
    const long = a.query(LONG).catch((e) => e);
    const s = connect(ts.port, '127.0.0.1');
    await new Promise<void>((r) => s.once('connect', () => r()));
    s.end(serialize.cancel(pid, secret));
    const err = await long;
    expect(err.code).toBe('57014');
    expect((await a.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    await a.end();
  });
});
