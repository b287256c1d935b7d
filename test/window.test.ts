// Window functions and SELECT-list set-returning functions in ad-hoc reads, against
// PostgreSQL (PGlite): fixed queries (rows in order where the query orders them fully), error
// codes, a fast-check property over random small tables and window specifications, and what
// stays refused (materialized views, GROUPS, EXCLUDE, RANGE offsets, named windows).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Database } from '../src/index.js';
import { Oracle, bothRows } from './support/oracle.js';

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.create();
}, 120_000);
afterAll(async () => {
  await oracle?.close?.();
});

const SETUP = [
  'CREATE TABLE t (id int PRIMARY KEY, k int, v int, n numeric, s text)',
  "INSERT INTO t VALUES (1, 1, 10, 1.5, 'a'), (2, 1, 20, 2.25, 'b'), (3, 1, 20, NULL, NULL), (4, 2, 5, 0, 'c'), (5, 2, NULL, 3, 'd'), (6, 3, 1, -1, 'e'), (7, NULL, 7, 7, 'f'), (8, NULL, NULL, NULL, 'g')",
];

async function fresh(): Promise<Database> {
  const db = await Database.open();
  for (const s of SETUP) await db.query(s);
  await oracle.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  for (const s of SETUP) await oracle.exec(s);
  return db;
}


// Every query orders its result completely, so rows are compared in order.
const ORDERED = [
  'SELECT id, row_number() OVER (ORDER BY id), rank() OVER (ORDER BY v), dense_rank() OVER (ORDER BY v), percent_rank() OVER (ORDER BY v), cume_dist() OVER (ORDER BY v) FROM t ORDER BY id',
  'SELECT id, row_number() OVER (PARTITION BY k ORDER BY v DESC, id), rank() OVER (PARTITION BY k ORDER BY v DESC NULLS LAST) FROM t ORDER BY id',
  'SELECT id, count(*) OVER (), count(v) OVER (PARTITION BY k), sum(v) OVER (PARTITION BY k ORDER BY v), avg(v) OVER (PARTITION BY k), min(s) OVER (ORDER BY id), max(n) OVER (PARTITION BY k ORDER BY id) FROM t ORDER BY id',
  'SELECT id, sum(v) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING), sum(n) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), count(v) OVER (ORDER BY id ROWS 2 PRECEDING), max(v) OVER (ORDER BY id ROWS BETWEEN 2 FOLLOWING AND 3 FOLLOWING) FROM t ORDER BY id',
  'SELECT id, sum(v) OVER (ORDER BY v RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING), sum(v) OVER (ORDER BY v RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING), count(*) OVER (ORDER BY k ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) FROM t ORDER BY id',
  "SELECT id, lag(v) OVER (ORDER BY id), lead(v, 2) OVER (ORDER BY id), lag(s, 1, 'none') OVER (PARTITION BY k ORDER BY id), lead(v, -1, 0) OVER (ORDER BY id), lag(n, 0) OVER (ORDER BY id) FROM t ORDER BY id",
  'SELECT id, first_value(v) OVER (PARTITION BY k ORDER BY id), last_value(v) OVER (PARTITION BY k ORDER BY id), last_value(v) OVER (PARTITION BY k ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING), nth_value(s, 2) OVER (ORDER BY id), ntile(3) OVER (ORDER BY id) FROM t ORDER BY id',
  'SELECT k, sum(v), rank() OVER (ORDER BY sum(v) DESC NULLS LAST), sum(sum(v)) OVER (ORDER BY k), count(*) OVER () FROM t GROUP BY k ORDER BY k',
  'SELECT * FROM (SELECT id, k, row_number() OVER (PARTITION BY k ORDER BY id DESC) AS rn FROM t) s WHERE rn = 1 ORDER BY id',
  'SELECT id, count(*) FILTER (WHERE v > 5) OVER (ORDER BY id), sum(v) FILTER (WHERE k = 1) OVER () FROM t ORDER BY id',
  'SELECT id, row_number() OVER w1 FROM (SELECT id FROM t) w1 ORDER BY id DESC LIMIT 3'.replace('OVER w1', 'OVER (ORDER BY id)'),
  'SELECT DISTINCT k, count(*) OVER (PARTITION BY k) FROM t ORDER BY k',
  'SELECT id, row_number() OVER (ORDER BY id) FROM t ORDER BY row_number() OVER (ORDER BY id) DESC',
  'SELECT id, sum(v) OVER (ORDER BY id ROWS BETWEEN $1 PRECEDING AND CURRENT ROW) FROM t ORDER BY id'.replace('$1', '2'),
  'SELECT id, unnest(ARRAY[id, id * 10]) AS u, generate_series(1, k) AS g FROM t WHERE id < 4 ORDER BY id, u, g',
  "SELECT (information_schema._pg_expandarray(ARRAY['x', 'y z'])).n, (information_schema._pg_expandarray(ARRAY['x', 'y z'])).x, information_schema._pg_expandarray(ARRAY['x', 'y z']) ORDER BY 1",
  'SELECT id, generate_series(1, 3) - row_number() OVER (ORDER BY id) FROM t WHERE id <= 2 ORDER BY 1, 2',
];

