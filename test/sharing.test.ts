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

  it('a join over an append-only table arranges only the columns it reads (nothing could share the whole rows)', async () => {
    const db = await Database.open();
    await db.query(`CREATE TABLE bid (auction int, price int, url text, extra text) WITH (append_only = true); CREATE TABLE auction (id int, cat int)`);
    await db.query('CREATE MATERIALIZED VIEW m AS SELECT a.cat, max(b.price) FROM auction a JOIN bid b ON a.id = b.auction GROUP BY a.cat');
    const widths = db.engine.circuit.operators().filter((o) => o instanceof ArrangeOp).map((o) => o.types.length).sort();
    // auction keeps its rows, so its arrangement is of the table, shareable; bid's holds auction and price
    expect(widths).toEqual([2, 2]);
    await db.query(`INSERT INTO auction VALUES (1, 7); INSERT INTO bid VALUES (1, 5, 'u', 'x'), (1, 9, 'v', 'y')`);
    expect((await db.query('SELECT * FROM m', [], { rowMode: 'array', format: 'text' })).rows).toEqual([['7', '9']]);
    await db.close();
  });
});
