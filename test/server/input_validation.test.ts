// Text from the client is validated as PostgreSQL validates it: invalid UTF-8 in a query, a
// statement name, a parameter, a startup packet or COPY data is 22021 naming the bad bytes
// (the messages below are PostgreSQL 15's, captured from a real server), never rewritten to
// U+FFFD; and Parse/Bind accept up to 65,535 parameters (the counts are uint16 on the wire).

import pg from 'pg';
import { serialize } from 'pg-protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, dataRowText, errorFields, startTestServer, type TestServer } from './support.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({}, ['CREATE TABLE ct (x text)']);
});
afterAll(() => ts.close());

function msg(type: string, ...parts: (Buffer | string | number[])[]): Buffer {
  const body = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
  const head = Buffer.alloc(5);
  head[0] = type.charCodeAt(0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const int16 = (n: number) => [(n >> 8) & 0xff, n & 0xff];
const int32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

async function errorOf(c: RawClient): Promise<Record<string, string>> {
  const ms = await c.readUntil('Z');
  const e = ms.find((m) => m.type === 'E');
  if (!e) throw new Error(`no error; got ${ms.map((m) => m.type).join('')}`);
  return errorFields(e.body);
}

describe('invalid UTF-8 from the client', () => {
  it('in query text: 22021 naming the bytes as PostgreSQL does; the session goes on', async () => {
    const c = await RawClient.connect(ts.port);
    const cases: [number[], string][] = [
      [[0xff], '0xff'],
      [[0xc3, 0x28], '0xc3 0x28'],
      [[0xed, 0xa0, 0x80], '0xed 0xa0 0x80'], // a surrogate
      [[0xc0, 0x80], '0xc0 0x80'], // overlong
      [[0xf0, 0x9f, 0x98], '0xf0 0x9f 0x98 0x27'], // cut short: the next byte is shown too
      [[0xe2, 0x82], '0xe2 0x82 0x27'],
    ];
    for (const [bytes, shown] of cases) {
      c.send(msg('Q', "select 'a", bytes, "'", [0]));
      expect(await errorOf(c)).toMatchObject({ S: 'ERROR', C: '22021', M: `invalid byte sequence for encoding "UTF8": ${shown}` });
    }
    // cut short at the end of the text: only the bytes there are
    c.send(msg('Q', "select 1 -- ", [0xe2, 0x82], [0]));
    expect(await errorOf(c)).toMatchObject({ C: '22021', M: 'invalid byte sequence for encoding "UTF8": 0xe2 0x82' });
    // valid multi-byte text still works
    c.send(msg('Q', Buffer.from("select 'é😀' AS v\0", 'utf8')));
    const ok = await c.readUntil('Z');
    expect(dataRowText(ok.find((m) => m.type === 'D')!.body)).toEqual(['é😀']);
    // in a block, the error aborts it as any error does
    c.send(msg('Q', 'BEGIN', [0]));
    await c.readUntil('Z');
    c.send(msg('Q', 'select ', [0xff], [0]));
    const ms = await c.readUntil('Z');
    expect(ms[ms.length - 1].body.toString()).toBe('E');
    c.send(msg('Q', 'ROLLBACK', [0]));
    await c.readUntil('Z');
    c.end();
  });

  it('in statement names and parameter values (text and binary), with the parameter as CONTEXT', async () => {
    const c = await RawClient.connect(ts.port);
    c.send(Buffer.concat([msg('P', 'st', [0xff, 0], 'select $1::text', [0], int16(0)), serialize.sync()]));
    expect(await errorOf(c)).toMatchObject({ C: '22021', M: 'invalid byte sequence for encoding "UTF8": 0xff' });
    const parse = msg('P', [0], 'select $1::text', [0], int16(0));
    const bind = (format: number, value: number[], portal = '') =>
      msg('B', portal, [0], [0], int16(1), int16(format), int16(1), int32(value.length), value, int16(0));
    for (const format of [0, 1]) {
      c.send(Buffer.concat([parse, bind(format, [0x61, 0xff, 0x62]), serialize.execute({}), serialize.sync()]));
      expect(await errorOf(c)).toMatchObject({ C: '22021', M: 'invalid byte sequence for encoding "UTF8": 0xff', W: 'unnamed portal parameter $1' });
    }
    c.send(Buffer.concat([parse, bind(0, [0x61, 0x00, 0x62], 'p'), serialize.execute({ portal: 'p' }), serialize.sync()]));
    expect(await errorOf(c)).toMatchObject({ C: '22021', M: 'invalid byte sequence for encoding "UTF8": 0x00', W: 'portal "p" parameter $1' });
    c.send(Buffer.concat([parse, bind(0, [0xc3, 0xa9]), serialize.execute({}), serialize.sync()]));
    const ok = await c.readUntil('Z');
    expect(dataRowText(ok.find((m) => m.type === 'D')!.body)).toEqual(['é']);
    c.end();
  });

  it('in startup parameters: FATAL 22021 and the connection is closed', async () => {
    const c = await RawClient.connect(ts.port, false);
    const body = Buffer.concat([Buffer.from(int32(196608)), Buffer.from('user\0raw\0application_name\0ab'), Buffer.from([0xff]), Buffer.from('c\0\0')]);
    c.send(Buffer.concat([Buffer.from(int32(body.length + 4)), body]));
    const m = await c.next();
    expect(m?.type).toBe('E');
    expect(errorFields(m!.body)).toMatchObject({ S: 'FATAL', C: '22021', M: 'invalid byte sequence for encoding "UTF8": 0xff' });
    expect(await c.next()).toBeNull();
  });

  it('in COPY FROM STDIN data: 22021 with the line as CONTEXT, nothing inserted', async () => {
    const c = await RawClient.connect(ts.port);
    c.send(msg('Q', 'COPY ct FROM STDIN', [0]));
    await c.readUntil('G');
    c.send(Buffer.concat([msg('d', 'a\nb\nc', [0xff], 'd\ne\n'), msg('c')]));
    expect(await errorOf(c)).toMatchObject({ C: '22021', M: 'invalid byte sequence for encoding "UTF8": 0xff', W: 'COPY ct, line 3' });
    // checked as the data arrives: a character cut between two CopyData messages is fine…
    c.send(msg('Q', 'COPY ct FROM STDIN', [0]));
    await c.readUntil('G');
    c.send(Buffer.concat([msg('d', 'x\n', [0xc3]), msg('d', [0xa9], '\n', [0xe2, 0x82]), msg('d', [0xac], '\n'), msg('c')]));
    expect((await c.readUntil('Z')).map((m) => m.type).join('')).toBe('CZ');
    // …an invalid one fails at once, naming the bytes across the boundary; the rest is dropped
    c.send(msg('Q', 'COPY ct FROM STDIN', [0]));
    await c.readUntil('G');
    c.send(Buffer.concat([msg('d', 'y\nz\n', [0xe2]), msg('d', [0x82, 0x41], '\n')]));
    expect(await errorOf(c)).toMatchObject({ C: '22021', M: 'invalid byte sequence for encoding "UTF8": 0xe2 0x82 0x41', W: 'COPY ct, line 3' });
    c.send(Buffer.concat([msg('d', 'more\n'), msg('c')]));
    // cut short at the very end of the data
    c.send(msg('Q', 'COPY ct FROM STDIN', [0]));
    await c.readUntil('G');
    c.send(Buffer.concat([msg('d', 'w\n', [0xf0, 0x9f]), msg('c')]));
    expect(await errorOf(c)).toMatchObject({ C: '22021', M: 'invalid byte sequence for encoding "UTF8": 0xf0 0x9f', W: 'COPY ct, line 2' });
    c.send(msg('Q', 'SELECT x FROM ct ORDER BY x', [0]));
    const ms = await c.readUntil('Z');
    expect(ms.filter((m) => m.type === 'D').map((m) => dataRowText(m.body)[0])).toEqual(['x', 'é', '€']);
    c.end();
  });
});

describe('65,535 parameters', () => {
  it('Parse with 65,535 parameter types and a Bind with 65,535 values (raw protocol)', async () => {
    const c = await RawClient.connect(ts.port);
    const n = 65535;
    const types: number[] = [];
    for (let i = 0; i < n; i++) types.push(...int32(23));
    const values: number[] = [];
    for (let i = 1; i <= n; i++) {
      const v = Buffer.from(String(i));
      values.push(...int32(v.length), ...v);
    }
    c.send(Buffer.concat([
      msg('P', [0], 'select $1 + $65535', [0], int16(n), types),
      msg('B', [0], [0], int16(0), int16(n), values, int16(0)),
      serialize.execute({}),
      serialize.sync(),
    ]));
    const ms = await c.readUntil('Z');
    expect(ms.map((m) => m.type).join('')).toBe('12DCZ');
    expect(dataRowText(ms.find((m) => m.type === 'D')!.body)).toEqual(['65536']);
    c.end();
  });

  it('node-postgres sends 65,535 parameters', async () => {
    const client = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'u', database: 'd' });
    await client.connect();
    const n = 65535;
    const params = Array.from({ length: n }, (_, i) => i + 1);
    const list = params.map((i) => `$${i}`).join(',');
    const r = await client.query(`SELECT 65535 IN (${list}) AS hit, 65536 IN (${list}) AS miss`, params);
    expect(r.rows).toEqual([{ hit: true, miss: false }]);
    await client.end();
  });
});
