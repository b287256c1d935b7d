// DML beyond plain INSERT/UPDATE/DELETE: RETURNING, TRUNCATE, CREATE TABLE AS — against PostgreSQL.
import { describe, it } from 'vitest';
import { useOracle } from './support/suite.js';

const { agree } = useOracle();

describe('DML', () => {
  it('RETURNING on INSERT, UPDATE and DELETE, with views maintained', async () => {
    await agree([
      'CREATE TABLE t (k int PRIMARY KEY, v text, n numeric(6,2) DEFAULT 1.5)',
      'CREATE MATERIALIZED VIEW m AS SELECT count(*) AS c, sum(n) AS s FROM t',
      "INSERT INTO t (k, v) VALUES (1, 'a'), (2, 'b') RETURNING *",
      "INSERT INTO t VALUES (3, 'c', 2) RETURNING k * 10 AS ten, upper(v), n",
      "UPDATE t SET n = n + 1 WHERE k >= 2 RETURNING k, n, t.v || '!' AS bang",
      'DELETE FROM t WHERE k = 1 RETURNING *',
      "INSERT INTO t VALUES (3, 'dup') RETURNING k",
      'SELECT * FROM t',
    ]);
  });

  it('TRUNCATE and CREATE TABLE AS', async () => {
    await agree([
      'CREATE TABLE t (k int, v text)',
      "INSERT INTO t VALUES (1, 'a'), (2, NULL), (2, 'b')",
      'CREATE MATERIALIZED VIEW m AS SELECT k, count(*) AS c FROM t GROUP BY k',
      'CREATE TABLE c AS SELECT k, v, k * 2 AS d FROM t WHERE k > 1',
      'CREATE TABLE c2 (a, b) AS SELECT k, v FROM t',
      'SELECT * FROM c',
      'SELECT * FROM c2',
      'TRUNCATE t',
      'SELECT * FROM t',
      'CREATE TABLE c AS SELECT 1',
      "INSERT INTO t VALUES (5, 'e')",
    ]);
  });

  it('INSERT … ON CONFLICT DO NOTHING / DO UPDATE (upserts), with views maintained', async () => {
    await agree([
      'CREATE TABLE t (k int PRIMARY KEY, v text, n int UNIQUE)',
      'CREATE MATERIALIZED VIEW agg AS SELECT count(*) AS c, sum(n) AS s, max(v) AS mv FROM t',
      "INSERT INTO t VALUES (1, 'a', 10), (2, 'b', 20)",
      "INSERT INTO t VALUES (1, 'x', 11) ON CONFLICT DO NOTHING",
      "INSERT INTO t VALUES (3, 'c', 20) ON CONFLICT DO NOTHING RETURNING *",
      "INSERT INTO t VALUES (3, 'c', 30), (3, 'd', 31) ON CONFLICT (k) DO NOTHING",
      "INSERT INTO t VALUES (1, 'y', 12) ON CONFLICT (k) DO UPDATE SET v = excluded.v || t.v, n = t.n + excluded.n RETURNING *",
      "INSERT INTO t VALUES (2, 'z', 0) ON CONFLICT (k) DO UPDATE SET v = excluded.v WHERE t.n > 100",
      "INSERT INTO t VALUES (4, 'p', 40), (4, 'q', 41) ON CONFLICT (k) DO UPDATE SET v = excluded.v",
      "INSERT INTO t VALUES (5, 'r', 10) ON CONFLICT (v) DO NOTHING",
      "INSERT INTO t VALUES (5, 'r', 50) ON CONFLICT DO UPDATE SET v = 'u'",
      'SELECT * FROM t',
    ]);
  });

  it('UPDATE … FROM and DELETE … USING, with views maintained', async () => {
    await agree([
      'CREATE TABLE t (k int PRIMARY KEY, v int, note text)',
      'CREATE TABLE u (k int, w int)',
      "INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'c'), (4, NULL, 'd')",
      'INSERT INTO u VALUES (1, 100), (2, 200), (5, 500), (NULL, 0)',
      'CREATE MATERIALIZED VIEW m AS SELECT t.k, t.v, u.w FROM t LEFT JOIN u ON t.k = u.k',
      "UPDATE t SET v = t.v + u.w, note = note || '!' FROM u WHERE u.k = t.k AND u.w > 150",
      'UPDATE t AS x SET v = 0 FROM u, t AS y WHERE u.k = x.k AND y.k = u.k + 1 RETURNING x.k, x.v',
      'DELETE FROM t USING u WHERE t.k = u.k AND u.w < 150 RETURNING t.k',
      'DELETE FROM u USING t WHERE u.k IS NULL',
      'SELECT * FROM t',
      'SELECT * FROM u',
    ]);
  });
});
