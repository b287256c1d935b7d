// Reads through indexes (plan/access_path.ts, engine/index_read.ts) must give exactly what a
// full scan gives: the ordered index against a naive model, and random tables, indexes,
// transactions and indexable predicates against PostgreSQL.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OrderedIndex } from '../src/dataflow/ordered_index.js';
import { T } from '../src/sql/types.js';
import { Database } from '../src/index.js';
import { useOracle } from './support/suite.js';
import { bothWays, explainText, indexReadMismatches } from './support/index_reads.js';
import { differentialStats } from './support/differential.js';

const { agree, differential } = useOracle();

describe('OrderedIndex', () => {
  it('scans agree with filtering and sorting every live row', () => {
    const keyArb = fc.oneof(fc.constant(null), fc.integer({ min: -5, max: 5 }));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('insert' as const), a: keyArb, b: keyArb }),
      fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
      fc.record({
        kind: fc.constant('scan' as const),
        prefix: fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 2 }),
        lower: fc.option(fc.record({ value: fc.integer({ min: -6, max: 6 }), inclusive: fc.boolean() })),
        upper: fc.option(fc.record({ value: fc.integer({ min: -6, max: 6 }), inclusive: fc.boolean() })),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), fc.boolean(), (ops, bulk) => {
        const rows: [number | null, number | null][] = [];
        const live = new Set<number>();
        const ix = new OrderedIndex('ix', [0, 1], [T.int4, T.int4], (id, col) => rows[id][col]);
        for (const o of ops) {
          if (o.kind === 'insert') {
            rows.push([o.a, o.b]);
            live.add(rows.length - 1);
            if (bulk) ix.insertMany([rows.length - 1]);
            else ix.insert(rows.length - 1);
          } else if (o.kind === 'delete') {
            if (live.size === 0) continue;
            const id = [...live][o.pick % live.size];
            ix.delete(id);
            live.delete(id);
          } else {
            const prefix = o.prefix;
            const lower = prefix.length < 2 ? o.lower : null;
            const upper = prefix.length < 2 ? o.upper : null;
            const got: number[] = [];
            ix.scan(prefix, lower, upper, got);
            const cmp = (x: number | null, y: number | null) => (x === y ? 0 : x === null ? 1 : y === null ? -1 : x - y);
            const want = [...live]
              .filter((id) => {
                const r = rows[id];
                for (let k = 0; k < prefix.length; k++) if (r[k] !== prefix[k]) return false;
                const v = r[prefix.length];
                if (lower || upper) {
                  if (v === null) return false;
                  if (lower && (lower.inclusive ? v < lower.value : v <= lower.value)) return false;
                  if (upper && (upper.inclusive ? v > upper.value : v >= upper.value)) return false;
                }
                return true;
              })
              .sort((x, y) => cmp(rows[x][0], rows[y][0]) || cmp(rows[x][1], rows[y][1]) || x - y);
            expect(got).toEqual(want);
          }
        }
        expect(ix.size).toBe(live.size);
        // built at once over the live rows (CREATE INDEX): the same entries in the same order
        const fresh = new OrderedIndex('fresh', [0, 1], [T.int4, T.int4], (id, col) => rows[id][col]);
        fresh.insertMany([...live]);
        const a: number[] = [];
        const b: number[] = [];
        ix.scan([], null, null, a);
        fresh.scan([], null, null, b);
        expect(b).toEqual(a);
        // a capped scan stops once it would return more than `max` ids
        const all: number[] = [];
        ix.scan([], null, null, all);
        const capped: number[] = [];
        expect(ix.scan([], null, null, capped, 2)).toBe(all.length <= 2);
        expect(capped).toEqual(all.slice(0, 2));
      }),
      { numRuns: 200 },
    );
  });
});

// A table with a primary key, a unique key, a two-column index and single-column indexes of
// several types, and a view with an index; reads with predicates the indexes serve.
const SETUP = [
  'CREATE TABLE t (id int PRIMARY KEY, u bigint UNIQUE, a int, s text, n numeric, f float8, d date)',
  'CREATE INDEX t_a_s ON t (a, s)',
  'CREATE INDEX t_n ON t (n)',
  'CREATE INDEX t_f ON t (f)',
  'CREATE INDEX t_d ON t (d)',
  'CREATE MATERIALIZED VIEW v AS SELECT a, count(*) AS c, sum(n) AS sn FROM t GROUP BY a',
  'CREATE INDEX v_a ON v (a)',
];

