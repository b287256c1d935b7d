// Point and short range reads over the wire take a shortcut (engine/quick_read.ts,
// Session.quickSelect; in the simple protocol, texts that differ only by literals share a
// plan, sql/literal_template.ts): answered at once, without the sliced read. They must give
// what the general read gives — rows, order, errors and transaction state — so each read here
// is run through the indexes (the shortcut) and again as a full scan (the general read).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import pg from 'pg';
import { startTestServer, type TestServer } from './support.js';

let ts: TestServer;
let client: pg.Client;
let other: pg.Client;

const SETUP = [
  'CREATE TABLE t (id int PRIMARY KEY, a int, s text, n numeric)',
  'CREATE INDEX t_a ON t (a)',
  "INSERT INTO t SELECT g, g % 7, 'x' || (g % 3), g / 4.0 FROM generate_series(1, 300) g",
  'CREATE MATERIALIZED VIEW v AS SELECT a, s, count(*) AS c FROM t GROUP BY a, s',
  'CREATE INDEX v_a ON v (a)',
  // a view whose rows repeat: one row of the index with a weight above one
  'CREATE MATERIALIZED VIEW dup AS SELECT a FROM t',
  'CREATE INDEX dup_a ON dup (a)',
];

beforeAll(async () => {
  ts = await startTestServer({}, SETUP);
  client = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'u', database: 'd' });
  other = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'u', database: 'd' });
  await client.connect();
  await other.connect();
});

afterAll(async () => {
  await client.end();
  await other.end();
  await ts.close();
});

type Outcome = { rows: unknown[][] } | { error: string };

async function run(c: pg.Client, text: string, values: unknown[], prepared: string | null): Promise<Outcome> {
  try {
    const r = await c.query({ text, values, rowMode: 'array', ...(prepared ? { name: prepared } : {}) });
    return { rows: r.rows };
  } catch (e: any) {
    return { error: e.code };
  }
}

/** A read through the indexes, then the same read as a full scan (each in its own savepoint when in a block). */
async function bothWays(text: string, values: unknown[], prepared: string | null, inBlock: boolean): Promise<[Outcome, Outcome]> {
  const once = async (): Promise<Outcome> => {
    if (inBlock) await client.query('SAVEPOINT r');
    const o = await run(client, text, values, prepared);
    if (inBlock) await client.query('error' in o ? 'ROLLBACK TO SAVEPOINT r' : 'RELEASE SAVEPOINT r');
    return o;
  };
  const viaIndex = await once();
  ts.db.engine.useIndexes = false;
  try {
    return [viaIndex, await once()];
  } finally {
    ts.db.engine.useIndexes = true;
  }
}

const READS: [string, (k: number) => unknown[]][] = [
  ['SELECT * FROM t WHERE id = $1', (k) => [k]],
  ['SELECT s, n * 2 AS n2 FROM t WHERE id = $1 AND a > 2', (k) => [k]],
  ['SELECT id FROM t WHERE id BETWEEN $1 AND $1 + 20 ORDER BY id DESC LIMIT 5', (k) => [k]],
  ['SELECT id, s FROM t WHERE a = $1 AND id < 40', (k) => [k % 9]],
  ['SELECT id FROM t WHERE id IN ($1, $2, $1)', (k) => [k, k + 1]],
  ['SELECT 10 / (a - $2) FROM t WHERE id = $1', (k) => [k, k % 7]],
  ['SELECT * FROM v WHERE a = $1', (k) => [k % 9]],
  ['SELECT a FROM dup WHERE a = $1', (k) => [k % 8]],
  ['SELECT count(*) FROM t WHERE id = $1', (k) => [k]],
  // the bound overflows int4 for large $2: the error must be the general read's
  ['SELECT id FROM t WHERE id BETWEEN $1 AND $1 + $2', (k) => [k, k % 3 === 0 ? 2147483647 : 5]],
];

const write = fc.oneof(
  fc.integer({ min: 1, max: 320 }).map((k) => `INSERT INTO t VALUES (${k + 1000}, ${k % 7}, 'y', ${k}) ON CONFLICT DO NOTHING`),
  fc.integer({ min: 1, max: 320 }).map((k) => `UPDATE t SET a = a + 1, s = 'z' WHERE id = ${k}`),
  fc.integer({ min: 1, max: 320 }).map((k) => `DELETE FROM t WHERE id BETWEEN ${k} AND ${k + 2}`),
);
// prepared, with parameters in the extended protocol, or with the values written into the
// text in the simple protocol (texts that differ only by such literals share a plan)
const read = fc.record({ q: fc.nat(READS.length - 1), k: fc.integer({ min: -2, max: 330 }), prepared: fc.boolean(), literal: fc.boolean() });
const step = fc.oneof(
  write.map((w) => ({ kind: 'write' as const, w })),
  read.map((r) => ({ kind: 'read' as const, r })),
  fc.constantFrom('BEGIN', 'BEGIN ISOLATION LEVEL REPEATABLE READ', 'COMMIT', 'ROLLBACK').map((c) => ({ kind: 'control' as const, c })),
  write.map((w) => ({ kind: 'other' as const, w })),
);

