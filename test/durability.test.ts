// A data directory keeps everything a restart needs: the catalog, every committed change,
// and the positions of sources. Reopening it gives back the same tables and views, and the
// log's damage (a torn tail) is repaired and reported.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Database } from '../src/index.js';
import { crash } from './support/crash.js';

let dir: string;
const logs: string[] = [];
const open = (o: { synchronousCommit?: boolean } = {}) => Database.open({ dataDir: dir, log: (l) => logs.push(l), ...o });

/** Every table's and view's rows, as text, sorted: what must survive a restart. */
async function contents(db: Database): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  const rels = (await db.query(`SELECT relname FROM pg_class WHERE relkind IN ('r', 'm') AND relnamespace = 'public'::regnamespace ORDER BY 1`)).rows as { relname: string }[];
  for (const { relname } of rels) {
    const r = await db.query(`SELECT * FROM "${relname}"`, [], { format: 'text' });
    out[relname] = r.rows.map((row) => JSON.stringify(row)).sort();
  }
  return out;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-durable-'));
  logs.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('data directory', () => {
  it('keeps tables, views, indexes and every kind of change across a restart', async () => {
    let db = await open();
    await db.query(`CREATE TABLE t (id int PRIMARY KEY, n numeric, f float8, ts timestamptz DEFAULT '2024-01-02 03:04:05', j jsonb, i interval, big bigint, s text)`);
    await db.query('CREATE TABLE plain (k int, v text)');
    await db.query('CREATE UNIQUE INDEX plain_v ON plain (v)');
    await db.query(`INSERT INTO t (id, n, f, j, i, big, s) VALUES
      (1, 1.0, -0.0, '{"a": [1, 2.50]}', '1 mon 2 days 00:00:03.5', 9007199254740993, 'x'),
      (2, 1.00, 'NaN', 'null', '-1 day', -5, NULL),
      (3, 'NaN', 'Infinity', '"s"', '0', 0, 'ü ''q''')`);
    await db.query(`INSERT INTO plain VALUES (1, 'a'), (1, 'b'), (2, 'c'), (2, NULL), (2, NULL)`);
    await db.query('CREATE MATERIALIZED VIEW sums AS SELECT k, count(*) AS c, max(v) AS vs FROM plain GROUP BY k');
    await db.query('CREATE MATERIALIZED VIEW joined AS SELECT t.id, t.n, p.v FROM t LEFT JOIN plain p ON p.k = t.id');
    await db.query('CREATE INDEX sums_k ON sums (k)');
    await db.query('CREATE VIEW v AS SELECT id, s FROM t WHERE id > 1');
    await db.query("UPDATE t SET n = n * 2, s = s || '!' WHERE id <> 2");
    await db.query("DELETE FROM plain WHERE v = 'b'");
    await db.query('DELETE FROM plain WHERE v IS NULL AND k = 2'); // two equal rows without a key
    await db.query('INSERT INTO plain VALUES (3, NULL)');
    await db.query('CREATE TABLE copied AS SELECT id, n * 3 AS n3, random() AS r FROM t');
    await db.query('CREATE TABLE gone (x int)');
    await db.query('DROP TABLE gone');
    // a block with DDL, a savepoint rolled back, and a rollback
    await db.query('BEGIN');
    await db.query('CREATE TABLE b1 (x int)');
    await db.query('INSERT INTO b1 VALUES (1)');
    await db.query('SAVEPOINT s');
    await db.query('CREATE TABLE b2 (x int)');
    await db.query('ROLLBACK TO SAVEPOINT s');
    await db.query('CREATE MATERIALIZED VIEW b1v AS SELECT sum(x) AS s FROM b1');
    await db.query('COMMIT');
    await db.query('BEGIN');
    await db.query('CREATE TABLE rolled (x int)');
    await db.query('INSERT INTO t (id) VALUES (99)');
    await db.query('ROLLBACK');
    db.insert('plain', [[4, 'via insert'], { k: 5, v: 'object' }]);
    await db.query('CREATE TABLE tr (x int)');
    await db.query('INSERT INTO tr SELECT g FROM generate_series(1, 1000) g');
    await db.query('TRUNCATE tr');
    await db.query('INSERT INTO tr VALUES (7)');
    const before = await contents(db);
    await db.close();

    db = await open();
    expect(await contents(db)).toEqual(before);
    expect(before.b2).toBeUndefined();
    expect(before.rolled).toBeUndefined();
    // the index and the plain view are back, and it goes on from there
    expect((await db.query('EXPLAIN SELECT * FROM sums WHERE k = 1')).rows.map((r) => Object.values(r)[0]).join('\n')).toMatch(/sums_k/);
    expect((await db.query('SELECT * FROM v ORDER BY id')).rows.length).toBe(2);
    await expect(db.query(`INSERT INTO plain VALUES (9, 'a')`)).rejects.toThrow(/duplicate key/);
    await db.query(`INSERT INTO plain VALUES (1, 'z')`);
    const after = await contents(db);
    await db.close();
    db = await open();
    expect(await contents(db)).toEqual(after);
    expect(logs.some((l) => /restored the checkpoint at log position/.test(l))).toBe(true);
    await db.close();
  });

  it('refuses a second opening of the same directory', async () => {
    const db = await open();
    await expect(open()).rejects.toMatchObject({ code: '55006' });
    await db.close();
    const again = await open();
    await again.close();
  });

  it('repairs a torn log tail: the last whole commit is kept, and says so', async () => {
    let db = await open();
    await db.query('CREATE TABLE t (x int)');
    for (let i = 1; i <= 5; i++) await db.query('INSERT INTO t VALUES ($1)', [i]);
    await crash(db); // no checkpoint covers the log
    const wal = join(dir, 'wal');
    const seg = join(wal, readdirSync(wal).sort().pop()!);
    truncateSync(seg, statSync(seg).size - 3); // the last commit is cut short
    db = await open();
    expect((await db.query('SELECT x FROM t ORDER BY x')).rows.map((r) => r.x)).toEqual([1, 2, 3, 4]);
    expect(logs.some((l) => /WAL recovery/.test(l))).toBe(true);
    await db.query('INSERT INTO t VALUES (6)');
    await db.close();
    db = await open();
    expect((await db.query('SELECT x FROM t ORDER BY x')).rows.map((r) => r.x)).toEqual([1, 2, 3, 4, 6]);
    await db.close();
  });

  it('resumes a generator source after the rows it had applied: none twice, none skipped', async () => {
    let db = await open();
    await db.query(`CREATE TABLE g (id bigint, x int) WITH (connector = 'datagen', id.kind = 'sequence', id.start = 1, id.end = 50000, max_batch_rows = 1000, rows_per_second = 20000)`);
    await db.query('CREATE MATERIALIZED VIEW gc AS SELECT count(*) AS n, count(DISTINCT id) AS d FROM g');
    await new Promise((r) => setTimeout(r, 300));
    await db.close();
    db = await open();
    const deadline = Date.now() + 20_000;
    let row: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      row = (await db.query('SELECT n, d FROM gc')).rows[0];
      if (Number(row.n) >= 50000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(row).toEqual({ n: 50000n, d: 50000n });
    await db.close();
  }, 30_000);
});

describe('a commit whose log record cannot be written', () => {
  it('fails with the write error and leaves tables and views as they were; the next commit goes on', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (k int PRIMARY KEY, v int)');
    await db.query('CREATE MATERIALIZED VIEW s AS SELECT sum(v) AS s, count(*) AS n FROM t');
    await db.query('CREATE MATERIALIZED VIEW j AS SELECT a.k, b.v FROM t a JOIN t b ON a.v = b.k');
    await db.query('INSERT INTO t VALUES (1, 1), (2, 1)');
    let full = true;
    const appended: unknown[] = [];
    db.engine.wal = {
      append: (r) => {
        if (full) throw Object.assign(new Error('could not write to file "wal": No space left on device'), { code: '53100' });
        appended.push(r);
        return appended.length;
      },
      durable: () => null,
      fail: () => {},
      failedAt: null,
      failure: null,
    };
    const before = { t: (await db.query('SELECT * FROM t ORDER BY k')).rows, s: (await db.query('SELECT * FROM s')).rows, j: (await db.query('SELECT * FROM j ORDER BY k')).rows };
    await expect(db.query('INSERT INTO t VALUES (3, 2)')).rejects.toThrow(/No space left/);
    await expect(db.query('UPDATE t SET v = 2 WHERE k = 1')).rejects.toThrow(/No space left/);
    expect(() => db.insert('t', [[4, 4]])).toThrow(/No space left/);
    expect({ t: (await db.query('SELECT * FROM t ORDER BY k')).rows, s: (await db.query('SELECT * FROM s')).rows, j: (await db.query('SELECT * FROM j ORDER BY k')).rows }).toEqual(before);
    full = false;
    await db.query('INSERT INTO t VALUES (3, 2)');
    expect((await db.query('SELECT * FROM s')).rows).toEqual([{ s: 4n, n: 3n }]);
    expect(appended).toHaveLength(1);
    await db.close();
  });
});

