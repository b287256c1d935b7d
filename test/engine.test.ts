// Hand-written engine scenarios. Most run differentially against PostgreSQL (PGlite): every
// statement runs on both, error codes must agree, and after every statement every materialized
// view must equal PostgreSQL's answer. The rest check what PostgreSQL cannot tell us:
// subscriptions, and that a transaction the engine rejects leaves no trace.

import { describe, expect, it } from 'vitest';
import { Database } from '../src/index.js';
import { sortedRows } from './support/oracle.js';
import { useOracle } from './support/suite.js';

const suite = useOracle();
const { agree } = suite;

async function code(p: Promise<unknown>): Promise<string | null> {
  try {
    await p;
    return null;
  } catch (e: any) {
    return e.code ?? String(e);
  }
}

async function textRows(db: Database, sql: string): Promise<string[]> {
  const r = await db.query(sql, [], { rowMode: 'array', format: 'text' });
  return sortedRows(r.rows as unknown as (string | null)[][]);
}

// ---- aggregates ----------------------------------------------------------------------------------

describe('aggregates', () => {
  const schema = 'CREATE TABLE t (id int PRIMARY KEY, g int, i int, b bigint, n numeric, s text, f boolean)';
  const grouped =
    'CREATE MATERIALIZED VIEW agg AS SELECT g, count(*) AS cnt, count(i) AS ci, sum(i) AS si, sum(b) AS sb, sum(n) AS sn, ' +
    'avg(i) AS ai, avg(b) AS ab, avg(n) AS an, min(i) AS mi, max(i) AS xi, min(b) AS mb, max(b) AS xb, min(n) AS mn, max(n) AS xn, ' +
    'min(s) AS ms, max(s) AS xs, count(DISTINCT i) AS cdi, sum(DISTINCT i) AS sdi, avg(DISTINCT b) AS adb, count(DISTINCT s) AS cds, ' +
    'bool_and(f) AS ba, bool_or(f) AS bo FROM t GROUP BY g';
  const global =
    'CREATE MATERIALIZED VIEW glob AS SELECT count(*) AS cnt, count(i) AS ci, sum(i) AS si, sum(n) AS sn, avg(b) AS ab, ' +
    'min(s) AS ms, max(b) AS xb, count(DISTINCT g) AS cdg FROM t';

  it('every aggregate with NULLs, empty groups and deletes after the view exists', async () => {
    await agree([
      schema,
      grouped,
      global,
      'SELECT * FROM glob',
      'INSERT INTO t VALUES (1, 1, NULL, NULL, NULL, NULL, NULL)',
      'INSERT INTO t VALUES (2, 1, 5, 10, 1.50, \'x\', true), (3, 1, 5, 3000000000, 2.25, \'y\', false), (4, 2, -3, -7, 0.10, \'\', NULL)',
      'INSERT INTO t VALUES (5, NULL, 1, 1, 1.00, \'a\', true), (6, NULL, NULL, NULL, NULL, NULL, NULL)',
      'DELETE FROM t WHERE id = 1',
      'UPDATE t SET i = NULL, b = NULL, n = NULL, s = NULL, f = NULL WHERE g = 2',
      'DELETE FROM t WHERE g = 2',
      'UPDATE t SET g = 3 WHERE id = 2',
      'DELETE FROM t WHERE g IS NULL',
      'INSERT INTO t VALUES (7, 3, 5, 10, 1.50, \'x\', true)',
      'DELETE FROM t',
      'SELECT * FROM glob',
      'INSERT INTO t VALUES (8, 1, 2147483647, 9223372036854775807, 99999999999999999999.99, \'z\', false), (9, 1, 2147483647, 9223372036854775807, 0.01, \'z\', true)',
      'SELECT sum(i), sum(b), avg(b), avg(i) FROM t',
    ]);
  });

  it('integer sums past 2^53 and back, and averages whose value does not change', async () => {
    await agree([
      schema,
      grouped,
      global,
      "INSERT INTO t VALUES (1, 1, 2, 4611686018427387904, 1, 'a', true), (2, 1, 2, 4611686018427387903, 1, 'a', true), (3, 2, 2, -9223372036854775807, 1, 'a', true)",
      'DELETE FROM t WHERE id = 1',
      "INSERT INTO t VALUES (4, 2, 2, -9007199254740993, 1, 'a', true), (5, 2, 2, 9007199254740993, 1, 'a', true)",
      'DELETE FROM t WHERE id IN (2, 3)',
      "INSERT INTO t VALUES (6, 3, 2, 2, 1, 'a', true)",
      "INSERT INTO t VALUES (7, 3, 2, 2, 1, 'a', true)",
      "UPDATE t SET b = 3, i = 3 WHERE id = 6",
      "UPDATE t SET b = 1, i = 1 WHERE id = 7",
    ]);
  });

  it('aggregates created over existing data, and HAVING', async () => {
    await agree([
      schema,
      "INSERT INTO t VALUES (1, 1, 1, 1, 1.0, 'a', true), (2, 1, 2, 2, 2.00, 'b', true), (3, 2, 3, 3, 3, 'c', false), (4, 3, NULL, NULL, NULL, NULL, NULL)",
      grouped,
      global,
      'CREATE MATERIALIZED VIEW hav AS SELECT g, sum(i) AS s FROM t GROUP BY g HAVING count(*) > 1',
      'CREATE MATERIALIZED VIEW hav2 AS SELECT count(*) AS c FROM t HAVING sum(i) > 5',
      'CREATE MATERIALIZED VIEW filt AS SELECT g, count(*) FILTER (WHERE f) AS ct, sum(i) FILTER (WHERE i > 1) AS s FROM t GROUP BY g',
      "INSERT INTO t VALUES (5, 2, 10, 10, 10.5, 'd', true)",
      'DELETE FROM t WHERE id = 2',
      'UPDATE t SET i = i + 1',
      'DELETE FROM t WHERE g = 1',
      'DELETE FROM t',
    ]);
  });

  it('MIN/MAX when the extreme is deleted or updated away, with ties', async () => {
    await agree([
      'CREATE TABLE m (id int PRIMARY KEY, g int, v int, s text, n numeric)',
      'CREATE MATERIALIZED VIEW mm AS SELECT g, min(v) AS lo, max(v) AS hi, min(s) AS ls, max(s) AS hs, min(n) AS ln, max(n) AS hn, count(*) AS c FROM m GROUP BY g',
      'CREATE MATERIALIZED VIEW mg AS SELECT min(v) AS lo, max(v) AS hi FROM m',
      "INSERT INTO m VALUES (1, 1, 5, 'm', 1.5), (2, 1, 9, 'z', 9.9), (3, 1, 9, 'z', 9.9), (4, 1, 1, 'a', 0.1), (5, 1, 1, 'a', 0.1), (6, 2, 7, 'q', 7)",
      'DELETE FROM m WHERE id = 2', // one of two maxima: max stays
      'DELETE FROM m WHERE id = 3', // last maximum: max falls to 5
      'DELETE FROM m WHERE id = 4',
      'UPDATE m SET v = 0 WHERE id = 1', // the new minimum
      'UPDATE m SET v = 100, s = NULL, n = NULL WHERE id = 5',
      'DELETE FROM m WHERE id = 6', // the group disappears
      'BEGIN',
      'DELETE FROM m WHERE v = 100',
      "INSERT INTO m VALUES (10, 1, 100, 'zz', 100)",
      'COMMIT',
      'UPDATE m SET v = NULL',
      'DELETE FROM m',
      "INSERT INTO m VALUES (11, 1, -5, 'k', -5)",
    ]);
  });

  it('sums and averages of numeric keep PostgreSQL scale', async () => {
    await agree([
      'CREATE TABLE d (g int, n numeric, i int)',
      'CREATE MATERIALIZED VIEW dv AS SELECT g, sum(n) AS s, avg(n) AS a, avg(i) AS ai, sum(n * 2) AS s2, avg(n + i) AS ani FROM d GROUP BY g',
      'INSERT INTO d VALUES (1, 1.5, 1), (1, 2.25, 2), (1, 3, 4), (2, 0.001, 1), (2, 100, 2), (3, 1.10, 7)',
      'DELETE FROM d WHERE n = 2.25',
      'INSERT INTO d VALUES (3, -1.10, -7)',
      'UPDATE d SET n = n / 3 WHERE g = 2',
      'SELECT g, avg(n), sum(n) FROM d GROUP BY g',
      'SELECT 1.0 / 3, 2 / 3.0, 10::numeric / 4, avg(x) FROM (VALUES (1), (2)) v(x)',
    ]);
  });
});

