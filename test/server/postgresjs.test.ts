// The server through postgres.js, which uses the extended protocol throughout (Parse with
// Describe of the statement first, then Bind with binary parameters where it knows the types).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { startTestServer, type TestServer } from './support.js';

let ts: TestServer;
let sql: postgres.Sql;

beforeAll(async () => {
  ts = await startTestServer({}, [
    'CREATE TABLE acct (id int PRIMARY KEY, owner text NOT NULL, balance numeric(12,2) NOT NULL, opened date, meta jsonb)',
    "INSERT INTO acct VALUES (1, 'ann', 100.50, '2024-01-01', '{\"vip\": true}'), (2, 'ben', 20, '2024-02-01', NULL)",
    'CREATE MATERIALIZED VIEW total AS SELECT sum(balance) AS s, count(*) AS n FROM acct',
  ]);
  // the default fetch_types: true: postgres.js reads array types from pg_catalog.pg_type on connect
  sql = postgres({ host: '127.0.0.1', port: ts.port, user: 'pgjs', database: 'bank', max: 4, onnotice: () => {} });
});

afterAll(async () => {
  await sql.end({ timeout: 1 });
  await ts.close();
});

describe('postgres.js', () => {
  it('discovers array types at connect (fetch_types) and parses array results', async () => {
    const [{ a, t }] = await sql`SELECT ARRAY[1, 2] AS a, ARRAY['x', 'y z'] AS t`;
    expect(a).toEqual([1, 2]);
    expect(t).toEqual(['x', 'y z']);
  });

  it('runs queries with parameters', async () => {
    const rows = await sql`SELECT id, owner, balance, opened FROM acct WHERE id = ${1}`;
    expect(rows.length).toBe(1);
    expect(rows[0]).toMatchObject({ id: 1, owner: 'ann', balance: '100.50' });
    expect(rows[0].opened).toBeInstanceOf(Date);
    const two = await sql`SELECT owner FROM acct WHERE owner = ${'ben'} OR balance > ${50} ORDER BY owner`;
    expect(two.map((r) => r.owner)).toEqual(['ann', 'ben']);
    const meta = await sql`SELECT meta FROM acct WHERE id = ${1}`;
    expect(meta[0].meta).toEqual({ vip: true });
    const [{ x }] = await sql`SELECT ${'7'}::int8 + 1 AS x`;
    expect(String(x)).toBe('8');
  });

  it('inserts with parameters and RETURNING, and reports errors', async () => {
    const [r] = await sql`INSERT INTO acct (id, owner, balance) VALUES (${3}, ${'cy'}, ${12.25}) RETURNING id, balance`;
    expect(r).toEqual({ id: 3, balance: '12.25' });
    await expect(sql`INSERT INTO acct (id, owner, balance) VALUES (${3}, ${'dup'}, ${1})`).rejects.toMatchObject({ code: '23505' });
    await expect(sql`SELECT * FROM nosuch`).rejects.toMatchObject({ code: '42P01' });
    const [{ n }] = await sql`SELECT n FROM total`;
    expect(String(n)).toBe('3');
  });

  it('runs transactions', async () => {
    await sql.begin(async (tx) => {
      await tx`UPDATE acct SET balance = balance - ${10} WHERE id = ${1}`;
      await tx`UPDATE acct SET balance = balance + ${10} WHERE id = ${2}`;
    });
    const rows = await sql`SELECT id, balance FROM acct WHERE id IN (1, 2) ORDER BY id`;
    expect(rows.map((r) => r.balance)).toEqual(['90.50', '30.00']);
    await expect(
      sql.begin(async (tx) => {
        await tx`UPDATE acct SET balance = 0 WHERE id = ${1}`;
        await tx`SELECT 1 / ${0}::int`;
      }),
    ).rejects.toMatchObject({ code: '22012' });
    const [{ balance }] = await sql`SELECT balance FROM acct WHERE id = ${1}`;
    expect(balance).toBe('90.50');
  });

  it('runs simple-protocol multi-statement strings with unsafe', async () => {
    const rs = await sql.unsafe('SELECT 1 AS a; SELECT 2 AS b');
    expect(rs.length).toBe(2);
  });
});
