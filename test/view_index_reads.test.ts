// Reads through indexes on materialized views (engine/index_read.ts viewCandidates): equality
// on a prefix of an index's columns plus a range on the next one, after random writes to the
// base table, must give what PostgreSQL gives and exactly the rows (representations included:
// 1.0/1.00, 0/-0) a full scan of the view gives. The view's index returns rows in index order,
// so rows are compared as multisets.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Database } from '../src/index.js';
import { useOracle } from './support/suite.js';
import { bothWays, explainText, indexReadMismatches } from './support/index_reads.js';

const { differential } = useOracle();

const SETUP = [
  'CREATE TABLE t (id int PRIMARY KEY, a int, n numeric, f float8, s text, d date)',
  // a projection (rows repeat: weights above one) with three indexes
  'CREATE MATERIALIZED VIEW w AS SELECT a, n, f, s, d FROM t',
  'CREATE INDEX w_a_n ON w (a, n)',
  'CREATE INDEX w_f ON w (f)',
  'CREATE INDEX w_s_d ON w (s, d)',
  // an aggregate, whose rows change in place
  'CREATE MATERIALIZED VIEW g AS SELECT a, s, count(*) AS c, sum(n) AS sn FROM t GROUP BY a, s',
  'CREATE INDEX g_a_s ON g (a, s)',
  // a view that fails (22012) on a = -3: the write is refused, the indexes stay right
  'CREATE MATERIALIZED VIEW q AS SELECT id, 100 / (a + 3) AS r FROM t',
  'CREATE INDEX q_r ON q (r)',
];

const intLit = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: -4, max: 5 }) }, { weight: 1, arbitrary: fc.constantFrom(3000000000, -3000000000) }).map(String);
const numLit = fc.constantFrom('1', '1.0', '1.00', '1.5', '1.50', '-2', '0', '0.0', 'NULL', "'NaN'");
const floatLit = fc.constantFrom('0', "'-0'", '1.5', "'NaN'", "'Infinity'", "'-Infinity'", '-2', 'NULL');
const textLit = fc.constantFrom("'a'", "'b'", "'ab'", "''", "'b '", "'B'", 'NULL');
const dateLit = fc.constantFrom("'2024-01-01'", "'2024-01-02'", "'infinity'", "'-infinity'", 'NULL');

const rowArb = fc.tuple(fc.integer({ min: 0, max: 15 }), fc.option(fc.integer({ min: -3, max: 4 }), { freq: 6 }), numLit, floatLit, textLit, dateLit);
type RowSpec = [number, number | null, string, string, string, string];
const values = ([id, a, n, f, s, d]: RowSpec) => `(${id}, ${a ?? 'NULL'}, ${n}, ${f}, ${s}, ${d})`;
const seed = fc
  .uniqueArray(rowArb.filter((r) => r[1] !== -3), { minLength: 6, maxLength: 14, selector: (r) => r[0] })
  .map((rows) => `INSERT INTO t VALUES ${rows.map(values).join(', ')}`);
const write = fc.oneof(
  rowArb.map((r) => `INSERT INTO t VALUES ${values(r)}`),
  fc.tuple(fc.integer({ min: 0, max: 15 }), numLit, floatLit).map(([id, n, f]) => `UPDATE t SET n = ${n}, f = ${f} WHERE id = ${id}`),
  fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: -3, max: 4 }), textLit).map(([id, a, s]) => `UPDATE t SET a = ${a}, s = ${s} WHERE id = ${id}`),
  fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 })).map(([x, y]) => `DELETE FROM t WHERE id BETWEEN ${x} AND ${y}`),
  fc.integer({ min: 0, max: 15 }).map((id) => `UPDATE t SET id = id + 20 WHERE id = ${id}`),
);

const cmp = fc.constantFrom('<', '<=', '>', '>=');
const cmpEq = fc.constantFrom('=', '<', '<=', '>', '>=');
const viewPred = fc.oneof(
  fc.tuple(cmpEq, intLit).map(([o, v]) => `a ${o} ${v}`),
  fc.tuple(intLit, intLit).map(([x, y]) => `a BETWEEN ${x} AND ${y}`),
  fc.tuple(cmp, intLit, cmp, intLit).map(([o, x, p, y]) => `a ${o} ${x} AND a ${p} ${y}`),
  fc.array(fc.oneof(intLit, fc.constant('NULL')), { minLength: 1, maxLength: 3 }).map((vs) => `a IN (${vs.join(', ')})`),
  fc.tuple(intLit, cmpEq, numLit).map(([a, o, n]) => `a = ${a} AND n ${o} ${n}`),
  fc.tuple(intLit, numLit, numLit).map(([a, x, y]) => `a = ${a} AND n BETWEEN ${x} AND ${y}`),
  fc.tuple(cmpEq, numLit).map(([o, n]) => `n ${o} ${n}`), // not a leading column: a scan
  fc.tuple(cmpEq, floatLit).map(([o, f]) => `f ${o} ${f}`),
  fc.tuple(floatLit, floatLit).map(([x, y]) => `f BETWEEN ${x} AND ${y}`),
  fc.tuple(cmpEq, textLit).map(([o, s]) => `s ${o} ${s}`),
  fc.tuple(textLit, cmpEq, dateLit).map(([s, o, d]) => `s = ${s} AND d ${o} ${d}`),
  fc.tuple(cmpEq, intLit).map(([o, v]) => `a ${o} ${v}::int8`),
  fc.constantFrom('a > 1 AND f > 0', 'a >= 0 AND s IS NULL', 'a < 2 + 1', 'f > 1 / 0'),
);
const wRead = fc
  .tuple(fc.array(viewPred, { minLength: 1, maxLength: 2 }), fc.constantFrom('*', 'count(*)', 'sum(n), count(f)', 'a, n', 's, d, f'))
  .map(([ps, list]) => `SELECT ${list} FROM w WHERE ${ps.join(' AND ')}`);