// ---- joins ---------------------------------------------------------------------------------------

describe('joins', () => {
  const tables = ['CREATE TABLE l (id int PRIMARY KEY, k int, v text)', 'CREATE TABLE r (id int PRIMARY KEY, k int, w text)'];
  const views = [
    'CREATE MATERIALIZED VIEW ij AS SELECT l.id AS lid, r.id AS rid, l.v, r.w FROM l JOIN r ON l.k = r.k',
    'CREATE MATERIALIZED VIEW lj AS SELECT l.id AS lid, r.id AS rid, l.v, r.w FROM l LEFT JOIN r ON l.k = r.k',
    'CREATE MATERIALIZED VIEW rj AS SELECT l.id AS lid, r.id AS rid, l.v, r.w FROM l RIGHT JOIN r ON l.k = r.k',
    'CREATE MATERIALIZED VIEW fj AS SELECT l.id AS lid, r.id AS rid, l.k AS lk, r.k AS rk FROM l FULL JOIN r ON l.k = r.k',
    'CREATE MATERIALIZED VIEW fju AS SELECT k, l.id AS lid, r.id AS rid FROM l FULL JOIN r USING (k)',
    'CREATE MATERIALIZED VIEW anti AS SELECT l.id FROM l LEFT JOIN r ON l.k = r.k WHERE r.id IS NULL',
    'CREATE MATERIALIZED VIEW ljc AS SELECT l.id, count(r.id) AS matches, count(*) AS c FROM l LEFT JOIN r ON l.k = r.k GROUP BY l.id',
    "CREATE MATERIALIZED VIEW fjx AS SELECT l.id AS lid, r.id AS rid FROM l FULL JOIN r ON l.k = r.k AND r.w <> 'no'",
    'CREATE MATERIALIZED VIEW ljx AS SELECT l.id AS lid, r.id AS rid FROM l LEFT JOIN r ON l.k = r.k AND l.id < r.id',
  ];

  it('outer-join rows flip between matched and NULL-padded', async () => {
    await agree([
      ...tables,
      ...views,
      "INSERT INTO l VALUES (1, 10, 'a'), (2, 20, 'b'), (3, NULL, 'c')",
      "INSERT INTO r VALUES (100, 10, 'x')", // l1 becomes matched
      "INSERT INTO r VALUES (101, 10, 'no')", // second match for l1
      'DELETE FROM r WHERE id = 100', // still matched (by 101)
      'DELETE FROM r WHERE id = 101', // back to NULL-padded
      "INSERT INTO r VALUES (102, 30, 'y')", // unmatched right row
      'UPDATE r SET k = 20 WHERE id = 102', // moves to match l2
      'UPDATE l SET k = 30 WHERE id = 2', // l2 unmatched again, r102 unmatched
      'UPDATE l SET k = 20 WHERE id = 2',
      'BEGIN',
      'UPDATE r SET k = 10 WHERE id = 102',
      'UPDATE l SET k = 10 WHERE id = 2',
      'COMMIT',
      'DELETE FROM l',
      "INSERT INTO l VALUES (4, 10, 'd')",
      'DELETE FROM r',
    ]);
  });

  it('views created over existing data, NULL join keys', async () => {
    await agree([
      ...tables,
      "INSERT INTO l VALUES (1, NULL, 'a'), (2, 1, 'b'), (3, 1, 'c')",
      "INSERT INTO r VALUES (100, NULL, 'x'), (101, 1, 'y'), (102, 2, NULL)",
      ...views,
      'CREATE MATIALIZED VIEW typo AS SELECT 1',
      'CREATE MATERIALIZED VIEW nd AS SELECT l.id AS lid, r.id AS rid FROM l LEFT JOIN r ON l.k IS NOT DISTINCT FROM r.k',
      'UPDATE r SET k = NULL WHERE id = 101',
      'UPDATE l SET k = NULL',
      "INSERT INTO r VALUES (103, NULL, 'z')",
      'UPDATE r SET k = 1',
    ]);
  });

  it('cross joins, self joins and three-way joins', async () => {
    await agree([
      ...tables,
      'CREATE TABLE x (k int, z int)',
      'CREATE MATERIALIZED VIEW cj AS SELECT l.id AS lid, r.id AS rid FROM l CROSS JOIN r',
      'CREATE MATERIALIZED VIEW sj AS SELECT a.id AS a, b.id AS b FROM l a JOIN l b ON a.k = b.k AND a.id <> b.id',
      'CREATE MATERIALIZED VIEW tri AS SELECT l.id AS lid, r.id AS rid, x.z FROM l LEFT JOIN r ON l.k = r.k FULL JOIN x ON x.k = r.k',
      'CREATE MATERIALIZED VIEW triagg AS SELECT x.z, count(*) AS c, sum(l.id) AS s FROM l JOIN r ON l.k = r.k RIGHT JOIN x ON x.k = l.k GROUP BY x.z',
      "INSERT INTO l VALUES (1, 1, 'a'), (2, 1, 'b'), (3, 2, 'c')",
      "INSERT INTO r VALUES (10, 1, 'x'), (11, 2, 'y')",
      'INSERT INTO x VALUES (1, 100), (1, 100), (3, 300), (NULL, NULL)',
      'UPDATE l SET k = 2 WHERE id = 1',
      'DELETE FROM x WHERE k = 1',
      'BEGIN',
      'UPDATE l SET k = k + 1',
      'UPDATE r SET k = k + 1',
      'INSERT INTO x VALUES (3, 301)',
      'COMMIT',
      'DELETE FROM r',
    ]);
  });
});