describe('subscriptions of an embedded database on a data directory', () => {
  it('get a change only once its commit is durable, in order', async () => {
    const db = await open();
    await db.query('CREATE TABLE t (k int)');
    await db.query('CREATE MATERIALIZED VIEW c AS SELECT count(*) AS n FROM t');
    const seen: string[] = [];
    const sub = db.subscribe<{ n: bigint }>('c', (changes) => seen.push(changes.map((c) => `${c.diff > 0 ? '+' : '-'}${c.row.n}`).join(' ')), { snapshot: false });
    const real = db.engine.wal!;
    const held: (() => void)[] = [];
    db.engine.wal = { ...real, append: (r) => real.append(r), durable: () => new Promise<void>((resolve) => held.push(resolve)), fail: (e) => real.fail(e), failedAt: real.failedAt, failure: real.failure };
    db.insert('t', [[1]]);
    db.insert('t', [[2]]);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen, 'delivered before durable').toEqual([]);
    for (const release of held.splice(0)) release();
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['-0 +1', '-1 +2']);
    db.engine.wal = real;
    sub.unsubscribe();
    await db.close();
  });
});

describe('replaying deletes from a table without a key', () => {
  it('finds each deleted row by its exact values, duplicates and representations apart (property)', async () => {
    const values = fc.record({
      n: fc.constantFrom('1.5', '1.50', '0', "'NaN'", 'NULL'),
      f: fc.constantFrom('0', "'-0'", "'NaN'", '2.5', 'NULL'),
      s: fc.constantFrom("'a'", "'b'", "''", 'NULL'),
    });
    const stmt = fc.oneof(
      fc.array(values, { minLength: 1, maxLength: 4 }).map((rows) => `INSERT INTO k VALUES ${rows.map((r) => `(${r.n}, ${r.f}, ${r.s})`).join(', ')}`),
      values.map((r) => `DELETE FROM k WHERE n IS NOT DISTINCT FROM ${r.n}::numeric AND s IS NOT DISTINCT FROM ${r.s}`),
      values.map((r) => `UPDATE k SET s = 'u' WHERE f IS NOT DISTINCT FROM ${r.f}::float8`),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(stmt, { minLength: 1, maxLength: 12 }), async (stmts) => {
        rmSync(dir, { recursive: true, force: true });
        const twin = await Database.open();
        let db = await open();
        const content = async (d: Database) => (await d.query("SELECT coalesce(n::text, '-') || '/' || coalesce(f::text, '-') || '/' || coalesce(s, '-') AS r FROM k", [], { format: 'text' })).rows.map((r) => (r as { r: string }).r).sort();
        try {
          for (const d of [db, twin]) await d.query('CREATE TABLE k (n numeric, f float8, s text)');
          for (const sql of stmts) {
            await db.query(sql);
            await twin.query(sql);
          }
          await crash(db); // no checkpoint: the whole log is replayed
          db = await open();
          expect(await content(db)).toEqual(await content(twin));
        } finally {
          await db.close();
          await twin.close();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
