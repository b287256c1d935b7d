// Shared arrangements: views joining the same relation on the same key read one index.
import { describe, expect, it } from 'vitest';
import { Database } from '../src/index.js';
import { ArrangeOp } from '../src/dataflow/operators/arrange.js';

const arrangements = (db: Database) => db.engine.circuit.operators().filter((o) => o instanceof ArrangeOp).length;

describe('shared arrangements', () => {
  it('two views joining t and u on k share both indexes, and a drop keeps what is still used', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (k int, v int); CREATE TABLE u (k int, w int)');
    await db.query('INSERT INTO t VALUES (1, 10), (2, 20); INSERT INTO u VALUES (1, 100), (1, 101)');
    await db.query('CREATE MATERIALIZED VIEW a AS SELECT t.k, t.v, u.w FROM t JOIN u ON t.k = u.k');
    expect(arrangements(db)).toBe(2);
    await db.query('CREATE MATERIALIZED VIEW b AS SELECT t.k, count(*) FROM t LEFT JOIN u ON t.k = u.k GROUP BY t.k');
    expect(arrangements(db)).toBe(2);
    await db.query('DROP MATERIALIZED VIEW a');
    expect(arrangements(db)).toBe(2);
    await db.query('INSERT INTO u VALUES (2, 200)');
    const r = await db.query('SELECT * FROM b ORDER BY k', [], { rowMode: 'array', format: 'text' });
    expect(r.rows).toEqual([['1', '2'], ['2', '1']]);
    await db.query('DROP MATERIALIZED VIEW b');
    expect(arrangements(db)).toBe(0);
  });
});
