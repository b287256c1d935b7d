// SQL-level PREPARE / EXECUTE / DEALLOCATE, compared with PostgreSQL.

import { describe, expect, it } from 'vitest';
import { useOracle } from './support/suite.js';
import { Database } from '../src/index.js';

const { agree } = useOracle();

describe('PREPARE, EXECUTE, DEALLOCATE', () => {
  it('run prepared reads and writes with coerced parameters', async () => {
    await agree([
      'CREATE TABLE t (id int PRIMARY KEY, v numeric, s text)',
      "INSERT INTO t VALUES (1, 1.5, 'a'), (2, 2.25, 'b')",
      'PREPARE get (int) AS SELECT v, s FROM t WHERE id = $1',
      'EXECUTE get (1)',
      "EXECUTE get ('2')",
      'EXECUTE get (1.0)',
      'EXECUTE get (2, 3)',
      'EXECUTE get',
      "EXECUTE get ('x')",
      'EXECUTE get (now())',
      'PREPARE ins AS INSERT INTO t VALUES ($1, $2, $3) RETURNING id',
      "EXECUTE ins (3, '4.500', 'c')",
      'EXECUTE ins (3, 1, NULL)',
      'PREPARE get (int) AS SELECT 1',
      'PREPARE up (numeric, int) AS UPDATE t SET v = v + $1 WHERE id = $2',
      'BEGIN',
      'EXECUTE up (1, 1)',
      'EXECUTE get (1)',
      'ROLLBACK',
      'EXECUTE get (1)',
      'PREPARE inferred AS SELECT s FROM t WHERE v > $1 ORDER BY s',
      'EXECUTE inferred (2)',
      'DEALLOCATE get',
      'EXECUTE get (1)',
      'DEALLOCATE get',
      'DEALLOCATE PREPARE inferred',
      'DEALLOCATE ALL',
      'EXECUTE ins (4, 1, NULL)',
      'PREPARE bad AS SELECT nope FROM t',
      'EXECUTE bad',
    ]);
  });

  it('an error in EXECUTE aborts the transaction block', async () => {
    await agree([
      'CREATE TABLE t (id int)',
      'PREPARE p (int) AS SELECT 10 / $1',
      'BEGIN',
      'EXECUTE p (0)',
      'EXECUTE p (1)',
      'ROLLBACK',
      'EXECUTE p (2)',
      'BEGIN',
      'EXECUTE missing',
      'SELECT 1',
      'ROLLBACK',
    ]);
  });
});

describe('plan cache', () => {
  // parse trees are cached by text for the whole process: a plan cached on one must never
  // serve another database whose catalog happens to have changed as many times
  it('is never shared between databases with the same statement text', async () => {
    const a = await Database.open();
    const b = await Database.open();
    await a.query('CREATE TABLE t (x bool)');
    await b.query('CREATE TABLE t (y int, x text)');
    await a.query('INSERT INTO t VALUES (true)');
    await b.query("INSERT INTO t VALUES (1, 'one')");
    expect((await a.query('SELECT * FROM t')).rows).toEqual([{ x: true }]);
    expect((await b.query('SELECT * FROM t')).rows).toEqual([{ y: 1, x: 'one' }]);
    await a.close();
    await b.close();
  });
});
