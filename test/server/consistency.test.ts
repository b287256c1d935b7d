// Internal consistency under load: clients move money between accounts concurrently (retrying
// on 40001) while others read the total from the table, from a materialized view, inside
// snapshot transactions and through a subscription. Every read and every subscribed
// timestamp must show the same total, and no transfer may be lost or applied twice.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTestServer, type TestServer } from './support.js';

const ACCOUNTS = 20;
const START = 1000;
const TOTAL = ACCOUNTS * START;

let ts: TestServer;

beforeAll(async () => {
  ts = await startTestServer({}, [
    'CREATE TABLE acc (id int PRIMARY KEY, bal int NOT NULL)',
    `INSERT INTO acc SELECT g, ${START} FROM generate_series(1, ${ACCOUNTS}) g`,
    'CREATE MATERIALIZED VIEW total AS SELECT sum(bal)::int AS s, count(*)::int AS n FROM acc',
    'CREATE MATERIALIZED VIEW balances AS SELECT id, bal FROM acc',
    'CREATE TABLE counter (id int PRIMARY KEY, n int)',
    'INSERT INTO counter VALUES (1, 0)',
  ]);
});
afterAll(() => ts.close());

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'c' });
  await c.connect();
  return c;
}

/** A deterministic stream of numbers (the test must not depend on Math.random's luck). */
function numbers(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648);
}

describe('consistency under load', () => {
  it('concurrent transfers keep every read of the total constant, and none is lost', async () => {
    // the subscriber's copy of `balances`, checked at every timestamp it is sent
    const mirror = new Map<number, number>();
    const subscribedTotals: number[] = [];
    const sub = ts.db.subscribe<{ id: number; bal: number }>('balances', (changes) => {
      for (const c of changes) {
        if (c.diff < 0) mirror.delete(c.row.id);
        else mirror.set(c.row.id, c.row.bal);
      }
      subscribedTotals.push([...mirror.values()].reduce((a, b) => a + b, 0));
    });
    const applied = new Map<number, number>(); // account → net amount moved by committed transfers
    let retries = 0;
    let done = false;
    const transfer = async (c: pg.Client, level: string, next: () => number) => {
      const from = (next() % ACCOUNTS) + 1;
      const to = ((from + (next() % (ACCOUNTS - 1))) % ACCOUNTS) + 1;
      const amount = next() % 50;
      for (;;) {
        try {
          await c.query(`BEGIN ISOLATION LEVEL ${level}`);
          await c.query('UPDATE acc SET bal = bal - $1 WHERE id = $2', [amount, from]);
          await c.query('UPDATE acc SET bal = bal + $1 WHERE id = $2', [amount, to]);
          await c.query('COMMIT');
          applied.set(from, (applied.get(from) ?? 0) - amount);
          applied.set(to, (applied.get(to) ?? 0) + amount);
          return;
        } catch (e: any) {
          await c.query('ROLLBACK');
          if (e.code !== '40001') throw e;
          retries++;
        }
      }
    };
    const writers = await Promise.all(Array.from({ length: 6 }, client));
    const readers = await Promise.all(Array.from({ length: 3 }, client));
    const seen: number[] = [];
    const read = async (c: pg.Client, k: number) => {
      while (!done) {
        const q = k % 3;
        if (q === 0) seen.push((await c.query('SELECT sum(bal)::int AS s FROM acc')).rows[0].s);
        else if (q === 1) seen.push((await c.query('SELECT s FROM total')).rows[0].s);
        else {
          // a snapshot: both reads see the same commit, with transfers committing in between
          await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
          const a = (await c.query('SELECT bal FROM acc WHERE id = 1')).rows[0].bal;
          await new Promise((r) => setImmediate(r));
          const rest = (await c.query('SELECT sum(bal)::int AS s FROM acc WHERE id <> 1')).rows[0].s;
          seen.push(a + rest, (await c.query('SELECT s FROM total')).rows[0].s);
          await c.query('COMMIT');
        }
        k++;
      }
    };
    const reading = readers.map((c, i) => read(c, i));
    const levels = ['READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE'];
    await Promise.all(
      writers.map(async (c, i) => {
        const next = numbers(i + 1);
        for (let k = 0; k < 40; k++) await transfer(c, levels[i % 3], next);
      }),
    );
    done = true;
    await Promise.all(reading);
    sub.unsubscribe();
    expect(seen.length).toBeGreaterThan(20);
    expect(new Set(seen)).toEqual(new Set([TOTAL]));
    expect(subscribedTotals.length).toBeGreaterThan(20);
    expect(new Set(subscribedTotals)).toEqual(new Set([TOTAL]));
    // every committed transfer applied exactly once
    const final = (await readers[0].query('SELECT id, bal FROM acc ORDER BY id')).rows;
    expect(final).toEqual(Array.from({ length: ACCOUNTS }, (_, i) => ({ id: i + 1, bal: START + (applied.get(i + 1) ?? 0) })));
    expect(retries).toBeGreaterThan(0); // the load did make transactions conflict
    for (const c of [...writers, ...readers]) await c.end();
  });

  it('50 clients incrementing one counter in autocommit all succeed, and none is lost', async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, client));
    await Promise.all(clients.map(async (c) => {
      for (let k = 0; k < 5; k++) await c.query('UPDATE counter SET n = n + 1 WHERE id = 1');
      // the extended protocol too: the statement commits at Sync
      for (let k = 0; k < 5; k++) await c.query('UPDATE counter SET n = n + $1 WHERE id = $2', [1, 1]);
    }));
    expect((await clients[0].query('SELECT n FROM counter')).rows).toEqual([{ n: 500 }]);
    for (const c of clients) await c.end();
  });
});