// Unordered results (compared as sorted rows) and errors (compared by SQLSTATE).
const UNORDERED = [
  'SELECT k, v, rank() OVER (PARTITION BY k ORDER BY v) FROM t',
  'SELECT row_number() FROM t',
  'SELECT id FROM t WHERE rank() OVER (ORDER BY id) > 1',
  'SELECT k FROM t GROUP BY rank() OVER (ORDER BY k)',
  'SELECT sum(rank() OVER (ORDER BY id)) FROM t',
  'SELECT rank() OVER (ORDER BY rank() OVER (ORDER BY id)) FROM t',
  'SELECT lower(s) OVER () FROM t',
  'SELECT ntile(0) OVER (ORDER BY id) FROM t',
  'SELECT nth_value(v, 0) OVER (ORDER BY id) FROM t',
  'SELECT sum(v) OVER (ORDER BY id ROWS -1 PRECEDING) FROM t',
  'SELECT sum(v) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND NULL FOLLOWING) FROM t',
  'SELECT sum(v) OVER (ORDER BY id ROWS v PRECEDING) FROM t',
  'SELECT count(DISTINCT v) OVER () FROM t',
  'SELECT unnest(ARRAY[1, 2]) FROM t WHERE generate_series(1, 2) > 1',
  'SELECT lag(v, 1, 1.5) OVER (ORDER BY id) FROM t',
];

