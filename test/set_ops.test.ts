// INTERSECT / EXCEPT [ALL] and DISTINCT views against PostgreSQL, through changes.
import { describe, expect, it } from 'vitest';
import { useOracle } from './support/suite.js';

const { agree } = useOracle();

describe('set operations', () => {
  it('INTERSECT and EXCEPT, with and without ALL, as views maintained through changes', async () => {
    await agree([
      'CREATE TABLE a (x int, y text)',
      'CREATE TABLE b (x int, y text)',
      "INSERT INTO a VALUES (1, 'p'), (1, 'p'), (1, 'p'), (2, NULL), (3, 'q')",
      "INSERT INTO b VALUES (1, 'p'), (2, NULL), (2, NULL), (4, 'r')",
      'CREATE MATERIALIZED VIEW i AS SELECT * FROM a INTERSECT SELECT * FROM b',
      'CREATE MATERIALIZED VIEW ia AS SELECT * FROM a INTERSECT ALL SELECT * FROM b',
      'CREATE MATERIALIZED VIEW e AS SELECT * FROM a EXCEPT SELECT * FROM b',
      'CREATE MATERIALIZED VIEW ea AS SELECT * FROM a EXCEPT ALL SELECT * FROM b',
      'CREATE MATERIALIZED VIEW d AS SELECT DISTINCT x FROM a',
      "INSERT INTO b VALUES (1, 'p'), (3, 'q')",
      "DELETE FROM a WHERE x = 1 AND y = 'p'",
      "INSERT INTO a VALUES (4, 'r'), (5, NULL)",
      'DELETE FROM b WHERE x = 2',
      'SELECT x FROM a EXCEPT ALL SELECT x FROM b',
      'SELECT x FROM a INTERSECT SELECT x FROM b UNION SELECT 9',
    ]);
  });
});