describe('quick reads over the wire', () => {
  it('give what a full scan gives: in and out of blocks, at snapshots, with other sessions writing', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 30 }), async (steps) => {
        let inBlock = false;
        try {
          for (const s of steps) {
            if (s.kind === 'control') {
              if (s.c.startsWith('BEGIN') === inBlock) continue;
              await client.query(s.c);
              inBlock = s.c.startsWith('BEGIN');
            } else if (s.kind === 'write') {
              await client.query(s.w);
            } else if (s.kind === 'other') {
              await other.query(s.w);
            } else {
              const [template, args] = READS[s.r.q];
              const literal = s.r.literal && !s.r.prepared;
              const text = literal ? template.replace(/\$(\d)/g, (_, d) => String(args(s.r.k)[Number(d) - 1])) : template;
              const params = (k: number) => (literal ? [] : args(k));
              const [viaIndex, viaScan] = await bothWays(text, params(s.r.k), s.r.prepared ? `q${s.r.q}_${n++}` : null, inBlock);
              const sorted = (o: Outcome) => ('rows' in o && /FROM (v|dup) /.test(text) ? { rows: [...o.rows].map((r) => JSON.stringify(r)).sort() } : o);
              expect({ text, params: params(s.r.k), got: sorted(viaIndex) }).toEqual({ text, params: params(s.r.k), got: sorted(viaScan) });
            }
          }
        } finally {
          if (inBlock) await client.query('ROLLBACK');
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it('a failing read aborts the block as any error does, and the connection goes on', async () => {
    // rows of their own (the property above changed the others)
    await client.query("INSERT INTO t VALUES (7005, 1, 'e', 1), (7006, 2, 'e', 2), (7007, 3, 'e', 3), (7008, 4, 'e', 4), (7009, 5, 'e', 5)");
    await client.query('BEGIN');
    await expect(client.query('SELECT 1 / (a - a) FROM t WHERE id = $1', [7005])).rejects.toMatchObject({ code: '22012' });
    await expect(client.query('SELECT * FROM t WHERE id = $1', [7005])).rejects.toMatchObject({ code: '25P02' });
    await client.query('ROLLBACK');
    const r = await client.query('SELECT id FROM t WHERE id = $1', [7006]);
    expect(r.rows).toEqual([{ id: 7006 }]);
    // and in the simple protocol
    await expect(client.query('SELECT 1 / (a - a) FROM t WHERE id = 7005')).rejects.toMatchObject({ code: '22012' });
    // an overflow in arithmetic of literals is an error even where no row matches, as the
    // general read (and PostgreSQL's planning) makes it
    const overflow = 'SELECT id FROM t WHERE id = 99999 AND a = 2147483647 + 1';
    expect(await bothWays(overflow, [], null, false)).toEqual([{ error: '22003' }, { error: '22003' }]);
    expect((await client.query('SELECT id FROM t WHERE id = 7007')).rows).toEqual([{ id: 7007 }]);
  });

  it('a read in a block sees the block’s own writes, and a REPEATABLE READ block its snapshot', async () => {
    await client.query('BEGIN');
    await client.query("INSERT INTO t VALUES (5001, 1, 'new', 1)");
    await client.query('DELETE FROM t WHERE id = 7008');
    expect((await client.query('SELECT s FROM t WHERE id = $1', [5001])).rows).toEqual([{ s: 'new' }]);
    expect((await client.query('SELECT s FROM t WHERE id = $1', [7008])).rows).toEqual([]);
    expect((await other.query('SELECT s FROM t WHERE id = $1', [5001])).rows).toEqual([]);
    await client.query('ROLLBACK');
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    expect((await client.query('SELECT a FROM t WHERE id = $1', [7009])).rows).toEqual([{ a: 5 }]);
    await other.query('UPDATE t SET a = a + 100 WHERE id = 7009');
    expect((await client.query('SELECT a FROM t WHERE id = $1', [7009])).rows).toEqual([{ a: 5 }]);
    await client.query('COMMIT');
    expect((await client.query('SELECT a FROM t WHERE id = $1', [7009])).rows).toEqual([{ a: 105 }]);
  });
});

describe('quick reads in read-only transactions', () => {
  it('give what a full scan gives; writes are still refused', async () => {
    await client.query("INSERT INTO t VALUES (7101, 1, 'r', 1), (7102, 2, 'r', 2) ON CONFLICT DO NOTHING");
    await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY');
    try {
      for (const [text, values, name] of [
        ['SELECT s, a FROM t WHERE id = $1', [7101], 'ro1'],
        ['SELECT s, a FROM t WHERE id = $1', [7102], null],
        ['SELECT s, a FROM t WHERE id = 7102', [], null],
        ['SELECT c FROM v WHERE a = $1', [2], null],
      ] as [string, unknown[], string | null][]) {
        const [viaIndex, viaScan] = await bothWays(text, values, name, false);
        // a view's index gives index order, a scan the view's own: compared as multisets
        const sorted = (o: Outcome) => ('rows' in o ? o.rows.map((r) => JSON.stringify(r)).sort() : o);
        expect(sorted(viaIndex)).toEqual(sorted(viaScan));
        expect('rows' in viaIndex && viaIndex.rows.length > 0).toBe(true);
      }
      // SELECT INTO is not supported at all: refused as such, in any transaction
      await expect(client.query('SELECT * INTO t_copy FROM t WHERE id = 7101')).rejects.toMatchObject({ code: '0A000' });
      await expect(client.query('INSERT INTO t VALUES (7103, 1, 1, 1)')).rejects.toMatchObject({ code: '25006' });
    } finally {
      await client.query('SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE');
    }
  });
});

describe('literal templates (simple protocol)', () => {
  it('lift integers compared with columns in WHERE, and nothing they are not sure of', async () => {
    const { literalTemplate } = await import('../../src/sql/literal_template.js');
    const lifted = (sql: string) => {
      const t = literalTemplate(sql);
      return t ? { text: t.stmt.text, params: t.params } : null;
    };
    expect(lifted('SELECT abalance FROM pk WHERE aid = 17;')).toEqual({ text: 'SELECT abalance FROM pk WHERE aid = $1', params: [17] });
    expect(lifted("SELECT * FROM t WHERE s = 'a1' AND 3 < id AND id IN (4, 5) AND a BETWEEN 0 AND 9")).toEqual({
      text: "SELECT * FROM t WHERE s = 'a1' AND $1 < id AND id IN ($2, $3) AND a BETWEEN $4 AND $5",
      params: [3, 4, 5, 0, 9],
    });
    expect(lifted('SELECT "a1" FROM t1 WHERE x1 = 007 -- 5\n')?.params).toEqual([7]);
    // arithmetic of literals on a compared value: folded by PostgreSQL, computed from parameters here
    expect(lifted('SELECT aid FROM pk WHERE aid BETWEEN 17 AND 17 + 99')).toEqual({ text: 'SELECT aid FROM pk WHERE aid BETWEEN $1 AND $2 + $3', params: [17, 17, 99] });
    // PostgreSQL folds it when it plans and fails on an overflow whatever the rows: parsed as it is
    expect(lifted('SELECT aid FROM pk WHERE aid = 1 AND a = 2147483647 + 1')).toBeNull();
    expect(lifted('SELECT aid FROM pk WHERE aid = 1 AND a = 65536 * 65536')).toBeNull();
    // a literal anywhere else means something a parameter would not (a position, a typmod,
    // a constant folded at planning), or a text the scanner is unsure of: the parser reads it
    for (const sql of [
      'SELECT * FROM t WHERE id = 1 ORDER BY 1',
      'SELECT * FROM t WHERE id = 1 LIMIT 5',
      'SELECT 1 FROM t WHERE id = 2',
      'SELECT * FROM t WHERE id = 1 / 1',
      'SELECT * FROM t WHERE id = f(1) + 1',
      'SELECT * FROM t WHERE id = -1',
      'SELECT * FROM t WHERE 1 = 1',
      'SELECT * FROM t WHERE n = 1::numeric(5, 2)',
      'SELECT * FROM t WHERE id = 3000000000',
      'SELECT * FROM t WHERE id = 1.5',
      'SELECT * FROM t WHERE id = 1e3',
      "SELECT * FROM t WHERE s = E'\\\\1' AND id = 1",
      'SELECT * FROM t WHERE id = $1',
      'SELECT * FROM t WHERE id = 1 /* 2 */',
      'SELECT * FROM t WHERE id = (SELECT 1)',
      'SELECT * FROM t WHERE id = 1; SELECT 2',
      'SELECT * FROM t WHERE id = 1 UNION SELECT * FROM t WHERE id = 2',
      "SELECT * FROM t WHERE s = 'x' 'y' AND id = 1",
      'SELECT * FROM t WHERE f(id) = 1',
      'SELECT * FROM t WHERE id = 1x',
      'UPDATE t SET a = 1 WHERE id = 2',
    ]) {
      expect({ sql, t: lifted(sql) }).toEqual({ sql, t: null });
    }
  });
});
