// Uncorrelated subqueries in expressions, ad hoc and in views maintained through changes.
import { describe, expect, it } from 'vitest';
import { useOracle } from './support/suite.js';

const { agree, differential } = useOracle();

const setup = [
  'CREATE TABLE t (k int, v int)',
  'CREATE TABLE u (k int, w int)',
  'INSERT INTO t VALUES (1, 10), (2, 20), (3, NULL), (NULL, 5)',
  'INSERT INTO u VALUES (1, 100), (1, 101), (4, 400)',
];

describe('subqueries in expressions', () => {
  it('IN and NOT IN with NULLs on either side, maintained through changes', async () => {
    await agree([
      ...setup,
      'CREATE MATERIALIZED VIEW i AS SELECT k, v FROM t WHERE k IN (SELECT k FROM u)',
      'CREATE MATERIALIZED VIEW ni AS SELECT k, v FROM t WHERE k NOT IN (SELECT k FROM u)',
      'CREATE MATERIALIZED VIEW flags AS SELECT k, k IN (SELECT k FROM u) AS f, v NOT IN (SELECT w FROM u) AS g FROM t',
      'INSERT INTO u VALUES (2, NULL)',
      'INSERT INTO u VALUES (NULL, 7)',
      'DELETE FROM u WHERE k IS NULL',
      'DELETE FROM u',
      'INSERT INTO u VALUES (3, 3)',
      'SELECT * FROM t WHERE k IN (SELECT k FROM u) OR v > 15',
      'SELECT k FROM t WHERE k::bigint IN (SELECT w FROM u)',
    ]);
  });

  it('EXISTS and scalar subqueries, including empty ones', async () => {
    await agree([
      ...setup,
      'CREATE MATERIALIZED VIEW e AS SELECT k FROM t WHERE EXISTS (SELECT 1 FROM u WHERE w > 300)',
      'CREATE MATERIALIZED VIEW s AS SELECT k, v - (SELECT max(w) FROM u) AS d, (SELECT count(*) FROM u) AS n FROM t',
      'CREATE MATERIALIZED VIEW g AS SELECT k, sum(v) AS s FROM t GROUP BY k HAVING sum(v) > (SELECT min(w) / 10 FROM u)',
      'DELETE FROM u WHERE w = 400',
      'INSERT INTO u VALUES (5, 50)',
      'DELETE FROM u',
      'INSERT INTO u VALUES (6, 60)',
      'SELECT k, (SELECT w FROM u WHERE w > 1000) FROM t',
      'SELECT (SELECT 1), EXISTS (SELECT 1 FROM u WHERE false)',
    ]);
  });

  it('a scalar subquery with more than one row fails as in PostgreSQL (21000)', async () => {
    await agree([
      ...setup,
      'SELECT k, (SELECT w FROM u) FROM t',
      'SELECT k FROM t WHERE v = (SELECT w FROM u WHERE k = 4)',
      'CREATE MATERIALIZED VIEW one AS SELECT k, (SELECT w FROM u WHERE k = 4) AS w FROM t',
    ]);
  });

  it('a write that would make a view fail is rejected with the view error, and changes nothing', async () => {
    // PostgreSQL would accept the row and fail every later read of the view; Tributary keeps
    // its views computable and refuses the transaction instead (see docs/architecture.md).
    const d = await differential();
    expect(await d.runAll([...setup, 'CREATE MATERIALIZED VIEW one AS SELECT k, (SELECT w FROM u WHERE k = 4) AS w FROM t'])).toEqual([]);
    await expect(d.db.query('INSERT INTO u VALUES (4, 401)')).rejects.toMatchObject({ code: '21000' });
    const r = await d.db.query('SELECT count(*) AS n, max(w) AS w FROM one', [], { format: 'text' });
    expect(r.rows).toEqual([{ n: '4', w: '400' }]);
    expect((await d.db.query('SELECT count(*) AS n FROM u', [], { format: 'text' })).rows).toEqual([{ n: '3' }]);
  });

  it('correlated EXISTS / NOT EXISTS, IN and scalar subqueries, with NULL outer values', async () => {
    await agree([
      ...setup,
      'CREATE MATERIALIZED VIEW ex AS SELECT k, v FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.k = t.k)',
      'CREATE MATERIALIZED VIEW nex AS SELECT k, v FROM t WHERE NOT EXISTS (SELECT * FROM u WHERE u.k = t.k AND u.w > 100)',
      'CREATE MATERIALIZED VIEW cnt AS SELECT k, (SELECT count(*) FROM u WHERE u.k = t.k) AS n, (SELECT max(w) - t.v FROM u WHERE u.k = t.k) AS d FROM t',
      'CREATE MATERIALIZED VIEW lt AS SELECT k, v, (SELECT count(*) FROM t AS x WHERE x.v < t.v) AS rank FROM t',
      'CREATE MATERIALIZED VIEW cin AS SELECT k, v FROM t WHERE v IN (SELECT w / 10 FROM u WHERE u.k = t.k)',
      'CREATE MATERIALIZED VIEW sc AS SELECT k, (SELECT w FROM u WHERE u.k = t.k AND u.w > 101) AS w FROM t',
      'INSERT INTO u VALUES (2, 200), (NULL, 0)',
      'INSERT INTO t VALUES (4, 40), (NULL, NULL)',
      'UPDATE u SET w = w + 1 WHERE k = 1',
      'DELETE FROM t WHERE k = 1',
      'INSERT INTO u VALUES (3, 30)',
      'DELETE FROM u WHERE k = 4',
      'SELECT k, (SELECT sum(w) FROM u WHERE u.k = t.k OR t.k IS NULL) FROM t',
      'SELECT k FROM t WHERE (SELECT count(*) FROM u WHERE u.k <= t.k) >= 2',
      'SELECT k FROM t WHERE k NOT IN (SELECT k FROM u WHERE u.w > t.v)',
    ]);
  });

  it('refuses what it cannot decorrelate with 0A000, naming the construct', async () => {
    const d = await differential();
    await d.db.query('CREATE TABLE a (x int, y int); CREATE TABLE b (x int, y int); CREATE TABLE c (x int, y int)');
    const refused = async (sql: string) => expect(d.db.query(sql)).rejects.toMatchObject({ code: '0A000' });
    await refused('SELECT * FROM a WHERE EXISTS (SELECT 1 FROM b LEFT JOIN c ON b.x = c.x AND a.y = b.y)');
    await refused('SELECT * FROM a WHERE x > ALL (SELECT x FROM b)');
    await refused('SELECT x, (SELECT count(*) FROM b WHERE b.x = a.x) FROM a GROUP BY x');
    await refused('SELECT * FROM a WHERE EXISTS (SELECT 1 FROM b WHERE b.x = a.x AND b.y IN (SELECT y FROM c WHERE c.x = b.x))');
  });
});