// ---- duplicates, transactions, views on views ------------------------------------------------------

describe('duplicates and transactions', () => {
  it('duplicate rows in tables without a key', async () => {
    await agree([
      'CREATE TABLE d (a int, b text)',
      'CREATE MATERIALIZED VIEW dall AS SELECT a, b FROM d',
      'CREATE MATERIALIZED VIEW ddist AS SELECT DISTINCT a, b FROM d',
      'CREATE MATERIALIZED VIEW dcnt AS SELECT a, count(*) AS c FROM d GROUP BY a',
      'CREATE MATERIALIZED VIEW dua AS SELECT a FROM d UNION ALL SELECT a FROM d WHERE a > 1',
      'CREATE MATERIALIZED VIEW du AS SELECT a FROM d UNION SELECT a + 1 FROM d',
      "INSERT INTO d VALUES (1, 'x'), (1, 'x'), (1, 'x'), (2, NULL), (2, NULL)",
      'INSERT INTO d SELECT * FROM d',
      "DELETE FROM d WHERE b = 'x'",
      'UPDATE d SET a = 3',
      "INSERT INTO d VALUES (3, NULL), (NULL, NULL), (NULL, NULL)",
      'DELETE FROM d WHERE a IS NULL',
    ]);
  });

  it('a transaction that inserts and deletes the same row, or deletes and re-inserts it', async () => {
    await agree([
      'CREATE TABLE t (id int PRIMARY KEY, v int)',
      'CREATE MATERIALIZED VIEW tv AS SELECT id, v FROM t',
      'CREATE MATERIALIZED VIEW ts AS SELECT count(*) AS c, sum(v) AS s FROM t',
      'INSERT INTO t VALUES (1, 10)',
      'BEGIN',
      'INSERT INTO t VALUES (2, 20)',
      'SELECT * FROM tv',
      'DELETE FROM t WHERE id = 2',
      'COMMIT',
      'BEGIN',
      'DELETE FROM t WHERE id = 1',
      'INSERT INTO t VALUES (1, 10)',
      'COMMIT',
      'BEGIN',
      'INSERT INTO t VALUES (3, 30)',
      'UPDATE t SET v = v + 1 WHERE id = 3',
      'UPDATE t SET id = 4 WHERE id = 3',
      'COMMIT',
      'BEGIN',
      'DELETE FROM t',
      'INSERT INTO t VALUES (1, 11), (4, 31)',
      'COMMIT',
    ]);
  });

  it('ROLLBACK leaves views unchanged; a failed statement aborts the block', async () => {
    await agree([
      'CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)',
      'CREATE MATERIALIZED VIEW tv AS SELECT v, count(*) AS c FROM t GROUP BY v',
      'INSERT INTO t VALUES (1, 1), (2, 1)',
      'BEGIN',
      'INSERT INTO t VALUES (3, 3)',
      'UPDATE t SET v = 7',
      'SELECT * FROM tv',
      'DELETE FROM t WHERE id = 1',
      'ROLLBACK',
      'SELECT * FROM t',
      'BEGIN',
      'INSERT INTO t VALUES (5, 5)',
      'INSERT INTO t VALUES (1, 1)', // 23505: the block is aborted
      'INSERT INTO t VALUES (6, 6)', // 25P02
      'SELECT * FROM tv', // 25P02
      'COMMIT', // reported as ROLLBACK
      'SELECT * FROM t',
      'ROLLBACK', // no transaction in progress: a warning, not an error
      'COMMIT',
    ]);
  });

  it('views on views (materialized and plain)', async () => {
    await agree([
      'CREATE TABLE t (g int, v int)',
      'CREATE MATERIALIZED VIEW v1 AS SELECT g, sum(v) AS s, count(*) AS c FROM t GROUP BY g',
      'CREATE MATERIALIZED VIEW v2 AS SELECT g, s FROM v1 WHERE s > 2',
      'CREATE MATERIALIZED VIEW v3 AS SELECT count(*) AS groups, sum(s) AS total, max(c) AS biggest FROM v1',
      'CREATE MATERIALIZED VIEW v4 AS SELECT t.g, t.v, v1.s FROM t JOIN v1 ON t.g = v1.g',
      'CREATE VIEW pv AS SELECT g, v * 2 AS v2 FROM t WHERE v IS NOT NULL',
      'CREATE MATERIALIZED VIEW v5 AS SELECT g, max(v2) AS m FROM pv GROUP BY g',
      'CREATE MATERIALIZED VIEW v6 AS SELECT s FROM v2 UNION SELECT m FROM v5',
      'INSERT INTO t VALUES (1, 1), (1, 2), (2, 5), (3, NULL)',
      'UPDATE t SET v = 0 WHERE g = 1',
      'DELETE FROM t WHERE g = 2',
      'INSERT INTO t SELECT g + 10, v FROM t',
      'DELETE FROM t',
    ]);
  });
});

