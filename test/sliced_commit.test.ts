// A big commit runs in slices (Engine.commitSliced): its table changes in chunks of rows and
// its view maintenance in parts of the change, pausing between them so other clients are
// served. No one sees part of it: a statement that touches data waits for it (the wire
// server) or finishes it first (a synchronous caller), and a cancel undoes it.

import { describe, expect, it } from 'vitest';
import { Database } from '../src/index.js';
import { parseSql } from '../src/sql/parser.js';

async function setup(rows: number) {
  const db = await Database.open();
  await db.query('CREATE TABLE dim (g int PRIMARY KEY, name text)');
  await db.query("INSERT INTO dim SELECT g, 'n' || g FROM generate_series(0, 99) g");
  await db.query('CREATE TABLE big (k int, g int)');
  await db.query('CREATE MATERIALIZED VIEW j AS SELECT big.k, dim.name FROM big JOIN dim ON big.g = dim.g');
  await db.query('CREATE MATERIALIZED VIEW per_g AS SELECT g, count(*) AS n, sum(k) AS s FROM big GROUP BY g');
  db.engine.readChunkRows = 1000; // many parts from a modest change
  db.engine.commitSliceMs = 0; // and a pause after each
  const insert = parseSql(`INSERT INTO big SELECT k, k % 100 FROM generate_series(1, ${rows}) k`)[0];
  return { db, insert };
}

const count = (db: Database, sql: string) => Number(db.newSession().execute(sql)[0].rows![0][0]);

describe('a commit in slices', () => {
  it('pauses between parts; a reader that comes meanwhile waits for all of it, and subscribers get it at one timestamp', async () => {
    const { db, insert } = await setup(50_000);
    const writer = db.newSession();
    let committing = 0;
    let read: Promise<{ rows?: unknown[][] }> | null = null;
    let probeDone: Promise<string> | null = null;
    const pause = async () => {
      if (db.engine.pendingCommit) committing++;
      // a SELECT that names no relation does not need the commit to end
      if (committing === 2) expect(db.newSession().execute('SELECT 1')[0].rows).toEqual([[1]]);
      if (committing === 2) expect(db.engine.pendingCommit).not.toBeNull();
      // a read of a view waits for the commit's end
      if (committing === 3) read = db.newSession().executeStatementAsync(parseSql('SELECT count(*)::int FROM j')[0], [], [], async () => {});
      // a SELECT 1 as the server runs it (an implicit block, committed at the end) does not
      if (committing === 3) {
        const probe = db.newSession();
        probe.beginImplicitBlock();
        probeDone = probe
          .executeStatementAsync(parseSql('SELECT 1')[0], [], [], async () => {})
          .then(() => probe.endImplicitBlockSliced(async () => {}))
          .then(() => (db.engine.pendingCommit ? 'before the commit ended' : 'after'));
      }
      await new Promise((r) => setImmediate(r));
    };
    const subscribed: number[] = [];
    const sub = db.subscribe('per_g', (changes) => subscribed.push(...changes.map((c) => c.timestamp)), { snapshot: false });
    expect((await writer.executeStatementAsync(insert, [], [], pause)).command).toBe('INSERT 0 50000');
    expect(committing).toBeGreaterThanOrEqual(3);
    expect((await read!).rows).toEqual([[50_000]]);
    expect(await probeDone).toBe('before the commit ended');
    expect(count(db, 'SELECT sum(n) FROM per_g')).toBe(50_000);
    // one change set: each of the 100 groups inserted once, at one timestamp
    expect(subscribed.length).toBe(100);
    expect(new Set(subscribed).size).toBe(1);
    sub.unsubscribe();
    await db.close();
  });

  it('a synchronous caller finishes a commit under way before it reads; its owner gets the outcome', async () => {
    const { db, insert } = await setup(50_000);
    let committing = 0;
    let seen = -1;
    const pause = async () => {
      if (db.engine.pendingCommit && ++committing === 3) {
        seen = count(db, 'SELECT count(*) FROM j');
        expect(db.engine.pendingCommit).toBeNull();
      }
    };
    expect((await db.newSession().executeStatementAsync(insert, [], [], pause)).command).toBe('INSERT 0 50000');
    expect(seen).toBe(50_000);
    expect(count(db, 'SELECT count(*) FROM big')).toBe(50_000);
    await db.close();
  });

  it('a cancel in a pause undoes the commit, in the tables and in every view', async () => {
    const { db, insert } = await setup(20_000);
    const writer = db.newSession();
    let committing = 0;
    const pause = async () => {
      // in the circuit's parts, after some of them have run
      if ((db.engine as unknown as { circuit: { stepUnderWay: boolean } }).circuit.stepUnderWay && ++committing === 4) throw Object.assign(new Error('canceling statement due to user request'), { code: '57014' });
    };
    const output = (db.engine.catalog.get('j') as { output: unknown }).output;
    await expect(writer.executeStatementAsync(insert, [], [], pause)).rejects.toMatchObject({ code: '57014' });
    expect(db.engine.pendingCommit).toBeNull();
    // undone by the operators' logs: the view was not rebuilt
    expect((db.engine.catalog.get('j') as { output: unknown }).output).toBe(output);
    expect(count(db, 'SELECT count(*) FROM big')).toBe(0);
    expect(count(db, 'SELECT count(*) FROM j')).toBe(0);
    expect(count(db, 'SELECT count(*) FROM per_g')).toBe(0);
    // and the views go on from there
    await db.query('INSERT INTO big VALUES (1, 1), (2, 1)');
    expect(count(db, 'SELECT n FROM per_g WHERE g = 1')).toBe(2);
    expect(count(db, 'SELECT count(*) FROM j')).toBe(2);
    await db.close();
  });

  it("a BEGIN block's COMMIT runs in slices too, and a cancel in them ends the block with nothing committed", async () => {
    const { db, insert } = await setup(50_000);
    const s = db.newSession();
    const commit = parseSql('COMMIT')[0];
    let committing = 0;
    const pause = async () => {
      if (db.engine.pendingCommit) committing++;
    };
    s.execute('BEGIN');
    await s.executeStatementAsync(insert, [], [], pause);
    expect(committing).toBe(0);
    expect((await s.executeStatementAsync(commit, [], [], pause)).command).toBe('COMMIT');
    expect(committing).toBeGreaterThan(3);
    expect(count(db, 'SELECT count(*) FROM j')).toBe(50_000);
    // cancelled
    s.execute('BEGIN');
    await s.executeStatementAsync(insert, [], [], pause);
    const cancel = async () => {
      if (db.engine.pendingCommit) throw Object.assign(new Error('canceling statement due to user request'), { code: '57014' });
    };
    await expect(s.executeStatementAsync(commit, [], [], cancel)).rejects.toMatchObject({ code: '57014' });
    expect(s.transactionStatus).toBe('I');
    expect(count(db, 'SELECT count(*) FROM j')).toBe(50_000);
    expect(count(db, 'SELECT sum(n) FROM per_g')).toBe(50_000);
    await db.close();
  });

  it('a view that fails in a late part undoes every part', async () => {
    const { db, insert } = await setup(20_000);
    await db.query('CREATE MATERIALIZED VIEW poison AS SELECT k, 1 / (k - 19999) AS q FROM big');
    const writer = db.newSession();
    await expect(writer.executeStatementAsync(insert, [], [], async () => {})).rejects.toMatchObject({ code: '22012' });
    for (const v of ['big', 'j', 'per_g', 'poison']) expect(count(db, `SELECT count(*) FROM ${v}`), v).toBe(0);
    await db.close();
  });
});
