// Serving reads over the wire: prepared statements (plans cached per statement) and index
// reads through node-postgres, and Parse/Describe that bind without reading any row.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import { startTestServer, type TestServer } from './support.js';
import { TableStore } from '../../src/storage/table_store.js';

let ts: TestServer;
let client: pg.Client;

beforeAll(async () => {
  ts = await startTestServer({}, [
    'CREATE TABLE acct (aid int PRIMARY KEY, abalance int NOT NULL, tag text)',
    "INSERT INTO acct SELECT g, g % 100, 'x' || (g % 7) FROM generate_series(1, 5000) g",
    'CREATE INDEX acct_tag ON acct (tag, abalance)',
    'CREATE MATERIALIZED VIEW by_tag AS SELECT tag, count(*) AS n, sum(abalance) AS s FROM acct GROUP BY tag',
    'CREATE INDEX by_tag_tag ON by_tag (tag)',
  ]);
  client = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'u', database: 'd' });
  await client.connect();
});

afterAll(async () => {
  await client.end();
  await ts.close();
});

describe('serving reads', () => {
  it('prepared point, range and view lookups return what a full scan returns', async () => {
    const point = { name: 'point', text: 'SELECT abalance, tag FROM acct WHERE aid = $1' };
    const range = { name: 'range', text: 'SELECT aid FROM acct WHERE aid BETWEEN $1 AND $1 + 9 ORDER BY aid' };
    const view = { name: 'view', text: 'SELECT n, s FROM by_tag WHERE tag = $1' };
    for (const aid of [1, 77, 5000, 5001, -1]) {
      const got = await client.query({ ...point, values: [aid] });
      expect(got.rows).toEqual(aid >= 1 && aid <= 5000 ? [{ abalance: aid % 100, tag: `x${aid % 7}` }] : []);
      const r = await client.query({ ...range, values: [aid] });
      expect(r.rows.map((x) => x.aid)).toEqual(Array.from({ length: 10 }, (_, i) => aid + i).filter((a) => a >= 1 && a <= 5000));
    }
    const v = await client.query({ ...view, values: ['x3'] });
    const want = await client.query("SELECT count(*)::bigint AS n, sum(abalance) AS s FROM acct WHERE tag = 'x3'");
    expect(v.rows).toEqual(want.rows);
    // a write is seen by the next execution of the same prepared statements
    await client.query("UPDATE acct SET abalance = 1000, tag = 'x3' WHERE aid = 77");
    expect((await client.query({ ...point, values: [77] })).rows).toEqual([{ abalance: 1000, tag: 'x3' }]);
    const v2 = await client.query({ ...view, values: ['x3'] });
    expect(v2.rows).toEqual((await client.query("SELECT count(*)::bigint AS n, sum(abalance) AS s FROM acct WHERE tag = 'x3'")).rows);
  });

  it('a cached plan is not used after the catalog changes', async () => {
    const q = { name: 'star', text: 'SELECT * FROM t2 WHERE k = $1' };
    await client.query('CREATE TABLE t2 (k int PRIMARY KEY, a int)');
    await client.query('INSERT INTO t2 VALUES (1, 2)');
    expect((await client.query({ ...q, values: [1] })).rows).toEqual([{ k: 1, a: 2 }]);
    await client.query('DROP TABLE t2');
    await client.query('CREATE TABLE t2 (k int PRIMARY KEY, b text, a int)');
    await client.query("INSERT INTO t2 VALUES (1, 'b', 3)");
    // PostgreSQL says "cached plan must not change result type" (0A000) here; a fresh bind
    // with the new columns is what we give, never the old plan over the new table
    const after = await client.query({ ...q, values: [1] }).then(
      (r) => r.rows,
      (e) => e.code,
    );
    expect([[{ k: 1, b: 'b', a: 3 }], '0A000']).toContainEqual(after);
  });

  it('PREPARE and EXECUTE over the wire, in both protocols', async () => {
    await client.query('PREPARE bal (int) AS SELECT abalance FROM acct WHERE aid = $1');
    expect((await client.query('EXECUTE bal (5)')).rows).toEqual([{ abalance: 5 }]);
    expect((await client.query({ text: 'EXECUTE bal ($1)', values: [6] })).rows).toEqual([{ abalance: 6 }]);
    await client.query('DEALLOCATE bal');
    await expect(client.query('EXECUTE bal (5)')).rejects.toMatchObject({ code: '26000' });
  });

  it('EXPLAIN names the index used', async () => {
    const r = await client.query('EXPLAIN SELECT * FROM acct WHERE tag = $1 AND abalance > 5');
    expect(r.rows.map((x) => x['QUERY PLAN']).join('\n')).toContain('Index Scan using acct_tag on acct (#2 = $1, #1 > 5::int4)');
  });

  it('Parse and Describe of UPDATE/DELETE/INSERT … SELECT read no row', async () => {
    const reads = vi.spyOn(TableStore.prototype, 'row');
    const scans = vi.spyOn(TableStore.prototype, 'scan');
    try {
      const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'u', database: 'd' });
      await c.connect();
      // node-postgres sends Parse/Describe for a named statement without values only on first use;
      // a query with an error in its values never reaches Execute
      for (const text of [
        'UPDATE acct SET abalance = abalance + 1 WHERE aid = $1',
        'DELETE FROM acct WHERE aid = $1 RETURNING aid',
        'INSERT INTO acct SELECT aid + 100000, abalance, tag FROM acct WHERE aid = $1',
      ]) {
        reads.mockClear();
        scans.mockClear();
        await expect(c.query({ name: text.slice(0, 6), text, values: ['not a number'] })).rejects.toMatchObject({ code: '22P02' });
        expect(reads).not.toHaveBeenCalled();
        expect(scans).not.toHaveBeenCalled();
      }
      await c.end();
    } finally {
      reads.mockRestore();
      scans.mockRestore();
    }
  });
});

describe('Unix-domain socket', () => {
  it('serves psql and node-postgres on DIR/.s.PGSQL.<port>, and removes the file on close', async () => {
    const { mkdtempSync, existsSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const dir = mkdtempSync(join(tmpdir(), 'trib-sock-'));
    const s = await startTestServer({ unixSocketDir: dir }, ['CREATE TABLE u (k int PRIMARY KEY)', 'INSERT INTO u VALUES (7)']);
    const path = join(dir, `.s.PGSQL.${s.port}`);
    expect(existsSync(path)).toBe(true);
    const c = new pg.Client({ host: dir, port: s.port, user: 'u', database: 'd' });
    await c.connect();
    expect((await c.query('SELECT k FROM u WHERE k = 7')).rows).toEqual([{ k: 7 }]);
    await c.end();
    let psqlOut: string | null = null;
    try {
      // not execFileSync: the server runs in this process
      psqlOut = (await promisify(execFile)('psql', ['-h', dir, '-p', String(s.port), '-U', 'u', '-d', 'd', '-Atc', 'SELECT count(*) FROM u'])).stdout;
    } catch (e: any) {
      if (e.code !== 'ENOENT') throw e; // psql not installed here
    }
    if (psqlOut !== null) expect(psqlOut.trim()).toBe('1');
    await s.close();
    expect(existsSync(path)).toBe(false);
  });
});
