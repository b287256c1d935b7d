// Checkpoints: a database on a data directory restarts from its newest checkpoint plus the
// log after it, and must then be exactly where it was. Database A (on a directory) gets random
// transactions and is restarted at random moments in three ways: a clean close (which
// checkpoints), a checkpoint followed by more commits and a crash (so the log after the
// checkpoint is replayed), and a crash with no new checkpoint. Twin B (in memory) gets the same
// transactions. After every restart and every transaction, every view and table of A equals
// B's, value for value, representations included, and the failing commits (a division by zero
// in a view, a float overflow in an aggregate) are undone on restored state as on B. Half the
// runs hold back the background loading of restored state, so reads and writes meet it unloaded.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/index.js';
import { parseSql } from '../src/sql/parser.js';
import { crash } from './support/crash.js';
import { DeferredState } from '../src/dataflow/deferred_state.js';
import { G, NUMS, POISON_VIEW, SETUP as BASE_SETUP, stmt as baseStmt, VIEWS as BASE_VIEWS } from './support/random_views.js';

const SETUP = [
  ...BASE_SETUP,
  // a stream keeps no rows: its views can only come back from their checkpointed state
  'CREATE TABLE ev (g int, x numeric) WITH (append_only = true)',
];

const VIEWS: [string, string][] = [
  ...BASE_VIEWS,
  ['v_stream', 'SELECT g, count(*) AS c, sum(x) AS sx, max(x) AS xx FROM ev GROUP BY g'],
  ['v_on_view', 'SELECT v.g, v.c, s.c AS sc FROM v_agg v LEFT JOIN v_stream s ON s.g = v.g'],
  // insert-only: stores and arrangements without a row index, equal rows in slots of their own
  ['v_stream_rows', 'SELECT g, x FROM ev WHERE g IS NOT NULL'],
  ['v_stream_pairs', 'SELECT a.g, a.x, b.x AS y FROM ev a JOIN ev b ON a.g = b.g'],
  POISON_VIEW,
];

// one statement in seven is an insert into the stream, as each kind of the six on t and u
const stmt = fc.oneof(
  { arbitrary: baseStmt, weight: 6 },
  { arbitrary: fc.record({ g: G, x: fc.constantFrom(...NUMS) }).map((r) => `INSERT INTO ev VALUES (${r.g}, ${r.x}), (${r.g}, ${r.x})`), weight: 1 },
);
type Restart = 'none' | 'clean' | 'checkpoint-then-crash' | 'crash';
const step = fc.record({ tx: fc.array(stmt, { minLength: 1, maxLength: 3 }), restart: fc.constantFrom<Restart>('none', 'none', 'none', 'clean', 'checkpoint-then-crash', 'crash') });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tributary-checkpoint-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What recovery said that it should not have: a checkpoint it could not use. */
const passedOver: string[] = [];
const quiet = { log: (l: string) => void (/cannot be used/.test(l) && passedOver.push(l)), checkpointIntervalMs: 0 };

async function create(dataDir?: string): Promise<Database> {
  const db = await Database.open(dataDir ? { dataDir, ...quiet } : {});
  for (const sql of SETUP) await db.query(sql);
  for (const [name, q] of VIEWS) await db.query(`CREATE MATERIALIZED VIEW ${name} AS ${q}`);
  await db.query('CREATE INDEX v_agg_g ON v_agg (g)');
  await db.query('CREATE INDEX v_join_k ON v_join (k)');
  await db.query('CREATE INDEX t_s ON t (s)');
  return db;
}

async function commit(db: Database, stmts: readonly string[]): Promise<boolean> {
  try {
    await db.query(['BEGIN', ...stmts, 'COMMIT'].join(';\n'));
    return true;
  } catch {
    await db.query('ROLLBACK').catch(() => {});
    return false;
  }
}

async function contents(db: Database, rel: string): Promise<string[]> {
  const { rows } = await db.query(`SELECT * FROM ${rel}`, [], { format: 'text' });
  return rows.map((r) => JSON.stringify(Object.values(r as object))).sort();
}

async function same(a: Database, b: Database, when: string): Promise<void> {
  for (const rel of ['t', 'u', ...VIEWS.map(([n]) => n), 'v_agg WHERE g BETWEEN 1 AND 3', 'v_join WHERE k > 4', "t WHERE s > 'a'"]) {
    expect(await contents(a, rel), `${rel} ${when}`).toEqual(await contents(b, rel));
  }
}

