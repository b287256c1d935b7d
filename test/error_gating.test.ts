// Gated errors (dataflow/gated_errors.ts) through the engine's other paths: a view created over
// data that already holds a failing row behind a closed gate, the rebuild after a failed commit,
// chunked reads, subscriptions. The SQL-level behaviour is in sql-tests/error_gating.slt.
import { describe, expect, it } from 'vitest';
import { Database } from '../src/index.js';

const EXISTS_VIEW = "SELECT a.k FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.k = a.k AND b.d - b.d >= 0)";

async function setup(): Promise<Database> {
  const db = await Database.open();
  await db.query('CREATE TABLE a (k int)');
  await db.query('CREATE TABLE b (k int, d date)');
  return db;
}

async function code(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (e) {
    return (e as { code?: string }).code ?? 'unknown';
  }
}

describe('gated errors', () => {
  it('a view created over a failing row behind a closed gate, then the gate opening', async () => {
    const db = await setup();
    await db.query("INSERT INTO b VALUES (1, 'infinity'), (2, '2020-01-01')");
    await db.query(`CREATE MATERIALIZED VIEW v AS ${EXISTS_VIEW}`);
    expect(await code(db.query('INSERT INTO a VALUES (2)'))).toBe('22008');
    expect((await db.query('SELECT count(*) AS n FROM a')).rows[0].n).toBe(0n);
    // the failed commit rebuilt every view: the closed gate still holds the recorded error
    await db.query("DELETE FROM b WHERE d = 'infinity'");
    await db.query('INSERT INTO a VALUES (2)');
    expect((await db.query('SELECT * FROM v')).rows).toEqual([{ k: 2 }]);
    // and the creation of a view whose gate is open fails, changing nothing
    await db.query('DROP MATERIALIZED VIEW v');
    await db.query("INSERT INTO b VALUES (3, 'infinity')");
    expect(await code(db.query(`CREATE MATERIALIZED VIEW v AS ${EXISTS_VIEW}`))).toBe('22008');
    expect(await code(db.query('SELECT * FROM v'))).toBe('42P01');
    await db.query('DELETE FROM a');
    await db.query(`CREATE MATERIALIZED VIEW v AS ${EXISTS_VIEW}`);
    expect(await code(db.query('INSERT INTO a VALUES (8)'))).toBe('22008');
  });

  it('a failing row inserted and deleted in one transaction leaves nothing recorded', async () => {
    const db = await setup();
    await db.query(`CREATE MATERIALIZED VIEW v AS ${EXISTS_VIEW}`);
    await db.query('BEGIN');
    await db.query("INSERT INTO b VALUES (1, 'infinity')");
    await db.query("DELETE FROM b WHERE d = 'infinity'");
    await db.query('COMMIT');
    await db.query('INSERT INTO a VALUES (1)');
    await db.query("INSERT INTO b VALUES (1, '2020-01-02')");
    expect((await db.query('SELECT * FROM v')).rows).toEqual([{ k: 1 }]);
  });

  it('a failing row counted twice needs both deletions', async () => {
    const db = await setup();
    await db.query(`CREATE MATERIALIZED VIEW v AS ${EXISTS_VIEW}`);
    await db.query("INSERT INTO b VALUES (1, 'infinity'), (1, 'infinity'), (2, '-infinity')");
    await db.query("DELETE FROM b WHERE d = '-infinity'");
    expect(await code(db.query('INSERT INTO a VALUES (1)'))).toBe('22008');
    await db.query("DELETE FROM b WHERE d = 'infinity'");
    await db.query('INSERT INTO a VALUES (1)');
    expect((await db.query('SELECT * FROM v')).rows).toEqual([]);
  });

  it('nested gates: each enclosing subquery must have outer rows', async () => {
    const db = await setup();
    await db.query('CREATE TABLE c (k int)');
    const q = "SELECT c.k FROM c WHERE c.k IN (SELECT a.k FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.k = a.k AND b.d - b.d > 0))";
    await db.query(`CREATE MATERIALIZED VIEW v AS ${q}`);
    await db.query("INSERT INTO b VALUES (1, 'infinity')");
    // a has rows but c does not: the middle subquery is not read, nor the inner one
    await db.query('INSERT INTO a VALUES (1)');
    expect(await code(db.query(q))).toBe(null);
    expect(await code(db.query('INSERT INTO c VALUES (1)'))).toBe('22008');
    expect(await code(db.query('DELETE FROM a'))).toBe(null);
    await db.query('INSERT INTO c VALUES (1)');
    expect((await db.query('SELECT * FROM v')).rows).toEqual([]);
  });

  it('a chunked read raises an error as soon as its gate opens, and only then', async () => {
    const db = await setup();
    db.engine.readChunkRows = 100;
    await db.query("INSERT INTO b VALUES (1, 'infinity')");
    expect(await code(db.query(EXISTS_VIEW))).toBe(null);
    await db.insert('a', Array.from({ length: 1000 }, (_, i) => [i + 10]));
    // the view would be rejected, but a read sees the rows and fails like PostgreSQL
    expect(await code(db.query(EXISTS_VIEW))).toBe('22008');
  });

  it('a subscription to a view sees nothing of a rejected write', async () => {
    const db = await setup();
    await db.query(`CREATE MATERIALIZED VIEW v AS ${EXISTS_VIEW}`);
    const seen: unknown[] = [];
    const sub = db.subscribe('v', (ch) => seen.push(ch), { snapshot: false } as never);
    await db.query("INSERT INTO b VALUES (1, 'infinity'), (2, '2020-01-01')");
    expect(await code(db.query('INSERT INTO a VALUES (2)'))).toBe('22008');
    expect(seen.length).toBe(0);
    await db.query("DELETE FROM b WHERE d = 'infinity'");
    await db.query('INSERT INTO a VALUES (2)');
    expect(seen.length).toBe(1);
    sub.unsubscribe();
  });
});
