// statement_timeout, idle_in_transaction_session_timeout and idle_session_timeout as in
// PostgreSQL 15: their values (units, rounding, SHOW), a server-wide default, and what happens
// when they expire (57014; FATAL 25P03 / 57P05 and the connection closes).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { Database } from '../../src/index.js';
import { errorFields, RawClient, startTestServer, type TestServer } from './support.js';

let ts: TestServer;
const N = 60_000;
const LONG = 'SELECT count(*)::int AS n, sum(a.v + b.v)::text AS s FROM big a JOIN big b ON a.k = b.k WHERE a.v % 7 = 0';

beforeAll(async () => {
  ts = await startTestServer({ settings: { idle_session_timeout: '1h' } }, ['CREATE TABLE big (k int, v int)']);
  const rows: number[][] = [];
  for (let i = 0; i < N; i++) rows.push([i % 5000, i]);
  ts.db.insert('big', rows);
  ts.db.engine.readChunkRows = 100; // many chunks: the timeout is checked between them
});
afterAll(() => ts.close());

async function client(): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'c' });
  c.on('error', () => {});
  await c.connect();
  return c;
}

describe('timeout settings', () => {
  it('parse units and print as PostgreSQL 15 does', async () => {
    const db = await Database.open();
    // values checked against PostgreSQL 15
    const shown: [string, string][] = [
      ["'1500'", '1500ms'], ["'60s'", '1min'], ['3600000', '1h'], ["'1.5s'", '1500ms'], ["'0.5ms'", '0'],
      ["'100us'", '0'], ["'5 s'", '5s'], ["'1d'", '1d'], ['1.7', '2ms'], ["'2147483647'", '2147483647ms'], ['0', '0'],
    ];
    for (const [value, expected] of shown) {
      await db.query(`SET statement_timeout = ${value}`);
      expect((await db.query('SHOW statement_timeout')).rows[0].statement_timeout, value).toBe(expected);
    }
    const refused: [string, string, string?][] = [
      ["'-1'", '-1 ms is outside the valid range for parameter "statement_timeout" (0 .. 2147483647)'],
      ["'abc'", 'invalid value for parameter "statement_timeout": "abc"'],
      ["'5 sec'", 'invalid value for parameter "statement_timeout": "5 sec"', 'Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".'],
      ['4000000000', 'invalid value for parameter "statement_timeout": "4000000000"', 'Value exceeds integer range.'],
      ["''", 'invalid value for parameter "statement_timeout": ""'],
    ];
    for (const [value, message, hint] of refused) {
      const err = await db.query(`SET statement_timeout = ${value}`).catch((e) => e);
      expect([err.code, err.message, err.hint]).toEqual(['22023', message, hint]);
    }
    await db.query("SET idle_in_transaction_session_timeout = '2min'");
    expect((await db.query('SHOW idle_in_transaction_session_timeout')).rows).toEqual([{ idle_in_transaction_session_timeout: '2min' }]);
    const s = await db.query("SELECT setting, unit FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout'");
    expect(s.rows).toEqual([{ setting: '120000', unit: 'ms' }]);
    await db.close();
  });

  it('a server default is where sessions start and what RESET returns to; a bad one fails the start', async () => {
    const c = await client();
    expect((await c.query('SHOW idle_session_timeout')).rows).toEqual([{ idle_session_timeout: '1h' }]);
    await c.query('SET idle_session_timeout = 0');
    await c.query('RESET idle_session_timeout');
    expect((await c.query('SHOW idle_session_timeout')).rows).toEqual([{ idle_session_timeout: '1h' }]);
    await c.end();
    const db = await Database.open();
    await expect(db.listen({ port: 0, settings: { statement_timeout: 'soon' } })).rejects.toThrow('invalid value for parameter "statement_timeout": "soon"');
    await expect(db.listen({ port: 0, settings: { no_such_setting: '1' } })).rejects.toThrow('unrecognized configuration parameter "no_such_setting"');
    await db.close();
  });
});

describe('statement_timeout', () => {
  it('cancels a long statement with 57014; the session goes on', async () => {
    const c = await client();
    await c.query("SET statement_timeout = '20ms'");
    const started = Date.now();
    const err = await c.query(LONG).catch((e) => e);
    expect([err.code, err.message]).toEqual(['57014', 'canceling statement due to statement timeout']);
    expect(Date.now() - started).toBeLessThan(2000);
    await c.query('SET statement_timeout = 0');
    expect((await c.query(LONG)).rows[0].n).toBeGreaterThan(0);
    await c.end();
  });

  it('applies over the extended protocol, and as a startup option', async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'c', statement_timeout: 20 } as pg.ClientConfig);
    await c.connect();
    expect((await c.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '20ms' }]);
    const err = await c.query({ text: LONG, values: [] }).catch((e) => e);
    expect(err.code).toBe('57014');
    const extended = await c.query({ text: `${LONG} AND $1::int = 1`, values: [1] }).catch((e) => e);
    expect(extended.code).toBe('57014');
    expect((await c.query('SELECT $1::int AS one', [1])).rows).toEqual([{ one: 1 }]);
    await c.end();
  });
});

describe('idle timeouts', () => {
  it('idle_in_transaction_session_timeout ends an idle block with FATAL 25P03 and closes the connection', async () => {
    const c = await RawClient.connect(ts.port);
    c.send(serialize.query("SET idle_in_transaction_session_timeout = '50ms'"));
    await c.readUntil('Z');
    c.send(serialize.query('BEGIN; INSERT INTO big VALUES (-1, -1)'));
    await c.readUntil('Z');
    const msgs = await c.readUntil('E');
    const err = errorFields(msgs[msgs.length - 1].body);
    expect([err.S, err.C, err.M]).toEqual(['FATAL', '25P03', 'terminating connection due to idle-in-transaction timeout']);
    expect(await c.next()).toBeNull();
    // the open transaction was rolled back
    expect((await ts.db.query('SELECT count(*)::int AS n FROM big WHERE k = -1')).rows).toEqual([{ n: 0 }]);
  });

  it('idle_session_timeout closes an idle session with FATAL 57P05', async () => {
    const c = await RawClient.connect(ts.port);
    c.send(serialize.query("SET idle_session_timeout = '50ms'"));
    await c.readUntil('Z');
    const msgs = await c.readUntil('E');
    const err = errorFields(msgs[msgs.length - 1].body);
    expect([err.S, err.C, err.M]).toEqual(['FATAL', '57P05', 'terminating connection due to idle-session timeout']);
    expect(await c.next()).toBeNull();
  });
});
