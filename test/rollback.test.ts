// A failed commit undoes itself in the operators it reached (circuit.rollback), instead of
// rebuilding their views. The property: database A gets random transactions, some of which fail
// while views are maintained (a division by zero in the view created last, so every other
// view's operators have run; a float overflow inside an aggregate's output, half way through
// the circuit). Twin B gets only the transactions that committed on A. After every transaction
// every view of A must equal B's, value for value, representations included (B's operators
// never saw a failure), and A's views must keep their dataflows: none was rebuilt.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Database } from '../src/index.js';
import type { Session } from '../src/engine/session.js';
import { POISON_VIEW, SETUP, stmt, VIEWS as BASE_VIEWS } from './support/random_views.js';

const VIEWS: [string, string][] = [...BASE_VIEWS, POISON_VIEW];
const transaction = fc.array(stmt, { minLength: 1, maxLength: 3 });

async function open(): Promise<{ db: Database; s: Session }> {
  const db = await Database.open();
  for (const sql of SETUP) await db.query(sql);
  for (const [name, q] of VIEWS) await db.query(`CREATE MATERIALIZED VIEW ${name} AS ${q}`);
  // view indexes are view state too (read below by range)
  await db.query('CREATE INDEX v_agg_g ON v_agg (g)');
  await db.query('CREATE INDEX v_join_k ON v_join (k)');
  return { db, s: db.newSession() };
}

const failuresBy = new Map<string, number>();

/** Run a transaction in one block; true when it committed. */
function commit(s: Session, stmts: readonly string[]): boolean {
  try {
    s.execute(['BEGIN', ...stmts, 'COMMIT'].join(';\n'));
    return true;
  } catch (e) {
    const why = (e as Error).message;
    failuresBy.set(why, (failuresBy.get(why) ?? 0) + 1);
    if (s.transactionStatus !== 'I') s.execute('ROLLBACK');
    return false;
  }
}

/** A view's rows as sorted text (values as PostgreSQL prints them). */
async function contents(db: Database, view: string): Promise<string[]> {
  const { rows } = await db.query(`SELECT * FROM ${view}`, [], { format: 'text' });
  return rows.map((r) => JSON.stringify(Object.values(r as object))).sort();
}

const outputOf = (db: Database, name: string) => (db.engine.catalog.get(name) as { output: unknown }).output;

describe('a failed commit is undone by the operators it reached', () => {
  it('views equal those of a twin that never saw the failed transactions, and none is rebuilt', async () => {
    let failures = 0;
    let commits = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(transaction, { minLength: 5, maxLength: 30 }), async (txs) => {
        const a = await open();
        const b = await open();
        const kept = VIEWS.map(([n]) => [n, outputOf(a.db, n)] as const);
        try {
          for (const tx of txs) {
            if (commit(a.s, tx)) {
              commits++;
              expect(commit(b.s, tx)).toBe(true);
            } else failures++;
            for (const [name] of VIEWS) expect(await contents(a.db, name), name).toEqual(await contents(b.db, name));
            for (const range of ['v_agg WHERE g BETWEEN 1 AND 3', 'v_join WHERE k > 4']) expect(await contents(a.db, range), range).toEqual(await contents(b.db, range));
          }
          for (const [name, op] of kept) expect(outputOf(a.db, name), `${name} was rebuilt`).toBe(op);
        } finally {
          await a.db.close();
          await b.db.close();
        }
      }),
      { numRuns: 80 },
    );
    // the generator must produce commits that fail in both places, and commits that do not
    expect(failuresBy.get('division by zero')).toBeGreaterThan(20);
    expect(failuresBy.get('value out of range: overflow')).toBeGreaterThan(5);
    expect(commits).toBeGreaterThan(failures);
  }, 240_000);
});

describe('subscriptions across a failed commit', () => {
  it('a subscription to a reached view or query goes on and never sees the failed change', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (k int PRIMARY KEY, g int)');
    await db.query('CREATE MATERIALIZED VIEW per_g AS SELECT g, count(*) AS c FROM t GROUP BY g');
    await db.query('CREATE MATERIALIZED VIEW poison AS SELECT k, 10 / g AS q FROM t');
    await db.query('INSERT INTO t VALUES (1, 1)');
    const seen: string[] = [];
    const sub = db.subscribe('per_g', (changes) => seen.push(...changes.map((c) => `${c.diff > 0 ? '+' : '-'}${c.row.g}:${c.row.c}`)), { snapshot: false });
    const queryChanges: number[] = [];
    let ended: unknown = null;
    const watch = db.engine.watch({ plan: (db.engine.catalog.get('per_g') as any).plan, deps: ['per_g', 't'] }, (ch: { diff: number }[]) => queryChanges.push(...ch.map((c) => c.diff)), (e: unknown) => (ended = e));
    await expect(db.query('INSERT INTO t VALUES (2, 1), (3, 0)')).rejects.toThrow(/division by zero/);
    expect(seen).toEqual([]);
    expect(queryChanges).toEqual([]);
    await db.query('INSERT INTO t VALUES (2, 1)');
    expect(seen.sort()).toEqual(['+1:2', '-1:1']);
    expect(queryChanges.length).toBe(2);
    expect(ended).toBeNull();
    watch.stop();
    sub.unsubscribe();
    await db.close();
  });
});
