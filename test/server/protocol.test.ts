// Protocol details driven message by message with pg-protocol's serializer over a socket:
// row-limited portals, skip-until-Sync, ReadyForQuery status, ParameterStatus, binary
// formats in both directions, and CancelRequest.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { serialize } from 'pg-protocol';
import { RawClient, dataRowText, errorFields, startTestServer, type TestServer } from './support.js';

let ts: TestServer;

beforeAll(async () => {
  ts = await startTestServer({}, ['CREATE TABLE n (i int, s text)']);
  ts.db.insert('n', Array.from({ length: 10 }, (_, i) => [i, `row${i}`]));
}, 60_000);
afterAll(() => ts.close());

const types = (ms: { type: string }[]) => ms.map((m) => m.type).join('');

describe('wire protocol', () => {
  it('reports startup parameters and backend key data', async () => {
    const c = await RawClient.connect(ts.port, false);
    c.send(serialize.startup({ user: 'bob', database: 'db', application_name: 'raw-app', options: '-c extra_float_digits=3' }));
    const ms = await c.readUntil('Z');
    expect(ms[0].type).toBe('R');
    const params = Object.fromEntries(
      ms.filter((m) => m.type === 'S').map((m) => {
        const [k, v] = m.body.toString('utf8').split('\0');
        return [k, v];
      }),
    );
    expect(params).toMatchObject({
      server_version: '15.0 (Tributary 0.1.0)',
      server_encoding: 'UTF8',
      client_encoding: 'UTF8',
      DateStyle: 'ISO, MDY',
      integer_datetimes: 'on',
      standard_conforming_strings: 'on',
      TimeZone: 'UTC',
      IntervalStyle: 'postgres',
      application_name: 'raw-app',
      is_superuser: 'on',
      session_authorization: 'bob',
    });
    expect(ms.filter((m) => m.type === 'K')).toHaveLength(1);
    c.send(serialize.query('SHOW extra_float_digits'));
    const r = await c.readUntil('Z');
    expect(dataRowText(r.find((m) => m.type === 'D')!.body)).toEqual(['3']);
    // a reported setting that changes is announced with ParameterStatus
    c.send(serialize.query("SET application_name = 'renamed'"));
    const set = await c.readUntil('Z');
    expect(types(set)).toBe('CSZ');
    expect(set[1].body.toString('utf8')).toBe('application_name\0renamed\0');
    c.end();
  });

  it('gives ReadyForQuery the transaction status and EmptyQueryResponse for empty queries', async () => {
    const c = await RawClient.connect(ts.port);
    const status = async (sql: string) => {
      c.send(serialize.query(sql));
      const ms = await c.readUntil('Z');
      return { types: types(ms), status: ms[ms.length - 1].body.toString() };
    };
    expect(await status('')).toEqual({ types: 'IZ', status: 'I' });
    expect(await status(';')).toEqual({ types: 'IZ', status: 'I' });
    expect(await status('BEGIN')).toEqual({ types: 'CZ', status: 'T' });
    expect(await status('SELECT 1/0')).toEqual({ types: 'EZ', status: 'E' });
    expect(await status('SELECT 1')).toEqual({ types: 'EZ', status: 'E' });
    expect(await status('ROLLBACK')).toEqual({ types: 'CZ', status: 'I' });
    expect(await status('SELECT 1; SELECT 2')).toEqual({ types: 'TDCTDCZ', status: 'I' });
    c.end();
  });

  it('a write whose view maintenance fails sends the error, naming the view, and no command tag', async () => {
    await ts.db.query('CREATE TABLE inv (k int, d int); CREATE MATERIALIZED VIEW inv_q AS SELECT k, 10 / d AS q FROM inv');
    const c = await RawClient.connect(ts.port);
    const run = async (sql: string) => {
      c.send(serialize.query(sql));
      const ms = await c.readUntil('Z');
      const e = ms.find((m) => m.type === 'E');
      return { types: types(ms), error: e ? [errorFields(e.body).C, errorFields(e.body).W] : null };
    };
    // the commit (and view maintenance) comes before the last statement's CommandComplete, as PostgreSQL commits before it
    expect(await run('INSERT INTO inv VALUES (1, 0)')).toEqual({ types: 'EZ', error: ['22012', 'while maintaining materialized view "inv_q"'] });
    expect(await run('INSERT INTO inv VALUES (1, 1); INSERT INTO inv VALUES (2, 0)')).toEqual({ types: 'CEZ', error: ['22012', 'while maintaining materialized view "inv_q"'] });
    expect(await run('INSERT INTO inv VALUES (3, 1)')).toEqual({ types: 'CZ', error: null });
    expect((await ts.db.query('SELECT k FROM inv_q ORDER BY k')).rows).toEqual([{ k: 3 }]);
    c.end();
  });

  it('runs row-limited portals with PortalSuspended, and named statements and portals', async () => {
    const c = await RawClient.connect(ts.port);
    c.send(serialize.parse({ name: 'st', text: 'SELECT i, s FROM n WHERE i >= $1 ORDER BY i', types: [] }));
    c.send(serialize.describe({ type: 'S', name: 'st' }));
    c.send(serialize.sync());
    const d = await c.readUntil('Z');
    expect(types(d)).toBe('1tTZ');
    expect(d[1].body.readInt16BE(0)).toBe(1);
    expect(d[1].body.readInt32BE(2)).toBe(23); // $1 inferred as int4
    c.send(serialize.query('BEGIN'));
    await c.readUntil('Z');
    c.send(serialize.bind({ portal: 'p1', statement: 'st', values: ['3'] }));
    c.send(serialize.execute({ portal: 'p1', rows: 3 }));
    c.send(serialize.execute({ portal: 'p1', rows: 3 }));
    c.send(serialize.execute({ portal: 'p1', rows: 3 }));
    c.send(serialize.sync());
    const ms = await c.readUntil('Z');
    expect(types(ms)).toBe('2DDDsDDDsDCZ');
    expect(ms.filter((m) => m.type === 'D').map((m) => dataRowText(m.body)[0])).toEqual(['3', '4', '5', '6', '7', '8', '9']);
    expect(ms[ms.length - 2].body.toString()).toBe('SELECT 1\0');
    // the portal lives until the end of the transaction
    c.send(serialize.execute({ portal: 'p1', rows: 0 }));
    c.send(serialize.close({ type: 'P', name: 'p1' }));
    c.send(serialize.sync());
    expect(types(await c.readUntil('Z'))).toBe('C3Z');
    c.send(serialize.query('COMMIT'));
    await c.readUntil('Z');
    c.end();
  });

  it('skips messages after an error until Sync', async () => {
    const c = await RawClient.connect(ts.port);
    c.send(serialize.parse({ text: 'SELECT nosuch FROM n' }));
    c.send(serialize.bind({}));
    c.send(serialize.describe({ type: 'P' }));
    c.send(serialize.execute({}));
    c.send(serialize.sync());
    const ms = await c.readUntil('Z');
    expect(types(ms)).toBe('EZ');
    expect(errorFields(ms[0].body)).toMatchObject({ S: 'ERROR', V: 'ERROR', C: '42703', P: '8' });
    // an error in Execute rolls back the implicit transaction up to Sync
    c.send(serialize.parse({ text: "INSERT INTO n VALUES (100, 'x')" }));
    c.send(serialize.bind({}));
    c.send(serialize.execute({}));
    c.send(serialize.parse({ text: 'SELECT 1 / i FROM n WHERE i = 0' }));
    c.send(serialize.bind({}));
    c.send(serialize.execute({}));
    c.send(serialize.sync());
    expect(types(await c.readUntil('Z'))).toBe('12C12EZ');
    c.send(serialize.query('SELECT count(*) FROM n WHERE i = 100'));
    const r = await c.readUntil('Z');
    expect(dataRowText(r.find((m) => m.type === 'D')!.body)).toEqual(['0']);
    // bind with the wrong number of parameters is a protocol violation (but not fatal)
    c.send(serialize.parse({ text: 'SELECT $1::int' }));
    c.send(serialize.bind({ values: [] }));
    c.send(serialize.sync());
    const b = await c.readUntil('Z');
    expect(errorFields(b[1].body).C).toBe('08P01');
    c.end();
  });

  it('encodes binary results and decodes binary parameters', async () => {
    const c = await RawClient.connect(ts.port);
    const values = [
      ['int2', '-7'],
      ['int4', '123456'],
      ['int8', '-9007199254740993'],
      ['float4', '1.5'],
      ['float8', '-0.125'],
      ['bool', 't'],
      ['numeric', '-12345.678900'],
      ['numeric', '0.00012'],
      ['numeric', 'NaN'],
      ['text', 'héllo'],
      ['varchar', 'v'],
      ['date', '2024-02-29'],
      ['date', 'infinity'],
      ['timestamp', '2024-01-02 03:04:05.123456'],
      ['timestamptz', '1999-12-31 23:59:59.5+00'],
      ['interval', '1 year 2 mons 3 days 04:05:06.789'],
      ['jsonb', '{"a": [1, 2.50, null]}'],
      ['oid', '4000000000'],
    ];
    for (const [type, text] of values) {
      // text in, binary out
      c.send(serialize.parse({ text: `SELECT $1::${type}` }));
      c.send(serialize.bind({ values: [text], binary: true }));
      c.send(serialize.execute({}));
      c.send(serialize.sync());
      const ms = await c.readUntil('Z');
      const row = ms.find((m) => m.type === 'D');
      expect(row, `${type} ${text}: ${JSON.stringify(ms.map((m) => m.type === 'E' ? errorFields(m.body) : m.type))}`).toBeDefined();
      const len = row!.body.readInt32BE(2);
      const bin = row!.body.subarray(6, 6 + len);
      // binary back in (declared type via the cast's inference), text out: same text as a text round trip
      c.send(serialize.parse({ text: `SELECT $1::${type}, $2::${type}` }));
      c.send(serialize.bind({ values: [bin, text] }));
      c.send(serialize.execute({}));
      c.send(serialize.sync());
      const back = await c.readUntil('Z');
      const d = back.find((m) => m.type === 'D');
      expect(d, `${type} ${text}: ${JSON.stringify(back.map((m) => m.type === 'E' ? errorFields(m.body) : m.type))}`).toBeDefined();
      const [a, b] = dataRowText(d!.body);
      expect(a, `${type} ${text}`).toBe(b);
    }
    c.end();
  });

  it('encodes binary values exactly as PostgreSQL does', async () => {
    const c = await RawClient.connect(ts.port);
    const bin = async (sql: string) => {
      c.send(serialize.parse({ text: sql }));
      c.send(serialize.bind({ binary: true }));
      c.send(serialize.execute({}));
      c.send(serialize.sync());
      const row = (await c.readUntil('Z')).find((m) => m.type === 'D')!;
      return row.body.subarray(6).toString('hex');
    };
    // byte strings taken from PostgreSQL 15's *_send functions
    expect(await bin('SELECT 12345.678::numeric')).toBe('0003000100000003' + '0001' + '0929' + '1a7c');
    expect(await bin('SELECT -0.0012::numeric')).toBe('0001ffff40000004' + '000c');
    expect(await bin("SELECT date '2000-01-02'")).toBe('00000001');
    expect(await bin("SELECT timestamp '2000-01-01 00:00:01'")).toBe('00000000000f4240');
    expect(await bin("SELECT interval '1 mon 2 days 00:00:01'")).toBe('00000000000f4240' + '00000002' + '00000001');
    expect(await bin(`SELECT '{"a":1}'::jsonb`)).toBe('01' + Buffer.from('{"a": 1}').toString('hex'));
    expect(await bin('SELECT 4294967295::oid')).toBe('ffffffff');
    c.end();
  });

  it('cancels a query between row batches with 57014', async () => {
    // 200k rows of ~100 bytes: far more than socket buffers hold, so while this client does
    // not read, the server is parked waiting for 'drain' in the middle of the result.
    await ts.db.query('CREATE TABLE big (i int, pad text)');
    const pad = 'x'.repeat(100);
    ts.db.insert('big', Array.from({ length: 200_000 }, (_, i) => [i, pad]));
    const c = await RawClient.connect(ts.port, false);
    c.send(serialize.startup({ user: 'raw' }));
    const start = await c.readUntil('Z');
    const key = start.find((m) => m.type === 'K')!.body;
    c.socket.pause();
    c.send(serialize.query('SELECT * FROM big'));
    // wait until the server's writes back up: the server side stops, our socket buffers fill
    await new Promise<void>((resolve) => {
      const check = () => (c.socket.readableLength > 0 || (c.socket as any)._readableState.length > 0 ? resolve() : setTimeout(check, 20));
      check();
    });
    const cancel = connect(ts.port, '127.0.0.1');
    await new Promise<void>((r) => cancel.once('connect', r));
    cancel.write(serialize.cancel(key.readInt32BE(0), key.readInt32BE(4)));
    await new Promise<void>((r) => cancel.once('close', r));
    c.socket.resume();
    const ms = await c.readUntil('Z');
    const err = ms.find((m) => m.type === 'E');
    expect(err && errorFields(err.body)).toMatchObject({ C: '57014', M: 'canceling statement due to user request' });
    expect(ms.filter((m) => m.type === 'D').length).toBeLessThan(200_000);
    // the connection carries on
    c.send(serialize.query('SELECT 1'));
    expect(types(await c.readUntil('Z'))).toBe('TDCZ');
    c.end();
  });
});

describe('clients that vanish', () => {
  it('drops a connection that disappears mid-result; the others carry on', async () => {
    const c = await RawClient.connect(ts.port);
    c.send(serialize.query('SELECT * FROM big'));
    await c.next(); // the result has started
    c.end();
    const d = await RawClient.connect(ts.port);
    d.send(serialize.query('SELECT count(*) FROM big'));
    const ms = await d.readUntil('Z');
    expect(dataRowText(ms.find((m) => m.type === 'D')!.body)).toEqual(['200000']);
    d.end();
  });
});