const intLit = fc.oneof({ weight: 9, arbitrary: fc.integer({ min: -3, max: 12 }) }, { weight: 1, arbitrary: fc.constantFrom(3000000000, -3000000000) }).map(String);
const textLit = fc.constantFrom("'a'", "'b'", "'ab'", "''", "'b '", 'NULL');
const numLit = fc.constantFrom('1', '1.0', '1.50', '1.5', '-2', '0', 'NULL', "'NaN'");
const floatLit = fc.constantFrom('0', "'-0'", '1.5', "'NaN'", "'Infinity'", "'-Infinity'", '-2', 'NULL');
const dateLit = fc.constantFrom("'2024-01-01'", "'2024-01-02'", "'infinity'", "'-infinity'", 'NULL');

const rowArb = fc.tuple(
  fc.integer({ min: 0, max: 12 }),
  fc.option(fc.integer({ min: 0, max: 20 })),
  fc.option(fc.integer({ min: -2, max: 4 })),
  textLit,
  numLit,
  floatLit,
  dateLit,
);
type RowSpec = [number, number | null, number | null, string, string, string, string];
const values = ([id, u, a, s, n, f, d]: RowSpec) => `(${id}, ${u ?? 'NULL'}, ${a ?? 'NULL'}, ${s}, ${n}, ${f}, ${d})`;
const insert = rowArb.map((r) => `INSERT INTO t VALUES ${values(r)}`);
// a first load, so that predicates find several rows (u unique, id the primary key)
const seed = fc
  .uniqueArray(rowArb, { minLength: 5, maxLength: 13, selector: (r) => r[0] })
  .map((rows) => `INSERT INTO t VALUES ${rows.map((r, i) => values([r[0], r[1] === null ? null : i * 3, r[2], r[3], r[4], r[5], r[6]])).join(', ')}`);
const cmpOp = fc.constantFrom('=', '<', '<=', '>', '>=');
const pred = fc.oneof(
  fc.tuple(fc.constantFrom('id', 'u', 'a'), cmpOp, intLit).map(([c, o, v]) => `${c} ${o} ${v}`),
  fc.tuple(fc.constantFrom('id', 'a'), intLit, intLit).map(([c, x, y]) => `${c} BETWEEN ${x} AND ${y}`),
  fc.tuple(fc.constantFrom('id', 'u', 'a'), fc.array(fc.oneof(intLit, fc.constant('NULL')), { minLength: 1, maxLength: 4 })).map(([c, vs]) => `${c} IN (${vs.join(', ')})`),
  fc.tuple(cmpOp, textLit).map(([o, v]) => `s ${o} ${v}`),
  fc.tuple(cmpOp, numLit).map(([o, v]) => `n ${o} ${v}`),
  fc.tuple(cmpOp, floatLit).map(([o, v]) => `f ${o} ${v}`),
  fc.tuple(cmpOp, dateLit).map(([o, v]) => `d ${o} ${v}`),
  fc.tuple(fc.constantFrom('u', 'id'), intLit).map(([c, v]) => `${c} = ${v}::int8`),
  fc.constantFrom('id = 1 + 1', 'a = 2 AND s = \'a\'', 'a = 1 AND s > \'a\'', 'id = 10 / (a - 1)', 'a IS NULL'),
);
const select = fc
  .tuple(fc.array(pred, { minLength: 1, maxLength: 3 }), fc.constantFrom('*', 'count(*)', 'sum(n)', 'sum(f)', 'id, s', 'a, min(f)', 's, count(*)', 'n, count(*)'))
  .map(([ps, list]) => {
    const grouped = /^[asn],/.test(list) ? ` GROUP BY ${list[0]}` : '';
    return `SELECT ${list} FROM t WHERE ${ps.join(' AND ')}${grouped}`;
  });
