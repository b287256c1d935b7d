// The wire formats against the machine's PostgreSQL 15 (the binary formats are where a client
// can silently get a different value): every result value in binary, and binary parameters,
// byte for byte or value for value. Skipped when no PostgreSQL server is reachable (.ci/run
// starts the Debian cluster when it can).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { connect } from 'node:net';
import { serialize } from 'pg-protocol';
import { RawClient, startTestServer, type TestServer } from './support.js';

const SOCKET = process.env.PG15_HOST ?? '/var/run/postgresql';
let real: pg.Client | null = null;
let ts: TestServer;
let ours: pg.Client;

beforeAll(async () => {
  const c = new pg.Client({ host: SOCKET, user: process.env.PG15_USER ?? 'root', database: 'postgres' });
  try {
    await c.connect();
    await c.query("SET TimeZone = 'UTC'");
    real = c;
  } catch {
    console.warn(`no PostgreSQL server at ${SOCKET}: test/server/pg15_wire.test.ts is skipped`);
  }
  ts = await startTestServer();
  ours = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'x' });
  await ours.connect();
});
afterAll(async () => {
  await real?.end();
  await ours.end();
  await ts.close();
});

const VALUES = [
  'true', 'false', '1::int2', '-32768::int2', '2147483647', '-1', '9223372036854775807::int8', '-42::int8',
  '1.5::float4', '-0.0::float8', "'NaN'::float8", "'Infinity'::float8", '3.141592653589793::float8',
  '0::numeric', '1.5::numeric', '-123.4500::numeric', '10000::numeric', '0.0001::numeric', '123456789.123456789::numeric',
  "'NaN'::numeric", "'Infinity'::numeric", '1e20::numeric', '-0.00000001::numeric', '99999999999999999999.99::numeric',
  "'abc'::text", "''::text", "'héllo'::varchar", "'ab'::char(4)",
  "'2024-02-29'::date", "'1999-01-01'::date", "'0001-01-01'::date", "'infinity'::date", "'-infinity'::date", "'1900-06-15'::date",
  "'2024-02-29 12:34:56.789'::timestamp", "'1970-01-01 00:00:00'::timestamp", "'1850-03-03 01:02:03.000004'::timestamp", "'infinity'::timestamp",
  "'2024-02-29 12:34:56.789+02'::timestamptz", "'2000-01-01 00:00:00+00'::timestamptz",
  "'1 year 2 months 3 days 04:05:06.789'::interval", "'-1 day'::interval", "'00:00:00.000001'::interval", "'-3 mons -4 days +05:00'::interval",
  `'{"a": [1, 2, {"b": null}], "c": "d"}'::jsonb`, "'1'::jsonb", `'"s"'::jsonb`, '26::oid',
];

const raw = { getTypeParser: () => (v: unknown) => v } as never;

async function binaryResult(c: pg.Client, expr: string): Promise<string> {
  try {
    // `binary` (all results in binary format) is a node-postgres option its types do not list
    const config = { text: `SELECT ${expr} AS v`, binary: true, types: raw, rowMode: 'array' } as unknown as pg.QueryArrayConfig;
    const r = await c.query(config);
    const v = r.rows[0][0] as Buffer | null;
    return `${r.fields[0].dataTypeID}:${v === null ? 'NULL' : v.toString('hex')}`;
  } catch (e) {
    return `ERROR ${(e as { code?: string }).code}`;
  }
}

const i32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const i64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};
const PARAMS: [string, Buffer][] = [
  ['SELECT $1::int4::text', i32(-42)],
  ['SELECT $1::int8::text', i64(-9007199254740993n)],
  ['SELECT $1::float8::text', Buffer.from('3fb999999999999a', 'hex')],
  ['SELECT $1::bool::text', Buffer.from([1])],
  ['SELECT $1::int2::text', Buffer.from('ff85', 'hex')],
  ['SELECT $1::text', Buffer.from('héllo')],
  ['SELECT $1::numeric::text', Buffer.from('0003000140000004000c0d8004d2', 'hex')],
  ['SELECT $1::numeric::text', Buffer.from('0002000000000002000100001388', 'hex')], // malformed: an error naming parameter 1
  ['SELECT $1::date::text', i32(8825)],
  ['SELECT $1::timestamp::text', i64(761704496789000n)],
  ['SELECT $1::timestamptz::text', i64(0n)],
  ['SELECT $1::interval::text', Buffer.concat([i64(14706789000n), i32(3), i32(14)])],
  ['SELECT $1::jsonb::text', Buffer.concat([Buffer.from([1]), Buffer.from('{"b":1,"a":[1,2]}')])],
  ['SELECT $1::float4::text', Buffer.from('3fc00000', 'hex')],
];