describe('more query shapes', () => {
  it('WITH, NATURAL JOIN, VALUES, nested set operations, simple CASE, DISTINCT aggregates', async () => {
    await agree([
      'CREATE TABLE a (k int, x int, s text)',
      'CREATE TABLE b (k int, y int)',
      'CREATE MATERIALIZED VIEW w1 AS WITH big AS (SELECT k, x FROM a WHERE x > 1) SELECT big.k, count(*) AS c FROM big JOIN b ON big.k = b.k GROUP BY big.k',
      'CREATE MATERIALIZED VIEW w2 AS SELECT * FROM a NATURAL JOIN b',
      'CREATE MATERIALIZED VIEW w3 AS SELECT a.k, v.label FROM a JOIN (VALUES (1, \'one\'), (2, \'two\'), (NULL, \'null\')) v(k, label) ON a.k = v.k',
      'CREATE MATERIALIZED VIEW w4 AS (SELECT k FROM a UNION SELECT k FROM b) UNION ALL SELECT x FROM a WHERE x IS NULL',
      'CREATE MATERIALIZED VIEW w5 AS SELECT CASE k WHEN 1 THEN \'one\' WHEN 2 THEN \'two\' ELSE \'many\' END AS name, count(DISTINCT x) AS dx, sum(DISTINCT x) AS sx FROM a GROUP BY 1',
      'CREATE MATERIALIZED VIEW w6 AS SELECT DISTINCT k, count(*) AS c FROM a GROUP BY k, x',
      'CREATE MATERIALIZED VIEW w7 AS SELECT s, k FROM a WHERE s LIKE \'a%\' OR s ILIKE \'B_\' OR s NOT LIKE \'%c\'',
      "INSERT INTO a VALUES (1, 1, 'abc'), (1, 2, 'b_'), (2, 2, 'Bx'), (2, 2, NULL), (NULL, NULL, 'c'), (3, NULL, 'zc')",
      'INSERT INTO b VALUES (1, 10), (2, 20), (2, 21), (NULL, 0), (4, 40)',
      'DELETE FROM a WHERE k = 1',
      'UPDATE b SET k = 3 WHERE k = 4',
      'UPDATE a SET x = x + 1',
      'DELETE FROM b',
      'SELECT k, x FROM a ORDER BY k NULLS FIRST, x DESC LIMIT 3',
      'SELECT * FROM a ORDER BY 1 OFFSET 1',
    ]);
  });
});

// ---- DROP ----------------------------------------------------------------------------------------