const viewRead = fc.tuple(fc.constantFrom('=', '<', '>='), intLit).map(([o, v]) => `SELECT * FROM v WHERE a ${o} ${v}`);
const write = fc.oneof(
  insert,
  fc.tuple(fc.integer({ min: 0, max: 12 }), numLit).map(([id, n]) => `UPDATE t SET n = ${n}, a = a + 1 WHERE id = ${id}`),
  fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 })).map(([x, y]) => `DELETE FROM t WHERE id BETWEEN ${x} AND ${y}`),
  fc.integer({ min: 0, max: 12 }).map((id) => `UPDATE t SET id = id + 20 WHERE id = ${id}`),
);
// in a block, reads see the block's own writes (through the index too)
const txn = fc
  .tuple(fc.array(fc.tuple(write, fc.oneof(select, viewRead)), { minLength: 1, maxLength: 3 }), fc.boolean())
  .map(([ss, commit]) => ['BEGIN', ...ss.flat(), commit ? 'COMMIT' : 'ROLLBACK']);
const program = fc.tuple(seed, fc.array(fc.oneof(write.map((w) => [w]), select.map((s) => [s]), viewRead.map((s) => [s]), txn), { minLength: 3, maxLength: 20 })).map(([first, rest]) => [[first], ...rest]);

describe('reads through indexes agree with PostgreSQL', () => {
  it('random tables, transactions and indexable predicates', async () => {
    await fc.assert(
      fc.asyncProperty(program, async (prog) => {
        // the oracle comparison forgives representations (1.5 vs 1.50) and row order: a full
        // scan must give exactly the same rows, in the same order (a view's index: index order)
        const mismatches = await indexReadMismatches(await differential(), [...SETUP, ...prog.flat()], (sql) => sql.includes(' FROM v '));
        expect(mismatches).toEqual([]);
      }),
      { numRuns: 40 },
    );
    if (process.env.PROPERTY_DEBUG) console.log(Object.fromEntries([...differentialStats].sort((a, b) => b[1] - a[1])));
  }, 240_000);

  it('keys out of a column type range, NULL keys and IN lists with NULL', async () => {
    await agree([
      ...SETUP,
      "INSERT INTO t VALUES (1, 5, 1, 'a', 1.0, 0, '2024-01-01'), (2, NULL, 1, 'b', 1.50, '-0', 'infinity'), (3, 7, NULL, NULL, NULL, 'NaN', NULL)",
      'SELECT * FROM t WHERE id = 3000000000',
      'SELECT * FROM t WHERE id < 3000000000',
      'SELECT * FROM t WHERE id > -3000000000 AND id <= 2',
      'SELECT * FROM t WHERE id = NULL',
      'SELECT * FROM t WHERE id IN (1, NULL, 3, 3)',
      'SELECT * FROM t WHERE u = 5::int2',
      "SELECT * FROM t WHERE f = '-0'",
      "SELECT * FROM t WHERE f > 'Infinity'",
      'SELECT * FROM t WHERE n = 1.5',
      "SELECT * FROM t WHERE d >= 'infinity'",
      'SELECT * FROM t WHERE a = 1 AND s >= NULL',
      'SELECT * FROM t WHERE id = 1 / 0',
      'SELECT * FROM v WHERE a = 1',
      'SELECT * FROM v WHERE a = NULL',
      'SELECT * FROM v WHERE a IN (1, 1, NULL, 1::int8)',
    ]);
  });
});