describe('checkpoints', () => {
  it('a restart (clean, after a checkpoint, or a crash) restores every view and table exactly', async () => {
    const restarts = new Map<Restart, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 16 }), fc.boolean(), async (steps, background) => {
        rmSync(dir, { recursive: true, force: true });
        // without background loading, what a restore defers is loaded by the next write only
        const hold = background ? null : vi.spyOn(DeferredState.prototype, 'slice').mockReturnValue(true);
        let a = await create(dir);
        const b = await create();
        try {
          for (const { tx, restart } of steps) {
            const ok = await commit(a, tx);
            expect(await commit(b, tx)).toBe(ok);
            if (restart === 'clean') await a.close();
            else if (restart === 'checkpoint-then-crash') {
              await a.checkpoint();
              for (const more of steps.slice(0, 2)) expect(await commit(a, more.tx)).toBe(await commit(b, more.tx));
              await crash(a);
            } else if (restart === 'crash') await crash(a);
            if (restart !== 'none') {
              restarts.set(restart, (restarts.get(restart) ?? 0) + 1);
              a = await Database.open({ dataDir: dir, ...quiet });
            }
            await same(a, b, `after ${restart}`);
          }
        } finally {
          hold?.mockRestore();
          await a.close();
          await b.close();
        }
      }),
      { numRuns: 40 },
    );
    for (const r of ['clean', 'checkpoint-then-crash', 'crash'] as const) expect(restarts.get(r)).toBeGreaterThan(5);
    // every restart used its checkpoint (none fell back to replaying the whole log)
    expect(passedOver).toEqual([]);
  }, 300_000);

  it('a damaged newest checkpoint is passed over: the one before it and the log after it give the same state', async () => {
    const logs: string[] = [];
    let db = await Database.open({ dataDir: dir, log: (l) => logs.push(l), checkpointIntervalMs: 0 });
    await db.query('CREATE TABLE t (k int PRIMARY KEY, v numeric)');
    await db.query('CREATE MATERIALIZED VIEW s AS SELECT sum(v) AS s, count(*) AS n FROM t');
    await db.query('INSERT INTO t VALUES (1, 1.0), (2, 2.00)');
    await db.checkpoint();
    await db.query('INSERT INTO t VALUES (3, 3.000)');
    await db.query('DELETE FROM t WHERE k = 1');
    const before = { t: await contents(db, 't'), s: await contents(db, 's') };
    await db.close(); // a second checkpoint
    const cps = readdirSync(join(dir, 'checkpoints')).sort();
    expect(cps).toHaveLength(2);
    writeFileSync(join(dir, 'checkpoints', cps[1], 'operators.arrow'), 'garbage');
    db = await Database.open({ dataDir: dir, log: (l) => logs.push(l), checkpointIntervalMs: 0 });
    expect({ t: await contents(db, 't'), s: await contents(db, 's') }).toEqual(before);
    expect(logs.some((l) => /cannot be used .*operators\.arrow fails its checksum/.test(l))).toBe(true);
    expect(logs.some((l) => /restored the checkpoint at log position/.test(l))).toBe(true);
    await db.close();
  });

  it('views built in slices keep arrangements of their own, and a restore rebuilds them so (outer joins count matches by slot)', async () => {
    const build = async (db: Database) => {
      db.engine.readChunkRows = 4; // every view over these tables is built in slices
      await db.query('CREATE TABLE t (k int, g int)');
      await db.query('CREATE TABLE u (id int, g int)');
      await db.query('INSERT INTO t SELECT x, x % 5 FROM generate_series(1, 30) x');
      await db.query('INSERT INTO u SELECT x, x % 7 FROM generate_series(1, 20) x');
      const s = db.newSession();
      for (const [name, q] of [['l1', 'SELECT u.id, t.k FROM u LEFT JOIN t ON t.g = u.g'], ['l2', 'SELECT t.k, u.id FROM t FULL JOIN u ON t.g = u.g']]) {
        await s.executeStatementAsync(parseSql(`CREATE MATERIALIZED VIEW ${name} AS ${q}`)[0], [], [], async () => {});
      }
      await db.query('DELETE FROM t WHERE k % 3 = 0');
    };
    let a = await Database.open({ dataDir: dir, ...quiet });
    const b = await Database.open();
    await build(a);
    await build(b);
    await a.close();
    const logs: string[] = [];
    a = await Database.open({ dataDir: dir, checkpointIntervalMs: 0, log: (l) => logs.push(l) });
    expect(logs.filter((l) => /^restored the checkpoint|^the checkpoint/.test(l)), logs.join('\n')).toEqual([expect.stringMatching(/^restored the checkpoint/)]);
    for (const sql of ['DELETE FROM t WHERE g = 2', 'INSERT INTO t VALUES (100, 6), (101, 2)', 'DELETE FROM u WHERE g IN (1, 6)', 'UPDATE t SET g = 0 WHERE k < 10']) {
      await a.query(sql);
      await b.query(sql);
      for (const v of ['l1', 'l2']) expect(await contents(a, v), `${v} after ${sql}`).toEqual(await contents(b, v));
    }
    await a.close();
    await b.close();
  });

  it('keeps the two newest checkpoints', async () => {
    const db = await Database.open({ dataDir: dir, ...quiet });
    await db.query('CREATE TABLE t (k int)');
    for (let i = 0; i < 4; i++) {
      await db.query('INSERT INTO t VALUES ($1)', [i]);
      await db.checkpoint();
    }
    expect(readdirSync(join(dir, 'checkpoints'))).toHaveLength(2);
    await db.close();
  });
});