describe('window functions vs PostgreSQL', () => {
  it('fixed queries agree, in order', async () => {
    const db = await fresh();
    for (const q of ORDERED) {
      const { ours, theirs } = await bothRows(db, oracle, q);
      expect({ q, rows: ours }).toEqual({ q, rows: theirs });
    }
    await db.close();
  });

  it('unordered queries and errors agree', async () => {
    const db = await fresh();
    const sorted = (x: unknown) => (Array.isArray(x) ? x.map((r) => JSON.stringify(r)).sort() : x);
    for (const q of UNORDERED) {
      const { ours, theirs } = await bothRows(db, oracle, q);
      expect({ q, rows: sorted(ours) }).toEqual({ q, rows: sorted(theirs) });
    }
    await db.close();
  });

  it('refuses what is not built with 0A000 naming it', async () => {
    const db = await fresh();
    const refused: [string, string][] = [
      ['CREATE MATERIALIZED VIEW m AS SELECT id, row_number() OVER (ORDER BY id) FROM t', 'window functions in materialized views'],
      ['CREATE MATERIALIZED VIEW m AS SELECT unnest(ARRAY[id]) FROM t', 'set-returning functions in the SELECT list of a materialized view'],
      ['SELECT sum(v) OVER (ORDER BY id GROUPS 1 PRECEDING) FROM t', 'GROUPS frames'],
      ['SELECT sum(v) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING EXCLUDE CURRENT ROW) FROM t', 'frame EXCLUDE'],
      ['SELECT sum(v) OVER (ORDER BY v RANGE 1 PRECEDING) FROM t', 'RANGE with offset PRECEDING'],
      ['SELECT sum(v) OVER w FROM t WINDOW w AS (ORDER BY id)', 'WINDOW clauses'],
      ['SELECT id FROM t WHERE v = (SELECT max(v) OVER () FROM t LIMIT 1)', 'in a subquery used as an expression'],
      ['SELECT id, v FROM t WHERE v IN (SELECT unnest(ARRAY[1, 5, 7]))', 'in a subquery used as an expression'],
    ];
    for (const [q, what] of refused) {
      const err = await db.query(q).then(() => null, (e) => e);
      expect({ q, code: err?.code }).toEqual({ q, code: '0A000' });
      if (what) expect(err.message).toContain(what);
    }
    // a plain view with a window function can be read, but not materialized on top of
    await db.query('CREATE VIEW rv AS SELECT id, rank() OVER (ORDER BY v) AS r FROM t');
    expect((await db.query('SELECT r FROM rv WHERE id = 6', [], { rowMode: 'array' })).rows).toEqual([[1n]]);
    await expect(db.query('CREATE MATERIALIZED VIEW m AS SELECT * FROM rv')).rejects.toMatchObject({ code: '0A000' });
    await db.close();
  });

  it('property: random window specifications over random small tables agree', async () => {
    const db = await Database.open();
    const fns = ['rank()', 'dense_rank()', 'percent_rank()', 'cume_dist()', 'count(*)', 'count(v)', 'sum(v)', 'min(v)', 'max(v)', 'avg(v)', 'sum(w)', 'bool_or(v > w)'];
    const orderedOnly = ['row_number()', 'lag(v)', 'lead(v, 2, -1)', 'first_value(v)', 'last_value(w)', 'nth_value(v, 2)', 'ntile(3)'];
    const rowsArb = fc.array(fc.tuple(fc.option(fc.integer({ min: 0, max: 3 })), fc.option(fc.integer({ min: -3, max: 3 })), fc.option(fc.integer({ min: 0, max: 2 }))), { maxLength: 9 });
    const specArb = fc.record({
      fn: fc.constantFrom(...fns, ...orderedOnly),
      part: fc.constantFrom('', 'PARTITION BY k', 'PARTITION BY w', 'PARTITION BY k, w'),
      ord: fc.subarray(['k', 'v DESC', 'w NULLS FIRST', 'v DESC NULLS LAST'], { maxLength: 2 }),
      unique: fc.boolean(),
      frame: fc.constantFrom(
        '',
        'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW',
        'ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING',
        'ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING',
        'ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING',
        'ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING',
        'RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING',
        'RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING',
      ),
      outer: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(rowsArb, specArb, async (rows, spec) => {
        // results that depend on the order among peers need a total order: add the unique id
        const needsTotal = orderedOnly.includes(spec.fn) || spec.frame.startsWith('ROWS');
        const ord = [...spec.ord, ...(spec.unique || needsTotal ? ['id'] : [])];
        const over = `${spec.part}${ord.length ? ` ORDER BY ${ord.join(', ')}` : ''} ${orderedOnly.includes(spec.fn) && !spec.fn.endsWith('value(v)') && !spec.fn.endsWith('value(w)') ? '' : spec.frame}`;
        const inner = `SELECT id, k, v, w, ${spec.fn} OVER (${over}) AS x FROM t`;
        const q = spec.outer ? `SELECT * FROM (${inner}) s WHERE x IS NOT NULL ORDER BY id` : `${inner} ORDER BY id`;
        const setup = ['DROP TABLE IF EXISTS t', 'CREATE TABLE t (id int, k int, v int, w int)'];
        if (rows.length) setup.push(`INSERT INTO t VALUES ${rows.map((r, i) => `(${i}, ${r.map((x) => (x === null ? 'NULL' : x)).join(', ')})`).join(', ')}`);
        for (const s of setup) {
          await db.query(s);
          await oracle.exec(s);
        }
        const { ours, theirs } = await bothRows(db, oracle, q);
        expect({ q, rows: ours }).toEqual({ q, rows: theirs });
      }),
      { numRuns: 60 },
    );
    await db.close();
  }, 120_000);
});