describe('indexes', () => {
  it('EXPLAIN names the index a read uses', async () => {
    const db = await Database.open();
    for (const s of SETUP) await db.query(s);
    const plan = (q: string) => explainText(db, q);
    expect(await plan('SELECT * FROM t WHERE id = 5')).toContain('Index Scan using t_pkey on t (#0 = 5::int4)');
    expect(await plan('SELECT * FROM t WHERE a = 5 AND s > $1')).toContain('Index Scan using t_a_s on t (#2 = 5::int4, #3 > $1)');
    expect(await plan('SELECT * FROM v WHERE a = 5')).toContain('Index Scan using v_a on v');
    expect(await plan('SELECT * FROM t WHERE s = $1')).not.toContain('Index');
    await db.close();
  });

  it('a view index survives a failed commit and goes with DROP INDEX and its view', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (k int, x int)');
    await db.query('CREATE MATERIALIZED VIEW v AS SELECT k, sum(x) AS s, min(10 / x) AS q FROM t GROUP BY k');
    await db.query('CREATE INDEX v_k ON v (k)');
    await db.query('INSERT INTO t VALUES (1, 1), (2, 2)');
    await expect(db.query('INSERT INTO t VALUES (1, 0)')).rejects.toMatchObject({ code: '22012' });
    expect((await db.query('SELECT s FROM v WHERE k = 1')).rows).toEqual([{ s: 1n }]);
    expect((await db.query("SELECT count(*) FROM pg_indexes WHERE indexname = 'v_k'")).rows).toEqual([{ count: 1n }]);
    await db.query('INSERT INTO t VALUES (1, 5)');
    expect((await db.query('SELECT s FROM v WHERE k = 1')).rows).toEqual([{ s: 6n }]);
    await db.query('DROP INDEX v_k');
    expect((await db.query('SELECT s FROM v WHERE k = 1')).rows).toEqual([{ s: 6n }]);
    await db.query('CREATE INDEX v_k ON v (k)');
    await db.query('DROP MATERIALIZED VIEW v');
    await db.query('CREATE MATERIALIZED VIEW v AS SELECT k FROM t');
    expect((await db.query('SELECT count(*) FROM v WHERE k = 1')).rows).toEqual([{ count: 2n }]);
    await db.close();
  });

  // another session's commit may compact the table (renumbering its rows) under a transaction
  // whose deletes name rows by number: its reads must not hide the wrong rows
  it('a transaction whose deleted row ids were renumbered fails with 40001 instead of misreading', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (id int PRIMARY KEY, v int)');
    await db.insert('t', Array.from({ length: 4000 }, (_, i) => [i, i]));
    const a = db.newSession();
    const b = db.newSession();
    a.execute('BEGIN');
    a.execute('DELETE FROM t WHERE id = 3999');
    expect(a.execute('SELECT count(*) FROM t WHERE id >= 3990')[0].rows).toEqual([[9n]]);
    b.execute('DELETE FROM t WHERE id < 3000');
    for (const q of ['SELECT count(*) FROM t WHERE id >= 3990', 'SELECT count(*) FROM t', 'SELECT v FROM t WHERE id = 3998']) {
      a.execute('SAVEPOINT s');
      expect(() => a.execute(q)).toThrow(expect.objectContaining({ code: '40001' }));
      a.execute('ROLLBACK TO SAVEPOINT s');
    }
    await db.close();
  });

  it('an unselective range falls back to a full scan, with the same answer', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (id int PRIMARY KEY, v int)');
    await db.insert('t', Array.from({ length: 40000 }, (_, i) => [i, i % 7]));
    expect((await db.query('SELECT count(*) AS n, sum(v) AS s FROM t WHERE id >= 10')).rows).toEqual([{ n: 39990n, s: BigInt(Array.from({ length: 39990 }, (_, i) => (i + 10) % 7).reduce((a, b) => a + b, 0)) }]);
    expect((await db.query('SELECT count(*) AS n FROM t WHERE id > 39990')).rows).toEqual([{ n: 9n }]);
    await db.close();
  });

  it('indexes stay right when a compaction renumbers the rows', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (id int PRIMARY KEY, v int, s text)');
    await db.query('CREATE INDEX t_v_s ON t (v, s)');
    await db.insert('t', Array.from({ length: 6000 }, (_, i) => [(i * 7919) % 6000, i % 13, `s${i % 5}`]));
    await db.query('DELETE FROM t WHERE id % 3 <> 0'); // two thirds dead: the table is compacted
    await db.query('UPDATE t SET v = v + 1 WHERE id < 300');
    await db.query("INSERT INTO t VALUES (6001, 4, 's2'), (6002, 4, 's1')");
    for (const q of [
      'SELECT * FROM t WHERE id = 2997',
      'SELECT * FROM t WHERE id BETWEEN 100 AND 160',
      "SELECT * FROM t WHERE v = 4 AND s = 's2'",
      "SELECT count(*), sum(id) FROM t WHERE v = 4 AND s > 's0'",
      'SELECT * FROM t WHERE id IN (0, 3, 4, 6001)',
    ]) {
      const { viaIndex, viaScan } = await bothWays(db, q);
      expect(viaIndex).toEqual(viaScan);
    }
    await db.close();
  });
});