describe('DROP', () => {
  // The oracle keeps real materialized views here, so DROP statements run verbatim on both sides.
  it('with and without CASCADE', async () => {
    await suite.reset();
    const db = await Database.open();
    const both = async (sql: string) => {
      const ours = await code(db.query(sql));
      const theirs = await suite.oracle().errorCode(sql);
      expect({ sql, code: ours }).toEqual({ sql, code: theirs });
    };
    for (const s of [
      'CREATE TABLE t (a int, b int)',
      'CREATE TABLE u (a int)',
      'INSERT INTO t VALUES (1, 2), (3, 4)',
      'CREATE MATERIALIZED VIEW v1 AS SELECT a, b FROM t',
      'CREATE MATERIALIZED VIEW v2 AS SELECT a FROM v1 WHERE b > 2',
      'CREATE MATERIALIZED VIEW v3 AS SELECT t.a FROM t JOIN u ON t.a = u.a',
      'CREATE VIEW pv AS SELECT a FROM u',
      'DROP TABLE t', // 2BP01
      'DROP MATERIALIZED VIEW v1', // 2BP01
      'DROP VIEW v1', // 42809: wrong kind
      'DROP TABLE v1', // 42809
      'DROP MATERIALIZED VIEW t', // 42809
      'DROP MATERIALIZED VIEW pv', // 42809
      'DROP TABLE nope', // 42P01
      'DROP TABLE IF EXISTS nope',
      'DROP MATERIALIZED VIEW IF EXISTS nope',
      'DROP MATERIALIZED VIEW v2',
      'SELECT * FROM v2', // 42P01
      'DROP MATERIALIZED VIEW v1',
      'DROP TABLE u', // 2BP01 (v3, pv)
      'DROP TABLE u CASCADE',
      'SELECT * FROM v3', // 42P01
      'SELECT * FROM pv', // 42P01
      'CREATE MATERIALIZED VIEW v1 AS SELECT a FROM t',
      'CREATE MATERIALIZED VIEW v1 AS SELECT a FROM t', // 42P07
      'CREATE TABLE t (x int)', // 42P07
      'CREATE TABLE v1 (x int)', // 42P07
      'DROP TABLE t CASCADE',
      'SELECT * FROM v1', // 42P01
      'CREATE TABLE t (x text)', // the name is free again
      'INSERT INTO t VALUES (\'ok\')',
    ]) {
      await both(s);
    }
    expect(await textRows(db, 'SELECT * FROM t')).toEqual(sortedRows(await suite.oracle().rows('SELECT * FROM t')));
    // a dropped-and-recreated view is maintained from its new definition
    await db.query('CREATE MATERIALIZED VIEW w AS SELECT x FROM t');
    await db.query("INSERT INTO t VALUES ('more')");
    expect(await textRows(db, 'SELECT * FROM w')).toEqual(sortedRows([['ok'], ['more']]));
    await db.close();
  });
});

// ---- errors --------------------------------------------------------------------------------------

describe('errors agree with PostgreSQL', () => {
  const setup = [
    'CREATE TABLE t (id int PRIMARY KEY, g int, i int NOT NULL, s text, b bigint, n numeric, f boolean, sm smallint)',
    'CREATE TABLE u (id int PRIMARY KEY, g int, x int)',
    "INSERT INTO t VALUES (1, 1, 10, 'a', 5, 1.5, true, 1), (2, 1, 20, 'b', 6, 2.5, false, 2), (3, 2, 0, NULL, NULL, NULL, NULL, NULL)",
    'INSERT INTO u VALUES (1, 1, 100), (2, 2, 200)',
    'CREATE MATERIALIZED VIEW tv AS SELECT g, count(*) AS c, sum(i) AS s FROM t GROUP BY g',
  ];

  it('PRIMARY KEY and NOT NULL violations', async () => {
    await agree([
      ...setup,
      "INSERT INTO t VALUES (1, 9, 9, 'dup', 0, 0, true, 0)", // 23505
      'INSERT INTO t (id, g, i) VALUES (10, 1, 1), (10, 1, 2)', // 23505 within one statement
      'INSERT INTO t (id, g) VALUES (11, 1)', // 23502: i omitted
      'INSERT INTO t (id, g, i) VALUES (NULL, 1, 1)', // 23502: primary key
      'INSERT INTO t (id, g, i) VALUES (12, 1, NULL)', // 23502
      'UPDATE t SET i = NULL WHERE id = 1', // 23502
      'UPDATE t SET id = 2 WHERE id = 1', // 23505
      'UPDATE t SET id = id + 10', // fine: no duplicates at the end
      'UPDATE t SET id = 5', // 23505
      'INSERT INTO t (id, g, i) SELECT id, g, x FROM u', // fine (ids 1, 2 are free now)
      'INSERT INTO t (id, g, i) SELECT id, g, x FROM u', // 23505
      'INSERT INTO t (id, g, i) SELECT id + 100, g, NULL FROM u', // 23502
      'BEGIN',
      'DELETE FROM t WHERE id = 1',
      'INSERT INTO t (id, g, i) VALUES (1, 7, 7)', // the key was freed in this transaction
      'COMMIT',
      "INSERT INTO u VALUES ('3', '3', '3')",
      "INSERT INTO u VALUES ('x', 1, 1)", // 22P02
    ]);
  });

  it('integer overflow and division by zero in ad-hoc SELECTs', async () => {
    await agree([
      ...setup,
      'SELECT 2147483647 + 1',
      'SELECT 2147483647::int + 1',
      'SELECT (-2147483647 - 1) * -1',
      'SELECT -(-2147483648)::int',
      'SELECT 9223372036854775807 + 1',
      'SELECT 9223372036854775807::bigint * 2',
      'SELECT (-9223372036854775807 - 1)::bigint / -1',
      'SELECT 32767::smallint + 1::smallint',
      "SELECT '2147483648'::int",
      "SELECT '99999'::smallint",
      'SELECT 3000000000::bigint::int',
      'SELECT 1.5e10::numeric::int',
      'SELECT i * 1000000000 FROM t',
      'SELECT sm * 100000::smallint FROM t',
      'SELECT sum(i * 100000000) FROM t',
      'SELECT 1 / 0',
      'SELECT 1 % 0',
      'SELECT 1.5 / 0',
      'SELECT 1::bigint / 0::bigint',
      'SELECT 10 / i FROM t',
      'SELECT 10 / i FROM t WHERE i <> 0',
      'SELECT 10 % NULLIF(i, 0), 10 / NULLIF(i, 0) FROM t',
      'SELECT 7 / 2, -7 / 2, 7 % -3, -7 % 3, 7.0 / 2, 1.0 / 3, -2147483648 / 2',
      "SELECT 'abc'::int",
      "SELECT ' 12 '::int, '0012'::bigint, '-0'::int, '1e3'::numeric, '  1.50 '::numeric",
    ]);
  });

  it('type errors', async () => {
    await agree([
      ...setup,
      "SELECT 1 + 'a'::text",
      "SELECT s + 1 FROM t",
      'SELECT true + 1',
      'SELECT -s FROM t',
      'SELECT id FROM t WHERE i',
      'SELECT id FROM t WHERE s',
      "SELECT CASE WHEN f THEN 1 ELSE 'a'::text END FROM t",
      "SELECT COALESCE(i, s) FROM t",
      "SELECT i FROM t UNION SELECT s FROM t",
      'SELECT NOT i FROM t',
      'SELECT i AND f FROM t',
      'SELECT sum(s) FROM t',
      'SELECT avg(f) FROM t',
      'SELECT min(f) FROM t',
      "SELECT i = 'x' FROM t",
      "SELECT s = 1 FROM t",
      "SELECT i IN (1, 'a') FROM t",
      "SELECT s LIKE 1 FROM t",
      "SELECT i LIKE 'a' FROM t",
      "INSERT INTO u VALUES (5, 'x', 1)",
      "INSERT INTO u (id, g, x) VALUES (6, 1, true)",
      "UPDATE u SET x = 'y'",
      "UPDATE u SET x = true",
      'SELECT nosuchfunction(1)',
      'CREATE MATERIALIZED VIEW bad AS SELECT s + 1 AS x FROM t',
    ]);
  });

  it('unknown and ambiguous names', async () => {
    await agree([
      ...setup,
      'SELECT * FROM nope',
      'SELECT nope FROM t',
      'SELECT t.nope FROM t',
      'SELECT x.id FROM t',
      'SELECT t.id FROM t a',
      'INSERT INTO nope VALUES (1)',
      'INSERT INTO u (nope) VALUES (1)',
      'UPDATE u SET nope = 1',
      'UPDATE nope SET a = 1',
      'DELETE FROM nope',
      'DELETE FROM u WHERE nope = 1',
      'CREATE MATERIALIZED VIEW bad AS SELECT * FROM nope',
      'CREATE MATERIALIZED VIEW bad AS SELECT nope FROM t',
      'SELECT id FROM t JOIN u ON t.g = u.g',
      'SELECT g FROM t, u',
      'SELECT g FROM t JOIN u USING (g)',
      'SELECT id FROM t JOIN u USING (g)',
      'SELECT t.id FROM t JOIN t ON true',
      'SELECT a.id FROM t a JOIN u a ON true',
      'CREATE MATERIALIZED VIEW bad AS SELECT id FROM t JOIN u ON t.g = u.g',
      'CREATE MATERIALIZED VIEW bad AS SELECT t.id, u.id FROM t JOIN u ON t.g = u.g',
      'CREATE MATERIALIZED VIEW good AS SELECT t.id AS tid, u.id AS uid FROM t JOIN u ON t.g = u.g',
    ]);
  });

  it('GROUP BY and aggregate placement errors', async () => {
    await agree([
      ...setup,
      'SELECT g, count(*) FROM t',
      'SELECT i, count(*) FROM t GROUP BY g',
      'SELECT g, i FROM t GROUP BY g',
      'SELECT count(*) FROM t WHERE count(*) > 1',
      'SELECT sum(count(*)) FROM t',
      'SELECT g FROM t GROUP BY g HAVING i > 1',
      'SELECT g FROM t GROUP BY 5',
      'SELECT g FROM t GROUP BY count(*)',
      'SELECT g + 1, count(*) FROM t GROUP BY g + 1',
      'SELECT g + 1, count(*) FROM t GROUP BY g',
      'SELECT g * 2, count(*) FROM t GROUP BY g + 1',
      'SELECT g, count(*) FROM t GROUP BY 1 HAVING count(*) > 1',
      'SELECT count(*) FROM t HAVING count(*) > 100',
      'UPDATE t SET i = count(*)',
      'CREATE MATERIALIZED VIEW bad AS SELECT g, i FROM t GROUP BY g',
      'SELECT DISTINCT g FROM t',
    ]);
  });
});

