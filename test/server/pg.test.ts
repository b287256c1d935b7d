// The server through node-postgres (simple and extended protocol, as a real driver uses them).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startTestServer, type TestServer } from './support.js';

let ts: TestServer;
const clients: pg.Client[] = [];

async function client(extra: Partial<pg.ClientConfig> = {}): Promise<pg.Client> {
  const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'alice', database: 'shop', ...extra });
  await c.connect();
  clients.push(c);
  return c;
}

beforeAll(async () => {
  ts = await startTestServer({}, [
    'CREATE TABLE t (k int PRIMARY KEY, v text)',
    "INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')",
    'CREATE MATERIALIZED VIEW tc AS SELECT count(*) AS n FROM t',
  ]);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.end().catch(() => {})));
  await ts.close();
});

describe('node-postgres', () => {
  it('runs simple queries with PostgreSQL types and command tags', async () => {
    const c = await client();
    const r = await c.query('SELECT k, v FROM t ORDER BY k');
    expect(r.rows).toEqual([{ k: 1, v: 'one' }, { k: 2, v: 'two' }, { k: 3, v: 'three' }]);
    expect(r.fields.map((f) => [f.name, f.dataTypeID])).toEqual([['k', 23], ['v', 25]]);
    expect(r.command).toBe('SELECT');
    expect(r.rowCount).toBe(3);
    const info = await c.query('SELECT current_user AS u, current_database() AS d, current_schema() AS s, version() AS v');
    expect(info.rows[0]).toMatchObject({ u: 'alice', d: 'shop', s: 'public' });
    expect(info.rows[0].v).toMatch(/^PostgreSQL 15\.0 \(Tributary /);
  });

  it('runs multi-statement strings as one implicit transaction', async () => {
    const c = await client();
    const rs = (await c.query("INSERT INTO t VALUES (10, 'ten'); SELECT count(*)::int AS n FROM t")) as unknown as pg.QueryResult[];
    expect(rs.map((r) => r.command)).toEqual(['INSERT', 'SELECT']);
    expect(rs[1].rows[0].n).toBe(4);
    // an error rolls back the statements before it in the same message
    await expect(c.query("INSERT INTO t VALUES (11, 'eleven'); SELECT 1/0")).rejects.toMatchObject({ code: '22012' });
    expect((await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(4);
    // BEGIN inside a message turns the implicit transaction into an explicit block
    await c.query("INSERT INTO t VALUES (12, 'twelve'); BEGIN; INSERT INTO t VALUES (13, 'thirteen')");
    await c.query('ROLLBACK');
    expect((await c.query('SELECT count(*)::int AS n FROM t WHERE k >= 12')).rows[0].n).toBe(0);
    await c.query('DELETE FROM t WHERE k = 10');
  });

  it('runs parameterized queries and named prepared statements', async () => {
    const c = await client();
    expect((await c.query('SELECT v FROM t WHERE k = $1', [2])).rows).toEqual([{ v: 'two' }]);
    expect((await c.query('SELECT $1::int + 1 AS x, $2 AS s', ['41', 'hello'])).rows).toEqual([{ x: 42, s: 'hello' }]);
    await c.query('INSERT INTO t VALUES ($1, $2)', [20, 'twenty']);
    const r = await c.query('DELETE FROM t WHERE k = $1 RETURNING v', [20]);
    expect(r.rows).toEqual([{ v: 'twenty' }]);
    expect(r.command).toBe('DELETE');
    for (const k of [1, 3]) {
      const q = await c.query({ name: 'by_key', text: 'SELECT k, v FROM t WHERE k = $1', values: [k] });
      expect(q.rows).toEqual([{ k, v: k === 1 ? 'one' : 'three' }]);
    }
    expect((await c.query('SELECT $1::int IS NULL AS n', [null])).rows).toEqual([{ n: true }]);
  });

  it('returns binary results that decode like the text ones', async () => {
    const c = await client();
    const sql = `SELECT 1::int2 AS a, -2::int4 AS b, 9007199254740993::int8 AS c, 1.5::float8 AS d, 0.25::float4 AS e,
      true AS f, 'x'::text AS g, 'y'::varchar AS h, -12.345::numeric AS i, timestamptz '2024-01-02 03:04:05.678+00' AS j,
      NULL::int AS k`;
    const text = (await c.query(sql)).rows[0];
    const bin = (await c.query({ text: sql, binary: true } as any)).rows[0];
    expect(bin).toEqual(text);
  });

  it('reports errors with SQLSTATE, position, detail and hint', async () => {
    const c = await client();
    await expect(c.query('SELECT nosuch FROM t')).rejects.toMatchObject({ code: '42703', position: '8', severity: 'ERROR' });
    await expect(c.query('SELEC 1')).rejects.toMatchObject({ code: '42601', position: '1' });
    await expect(c.query("INSERT INTO t VALUES (1, 'dup')")).rejects.toMatchObject({ code: '23505', detail: 'Key (k)=(1) already exists.' });
    await expect(c.query('SELECT $1::int', ['abc'])).rejects.toMatchObject({ code: '22P02' });
    // the connection is still usable
    expect((await c.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('keeps transactions per connection and reports aborted blocks', async () => {
    const a = await client();
    const b = await client();
    await a.query('BEGIN');
    await a.query("INSERT INTO t VALUES (30, 'thirty')");
    expect((await a.query('SELECT count(*)::int AS n FROM t WHERE k = 30')).rows[0].n).toBe(1);
    expect((await b.query('SELECT count(*)::int AS n FROM t WHERE k = 30')).rows[0].n).toBe(0);
    await expect(a.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
    await expect(a.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    expect((await a.query('COMMIT')).command).toBe('ROLLBACK');
    expect((await b.query('SELECT n::int FROM tc')).rows[0].n).toBe(3);
    await a.query('BEGIN');
    await a.query("INSERT INTO t VALUES (31, 'x')");
    await a.query('COMMIT');
    expect((await b.query('SELECT n::int FROM tc')).rows[0].n).toBe(4);
    await b.query('DELETE FROM t WHERE k = 31');
  });

  it('sends warnings as notices', async () => {
    const c = await client();
    const notices: any[] = [];
    c.on('notice', (n) => notices.push(n));
    await c.query('COMMIT');
    expect(notices).toMatchObject([{ severity: 'WARNING', code: '25P01', message: 'there is no transaction in progress' }]);
  });

  it('supports SET, SHOW, RESET and DISCARD ALL', async () => {
    const c = await client({ application_name: 'tests' } as any);
    expect((await c.query('SHOW application_name')).rows).toEqual([{ application_name: 'tests' }]);
    await c.query("SET application_name = 'other'");
    expect((await c.query('SHOW application_name')).rows).toEqual([{ application_name: 'other' }]);
    await c.query('RESET application_name');
    expect((await c.query('SHOW application_name')).rows).toEqual([{ application_name: '' }]);
    await c.query('SET extra_float_digits = 3');
    expect((await c.query('DISCARD ALL')).command).toBe('DISCARD');
    expect((await c.query('SHOW extra_float_digits')).rows).toEqual([{ extra_float_digits: '1' }]);
    await expect(c.query("SET TimeZone = 'Europe/Berlin'")).rejects.toMatchObject({ code: '0A000' });
  });

  it('serves many concurrent clients, each with its own session', async () => {
    const cs = await Promise.all(Array.from({ length: 16 }, () => client()));
    await Promise.all(
      cs.map(async (c, i) => {
        await c.query('BEGIN');
        await c.query('INSERT INTO t VALUES ($1, $2)', [100 + i, `c${i}`]);
        const r = await c.query('SELECT count(*)::int AS n FROM t WHERE k >= 100');
        expect(r.rows[0].n).toBe(1); // sees only its own uncommitted row
        await c.query('ROLLBACK');
      }),
    );
    await Promise.all(cs.map((c) => c.end()));
  });
});
