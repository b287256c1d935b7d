// DDL beyond tables and views: indexes (recorded, no effect on results), against PostgreSQL.
import { describe, it } from 'vitest';
import { useOracle } from './support/suite.js';

const { agree } = useOracle();

describe('indexes', () => {
  it('CREATE INDEX and DROP INDEX behave as in PostgreSQL and change no result', async () => {
    await agree([
      'CREATE TABLE t (a int, b text)',
      'INSERT INTO t VALUES (1, $$x$$), (2, NULL)',
      'CREATE INDEX t_a ON t (a)',
      'CREATE INDEX ON t (a, b)',
      'CREATE INDEX t_a ON t (b)',
      'CREATE INDEX IF NOT EXISTS t_a ON t (b)',
      'CREATE INDEX bad ON t (nope)',
      'CREATE INDEX bad ON nope (a)',
      'SELECT * FROM t WHERE a = 1',
      'DROP INDEX t_a',
      'DROP INDEX t_a',
      'DROP INDEX IF EXISTS t_a',
      'DROP INDEX t',
      'DROP TABLE t',
    ]);
  });

  it('UNIQUE constraints and unique indexes are enforced as in PostgreSQL (NULLs never conflict)', async () => {
    await agree([
      'CREATE TABLE t (a int UNIQUE, b text, c int, UNIQUE (b, c))',
        "INSERT INTO t VALUES (1, 'x', 1), (NULL, 'x', NULL), (NULL, 'x', NULL)",
      'INSERT INTO t VALUES (1, NULL, NULL)',
        "INSERT INTO t VALUES (2, 'x', 1)",
      'UPDATE t SET a = a + 1',
      'UPDATE t SET a = 1 WHERE a IS NULL',
      'CREATE TABLE u (k int, v int)',
      'INSERT INTO u VALUES (1, 1), (2, 1), (3, NULL), (4, NULL)',
      'CREATE UNIQUE INDEX u_v ON u (v)',
      'CREATE UNIQUE INDEX u_k ON u (k)',
      'INSERT INTO u VALUES (1, 5)',
      'DELETE FROM u WHERE k = 1',
      'INSERT INTO u VALUES (1, 5)',
      'DROP INDEX u_k',
      'INSERT INTO u VALUES (1, 6)',
      'SELECT * FROM u',
      'SELECT * FROM t',
    ]);
  });
});

describe('DROP of several relations', () => {
  it('drops nothing when one of them cannot be dropped, as PostgreSQL', async () => {
    await agree([
      'CREATE TABLE da (x int)',
      'CREATE TABLE db (y int)',
      'INSERT INTO da VALUES (1)',
      'DROP TABLE da, nonexistent',
      'SELECT * FROM da',
      'CREATE VIEW dv AS SELECT x FROM da',
      'DROP TABLE db, dv',
      'SELECT * FROM db',
      'DROP TABLE da, db CASCADE',
      'SELECT * FROM dv',
    ]);
  });
});