// ---- other types ---------------------------------------------------------------------------------

describe('other types', () => {
  it('date, timestamp and interval in tables and views', async () => {
    await agree([
      'CREATE TABLE ev (id int PRIMARY KEY, d date, ts timestamp, iv interval)',
      'CREATE MATERIALIZED VIEW evd AS SELECT d, count(*) AS c, min(ts) AS first, max(ts) AS last, sum(iv) AS total, avg(iv) AS mean, max(iv) AS longest FROM ev GROUP BY d',
      'CREATE MATERIALIZED VIEW evx AS SELECT id, d + 1 AS next_day, d - DATE \'2024-01-01\' AS days, ts + iv AS ends, ts - TIMESTAMP \'2024-01-01 00:00:00\' AS since, iv * 2 AS twice, -iv AS neg FROM ev',
      "INSERT INTO ev VALUES (1, '2024-01-01', '2024-01-01 10:00:00', '1 hour'), (2, '2024-01-01', '2024-01-01 23:59:59.5', '1 day 2 hours')",
      "INSERT INTO ev VALUES (3, '2024-02-29', '2024-02-29 12:00:00', '1 mon -1 days'), (4, '1999-12-31', '1999-12-31 23:59:59', '-00:00:01')",
      "INSERT INTO ev VALUES (5, NULL, NULL, NULL), (6, '2024-01-01', '2024-01-01 00:00:00', '0 seconds'), (7, '0044-03-15', '2024-01-01 01:02:03.456789', '1 year 2 mons 3 days 04:05:06.789')",
      'DELETE FROM ev WHERE id = 2',
      "UPDATE ev SET iv = iv + interval '30 minutes' WHERE id < 5",
      "SELECT interval '1 day' - interval '1 hour', interval '25 hours', interval '-1 day 02:00', interval '1.5 days', interval '1 mon' / 3",
      "SELECT date '2024-03-31' + interval '1 month', timestamp '2024-01-31 00:00' + interval '1 month', date '2024-01-01' - 1, '2024-13-01'::date",
      "SELECT justify_hours(interval '27 hours'), extract(year from date '2024-05-06'), date_trunc('month', timestamp '2024-05-06 07:08:09')",
    ]);
  });

  it('floating point, smallint, varchar and casts print like PostgreSQL', async () => {
    await agree([
      'CREATE TABLE ty (id int PRIMARY KEY, h smallint, v varchar(3), r real, d double precision)',
      'CREATE MATERIALIZED VIEW tyv AS SELECT id, h * 2 AS h2, v, upper(v) AS uv, length(v) AS lv, r, d, d * 2 AS d2, CAST(d AS numeric) AS dn FROM ty',
      "INSERT INTO ty VALUES (1, 32767, 'abc', 1.5, 0.1)",
      "INSERT INTO ty VALUES (2, 1, 'abcd', 1, 1)",
      "INSERT INTO ty VALUES (3, 1, 'ab   ', 1, 1)",
      "INSERT INTO ty VALUES (4, 16383, 'é😀', 3.14159, 1e100), (5, -16384, '', 1e-7, -0.0)",
      "INSERT INTO ty VALUES (6, 40000, 'x', 0, 0)",
      'UPDATE ty SET h = h + 1 WHERE id = 4',
      'SELECT 0.1::float8 + 0.2::float8, 1e21::float8, 1e-7::float8, 123456789.125::real, 1.0::float8 / 3, 2::float8 ^ 0.5',
      "SELECT 'NaN'::float8, 'Infinity'::float8, '-Infinity'::real, '-0'::float8, 1e308::float8 * 10",
      'SELECT 2.5::int, (-2.5)::int, 3.5::bigint, 0.5::smallint, 2.5::float8::int, 3.5::real::int, 1e3::numeric, 1.50::text',
      "SELECT 'abc'::varchar(2), 'abc'::char(5) || 'x', length('abc '::char(5)), 'true'::boolean::text, 1::boolean",
      "SELECT min(x), max(x) FROM (VALUES ('ｱ'), ('😀'), ('z'), ('é'), ('')) v(x)",
      "SELECT x FROM (VALUES ('ｱ'), ('😀')) v(x) WHERE x < '😀'",
    ]);
  });
});