async function withParam(c: pg.Client, q: string, v: Buffer): Promise<string> {
  try {
    return String((await c.query({ text: q, values: [v], rowMode: 'array' })).rows[0][0]);
  } catch (e) {
    return `ERROR ${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
}

// Statements that fail; every field of the ErrorResponse must be PostgreSQL's.
const ERRORS = [
  'SELECT 1/0', 'SELECT nosuch FROM e', 'SELECT * FROM nosuch', 'SELEC 1', "SELECT 'x'::int", 'SELECT 2147483647 + 1',
  "INSERT INTO e VALUES (1, 'dup', 1)", 'INSERT INTO e (k) VALUES (2)', "INSERT INTO e VALUES (3, 'x', 12345.678)",
  'SELECT count(*) FROM e WHERE count(*) > 1', 'SELECT e.k FROM e, e', 'SELECT 1 + ', "SELECT 'a' + 1", 'SELECT abs()',
  'SELECT (SELECT k FROM e UNION ALL SELECT 2)', 'CREATE TABLE e (x int)', "SELECT '2024-13-01'::date", "SELECT '2023-02-30'::date",
  "SELECT 'abc'::numeric", 'SELECT sum(v) FROM e', 'SELECT 1::int2 * 40000::int2', 'DROP TABLE e',
  'SELECT * FROM e WHERE k = $1', 'SELECT k FROM e ORDER BY 5', 'SELECT k FROM e GROUP BY 3', 'UPDATE e SET nosuch = 1', 'INSERT INTO e (k, nosuch) VALUES (1, 2)',
  'SELECT k FROM e GROUP BY v', 'SELECT v, k + 1 FROM e GROUP BY v',
];
const ERROR_SETUP = ['CREATE TABLE e (k int PRIMARY KEY, v text NOT NULL, n numeric(5,2))', "INSERT INTO e VALUES (1, 'a', 1.5)", 'CREATE VIEW ev AS SELECT * FROM e'];

async function errorFields(c: pg.Client, q: string): Promise<string> {
  try {
    await c.query(q);
    return 'no error';
  } catch (e) {
    const x = e as { code?: string; message: string; position?: string; detail?: string; hint?: string };
    return JSON.stringify({ code: x.code, message: x.message, position: x.position, detail: x.detail, hint: x.hint });
  }
}

// Parse + Describe of unnamed statements: inferred parameter types and result columns
// (ParameterDescription / RowDescription: names, type OIDs, typmods).
const DESCRIBE_SETUP = 'CREATE TABLE dt (k int PRIMARY KEY, v text, n numeric(5,2), b bigint, ts timestamptz, f float8)';
const DESCRIBED = [
  'SELECT $1 + 1', 'SELECT $1', 'SELECT $1::numeric', 'INSERT INTO dt VALUES ($1, $2, $3, $4, $5, $6)', 'SELECT * FROM dt WHERE v LIKE $1',
  'SELECT k FROM dt WHERE b > $1 AND n = $2', 'UPDATE dt SET v = $1 WHERE k = $2', 'SELECT $1 || $2', 'SELECT count(*), sum(b), avg(k) FROM dt WHERE ts < $1',
  'SELECT coalesce($1, k) FROM dt', 'DELETE FROM dt WHERE f = $1 RETURNING k, v', "SELECT $1 = 'a'",
];

async function described(c: RawClient, sql: string): Promise<string> {
  c.send(serialize.parse({ name: '', text: sql, types: [] }));
  c.send(serialize.describe({ type: 'S', name: '' }));
  c.send(serialize.sync());
  const parts: string[] = [];
  for (const m of await c.readUntil('Z')) {
    if (m.type === 't') parts.push('params ' + Array.from({ length: m.body.readInt16BE(0) }, (_, i) => m.body.readInt32BE(2 + 4 * i)).join(','));
    else if (m.type === 'T') {
      let off = 2;
      const cols: string[] = [];
      for (let i = 0; i < m.body.readInt16BE(0); i++) {
        const end = m.body.indexOf(0, off);
        cols.push(`${m.body.toString('utf8', off, end)}:${m.body.readInt32BE(end + 7)}/${m.body.readInt32BE(end + 13)}`);
        off = end + 19;
      }
      parts.push('columns ' + cols.join(','));
    } else if (m.type === 'n') parts.push('no data');
    else if (m.type === 'E') parts.push('error');
  }
  return parts.join('; ');
}

describe('wire formats, compared with PostgreSQL 15', () => {
  it('Describe: parameter types and result columns as PostgreSQL infers them', async (cx) => {
    if (!real) return cx.skip();
    const socket = connect(`${SOCKET}/.s.PGSQL.5432`);
    await new Promise<void>((r) => socket.once('connect', () => r()));
    const theirs = new RawClient(socket);
    theirs.send(serialize.startup({ user: process.env.PG15_USER ?? 'root', database: 'postgres' }));
    await theirs.readUntil('Z');
    const mine = await RawClient.connect(ts.port);
    theirs.send(serialize.query(`BEGIN; ${DESCRIBE_SETUP}`)); // rolled back when the session ends
    mine.send(serialize.query(DESCRIBE_SETUP)); // (DDL in a transaction block is refused here)
    await theirs.readUntil('Z');
    await mine.readUntil('Z');
    try {
      for (const q of DESCRIBED) expect([q, await described(mine, q)]).toEqual([q, await described(theirs, q)]);
    } finally {
      theirs.end();
      mine.end();
    }
  });

  it('errors: code, message, position, detail and hint as PostgreSQL sends them', async (cx) => {
    if (!real) return cx.skip();
    await real.query('BEGIN'); // PostgreSQL's side is rolled back at the end
    try {
      for (const s of ERROR_SETUP) {
        await real.query(s);
        await ours.query(s);
      }
      for (const q of ERRORS) {
        await real.query('SAVEPOINT s');
        const theirs = await errorFields(real, q);
        await real.query('ROLLBACK TO SAVEPOINT s');
        expect([q, await errorFields(ours, q)]).toEqual([q, theirs]);
      }
    } finally {
      await real.query('ROLLBACK');
    }
  });

  it('binary result values are byte-identical', async (cx) => {
    if (!real) return cx.skip();
    for (const e of VALUES) expect([e, await binaryResult(ours, e)]).toEqual([e, await binaryResult(real, e)]);
  });

  it('binary parameters decode to the same values (and the same errors)', async (cx) => {
    if (!real) return cx.skip();
    for (const [q, v] of PARAMS) expect([q, await withParam(ours, q, v)]).toEqual([q, await withParam(real, q, v)]);
  });
});