const gRead = fc.oneof(
  fc.tuple(cmpEq, intLit).map(([o, v]) => `SELECT * FROM g WHERE a ${o} ${v}`),
  fc.tuple(intLit, cmpEq, textLit).map(([a, o, s]) => `SELECT * FROM g WHERE a = ${a} AND s ${o} ${s}`),
  fc.tuple(intLit, intLit).map(([x, y]) => `SELECT a, sum(c) FROM g WHERE a BETWEEN ${x} AND ${y} GROUP BY a`),
);
const qRead = fc.tuple(cmpEq, intLit, fc.option(intLit)).map(([o, v, hi]) => `SELECT * FROM q WHERE r ${o} ${v}${hi ? ` AND r <= ${hi}` : ''}`);
const read = fc.oneof(wRead, gRead, qRead);
// in a block, reads see the block's own writes (the view is then computed, not read)
const txn = fc
  .tuple(fc.array(fc.tuple(write, read), { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([ss, commit]) => ['BEGIN', ...ss.flat(), commit ? 'COMMIT' : 'ROLLBACK']);
const program = fc
  .tuple(seed, fc.array(fc.oneof(write.map((w) => [w]), read.map((r) => [r]), read.map((r) => [r]), txn), { minLength: 4, maxLength: 24 }))
  .map(([first, rest]) => [[first], ...rest]);

describe('range reads through indexes on materialized views', () => {
  it('agree with PostgreSQL and with full scans after random writes', async () => {
    await fc.assert(
      fc.asyncProperty(program, async (prog) => {
        const mismatches = await indexReadMismatches(await differential(), [...SETUP, ...prog.flat()], () => true);
        expect(mismatches).toEqual([]);
      }),
      { numRuns: 40 },
    );
  }, 300_000);

  it('EXPLAIN names the view index a range uses', async () => {
    const db = await Database.open();
    for (const s of SETUP) await db.query(s);
    const plan = (q: string) => explainText(db, q);
    expect(await plan('SELECT * FROM w WHERE a = 1 AND n > 1.5')).toContain('Index Scan using w_a_n on w (#0 = 1::int4, #1 > 1.5::numeric)');
    expect(await plan('SELECT * FROM w WHERE a BETWEEN $1 AND $2')).toContain('Index Scan using w_a_n on w (#0 >= $1, #0 <= $2)');
    expect(await plan("SELECT * FROM w WHERE f < 'NaN'")).toContain('Index Scan using w_f on w (#2 < ');
    expect(await plan("SELECT * FROM w WHERE s = 'a' AND d >= '2024-01-01'")).toContain('Index Scan using w_s_d on w (#3 = ');
    expect(await plan('SELECT * FROM g WHERE a > 2')).toContain('Index Scan using g_a_s on g (#0 > 2::int4)');
    expect(await plan('SELECT * FROM w WHERE n > 1')).not.toContain('Index');
    await db.close();
  });

  it('a range with parameters, and an unselective one (a full scan), give the full scan answer', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (id int PRIMARY KEY, v int)');
    await db.query('CREATE MATERIALIZED VIEW m AS SELECT id % 30000 AS k, count(*) AS c, sum(v) AS s FROM t GROUP BY id % 30000');
    await db.query('CREATE INDEX m_k ON m (k)');
    await db.insert('t', Array.from({ length: 60000 }, (_, i) => [i, i % 7]));
    await db.query('UPDATE t SET v = v + 1 WHERE id < 100');
    for (const [q, params] of [
      ['SELECT k, c, s FROM m WHERE k BETWEEN $1 AND $2 ORDER BY k', [40, 140]],
      ['SELECT count(*), sum(s) FROM m WHERE k >= $1', [10]],
      ['SELECT count(*), sum(s) FROM m WHERE k > $1 AND k < $2', [29000, 29990]],
    ] as const) {
      const { viaIndex, viaScan } = await bothWays(db, q, params);
      expect(viaIndex).toEqual(viaScan);
    }
    // k's rows are ids k (updated) and k + 30000
    const sum = (k: number) => BigInt((k % 7) + 1 + ((k + 30000) % 7));
    expect((await db.query('SELECT k, c, s FROM m WHERE k BETWEEN 40 AND 42 ORDER BY k', [], { rowMode: 'array' })).rows).toEqual([40, 41, 42].map((k) => [k, 2n, sum(k)]));
    await db.close();
  });
});