// ---- subscriptions -------------------------------------------------------------------------------

describe('subscribe', () => {
  type Change = { row: Record<string, unknown>; diff: number; timestamp: number };
  const key = (c: { row: Record<string, unknown>; diff: number }) =>
    JSON.stringify([c.diff, c.row], (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));

  it('streams exactly the changes, as +1/-1 rows with strictly increasing timestamps', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (k int, v bigint)');
    await db.query('CREATE MATERIALIZED VIEW mv AS SELECT k, sum(v) AS s, count(*) AS c FROM t GROUP BY k');
    const batches: Change[][] = [];
    const sub = db.subscribe('mv', (changes) => batches.push(changes), { snapshot: false });

    const step = async (sql: string, expected: { row: Record<string, unknown>; diff: number }[]) => {
      const before = batches.length;
      await db.query(sql);
      const got = batches.slice(before).flat();
      expect({ sql, changes: got.map(key).sort() }).toEqual({ sql, changes: expected.map(key).sort() });
      if (expected.length) {
        // one transaction → one timestamp
        expect(new Set(got.map((c) => c.timestamp)).size).toBe(1);
      }
    };

    await step('INSERT INTO t VALUES (1, 10), (1, 5), (2, 7)', [
      { row: { k: 1, s: '15', c: 2n }, diff: 1 },
      { row: { k: 2, s: '7', c: 1n }, diff: 1 },
    ]);
    await step('UPDATE t SET v = v + 1 WHERE k = 2', [
      { row: { k: 2, s: '7', c: 1n }, diff: -1 },
      { row: { k: 2, s: '8', c: 1n }, diff: 1 },
    ]);
    await step('UPDATE t SET v = v WHERE k = 2', []); // no net change
    await step('DELETE FROM t WHERE k = 3', []);
    await step('DELETE FROM t WHERE k = 1', [{ row: { k: 1, s: '15', c: 2n }, diff: -1 }]);
    await step('BEGIN', []);
    await step('INSERT INTO t VALUES (5, 1)', []);
    await step('DELETE FROM t WHERE k = 5', []);
    await step('INSERT INTO t VALUES (2, 2), (6, NULL)', []);
    await step('COMMIT', [
      { row: { k: 2, s: '8', c: 1n }, diff: -1 },
      { row: { k: 2, s: '10', c: 2n }, diff: 1 },
      { row: { k: 6, s: null, c: 1n }, diff: 1 },
    ]);
    await step('BEGIN', []);
    await step('DELETE FROM t', []);
    await step('ROLLBACK', []);

    const ts = batches.flat().map((c) => c.timestamp);
    for (let i = 1; i < batches.length; i++) expect(batches[i][0].timestamp).toBeGreaterThan(batches[i - 1][0].timestamp);
    expect(ts.every((t) => Number.isFinite(t))).toBe(true);
    for (const c of batches.flat()) expect([1, -1]).toContain(c.diff);

    sub.unsubscribe();
    await db.query('INSERT INTO t VALUES (9, 9)');
    expect(batches.flat().some((c) => c.row.k === 9)).toBe(false);
    await db.close();
  });

  it('duplicate rows are separate +1/-1 entries; the snapshot comes first', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (k int)');
    await db.query('INSERT INTO t VALUES (1), (1), (2)');
    await db.query('CREATE MATERIALIZED VIEW mv AS SELECT k FROM t');
    const all: Change[] = [];
    const sub = db.subscribe('mv', (changes) => all.push(...changes));
    expect(all.map(key).sort()).toEqual([key({ row: { k: 1 }, diff: 1 }), key({ row: { k: 1 }, diff: 1 }), key({ row: { k: 2 }, diff: 1 })].sort());
    const snapshotTs = all[0].timestamp;
    all.length = 0;
    await db.query('INSERT INTO t VALUES (3), (3)');
    await db.query('DELETE FROM t WHERE k = 1');
    expect(all.map(key).sort()).toEqual(
      [
        key({ row: { k: 3 }, diff: 1 }),
        key({ row: { k: 3 }, diff: 1 }),
        key({ row: { k: 1 }, diff: -1 }),
        key({ row: { k: 1 }, diff: -1 }),
      ].sort(),
    );
    expect(all.every((c) => c.timestamp > snapshotTs)).toBe(true);
    expect(all.filter((c) => c.diff === -1)[0].timestamp).toBeGreaterThan(all.filter((c) => c.diff === 1)[0].timestamp);
    sub.unsubscribe();
    expect(() => db.subscribe('t', () => {})).toThrow();
    expect(() => db.subscribe('nope', () => {})).toThrow();
    await db.close();
  });
});

// ---- failing transactions leave no trace -----------------------------------------------------------

describe('a rejected transaction leaves every table and view unchanged', () => {
  async function snapshot(db: Database, names: string[]): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const n of names) out[n] = await textRows(db, `SELECT * FROM ${n}`);
    return out;
  }
  /** Every materialized view equals its defining query evaluated ad hoc. */
  async function consistent(db: Database, defs: Record<string, string>): Promise<void> {
    for (const [v, q] of Object.entries(defs)) expect({ v, rows: await textRows(db, `SELECT * FROM ${v}`) }).toEqual({ v, rows: await textRows(db, q) });
  }

  const defs = {
    big: 'SELECT id, i * 1000 AS x FROM t',
    inv: 'SELECT id, 100 / i AS q FROM t',
    agg: 'SELECT g, sum(i) AS s, max(i) AS m, count(*) AS c FROM t GROUP BY g',
    cnt: 'SELECT count(*) AS c FROM t',
  };

  async function setup(): Promise<Database> {
    const db = await Database.open();
    await db.query('CREATE TABLE t (id int PRIMARY KEY, g int, i int)');
    await db.query('INSERT INTO t VALUES (1, 1, 1), (2, 1, 2), (3, 2, 3)');
    for (const [v, q] of Object.entries(defs)) await db.query(`CREATE MATERIALIZED VIEW ${v} AS ${q}`);
    return db;
  }
  const names = ['t', ...Object.keys(defs)];

  it('integer overflow inside a view expression (autocommit UPDATE)', async () => {
    const db = await setup();
    const changes: unknown[] = [];
    db.subscribe('cnt', (c) => changes.push(...c), { snapshot: false });
    db.subscribe('agg', (c) => changes.push(...c), { snapshot: false });
    const before = await snapshot(db, names);
    expect(await code(db.query('UPDATE t SET i = 3000000 WHERE id = 2'))).toBe('22003');
    expect(await snapshot(db, names)).toEqual(before);
    expect(await code(db.query('INSERT INTO t VALUES (4, 2, 0)'))).toBe('22012');
    expect(await snapshot(db, names)).toEqual(before);
    expect(changes).toEqual([]);
    // and the views are still maintained afterwards
    await db.query('UPDATE t SET i = 7 WHERE id = 2');
    await db.query('INSERT INTO t VALUES (4, 3, 4)');
    await consistent(db, defs);
    expect(changes.length).toBeGreaterThan(0);
    await db.close();
  });

  it('an error in a view at COMMIT undoes the whole block', async () => {
    const db = await setup();
    const before = await snapshot(db, names);
    await db.query('BEGIN');
    await db.query('INSERT INTO t VALUES (10, 5, 5)');
    await db.query('DELETE FROM t WHERE id = 1');
    await db.query('UPDATE t SET i = 5000000 WHERE id = 3'); // overflows big.x only when maintained
    const c = await code(db.query('COMMIT'));
    expect(c).toBe('22003');
    expect(await snapshot(db, names)).toEqual(before);
    // the session is usable again, outside any transaction
    await db.query('INSERT INTO t VALUES (11, 1, 11)');
    await consistent(db, defs);
    await db.close();
  });

  it('a PRIMARY KEY violation at COMMIT (a concurrent session took the key)', async () => {
    const db = await setup();
    const other = db.newSession();
    await db.query('BEGIN');
    await db.query('INSERT INTO t VALUES (20, 9, 9)');
    await db.query('UPDATE t SET i = i + 1');
    other.execute('INSERT INTO t VALUES (20, 8, 8)');
    const c = await code(db.query('COMMIT'));
    expect(c).toBe('23505');
    const after = await snapshot(db, ['t', 'cnt']);
    expect(after.cnt).toEqual(['["4"]']);
    expect(after.t).toEqual(sortedRows([['1', '1', '1'], ['2', '1', '2'], ['3', '2', '3'], ['20', '8', '8']]));
    await consistent(db, defs);
    await db.close();
  });

  it('a failed statement inside a block: COMMIT rolls back', async () => {
    const db = await setup();
    const before = await snapshot(db, names);
    await db.query('BEGIN');
    await db.query('INSERT INTO t VALUES (30, 1, 1)');
    expect(await code(db.query('INSERT INTO t VALUES (1, 1, 1)'))).toBe('23505');
    expect(await code(db.query('INSERT INTO t VALUES (31, 1, 1)'))).toBe('25P02');
    const r = await db.query('COMMIT');
    expect(r.command).toBe('ROLLBACK');
    expect(await snapshot(db, names)).toEqual(before);
    await db.close();
  });
});
