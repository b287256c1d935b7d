// The embedding API beyond SQL text: bulk inserts (rows and Arrow tables) and Arrow export.
import { describe, expect, it } from 'vitest';
import { tableFromArrays } from 'apache-arrow';
import { Database } from '../src/index.js';

describe('embedding API', () => {
  it('inserts Arrow tables and exports views as Arrow, keeping exact values', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (k int NOT NULL, v bigint, s text)');
    await db.query('CREATE MATERIALIZED VIEW m AS SELECT k, sum(v) AS total, count(*) AS n FROM t GROUP BY k');
    db.insertArrow('t', tableFromArrays({ k: Int32Array.from([1, 2, 1]), v: BigInt64Array.from([10n, 2n ** 60n, 5n]), s: ['a', 'b', 'c'] }));
    const out = await db.toArrow('m');
    expect(out.numRows).toBe(2);
    expect(out.schema.fields.map((f) => f.name)).toEqual(['k', 'total', 'n', '__weight']);
    const rows = Array.from({ length: out.numRows }, (_, i) => [out.getChild('k')!.get(i), String(out.getChild('total')!.get(i)), out.getChild('n')!.get(i)]);
    rows.sort((a, b) => a[0] - b[0]);
    expect(rows).toEqual([[1, '15', 2n], [2, String(2n ** 60n), 1n]]);
    await db.close();
  });

  it('enforces NOT NULL and keys on the fast insert path, inserting nothing on error', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (k int PRIMARY KEY, v text NOT NULL)');
    expect(() => db.insert('t', [[1, 'a'], [2, null]])).toThrow(expect.objectContaining({ code: '23502' }));
    // the first failing row is reported, as a row-by-row INSERT would
    await db.query('CREATE TABLE u (a int, b int NOT NULL, c int NOT NULL)');
    expect(() => db.insert('u', [[1, 1, 1], [2, 2, null], [3, null, 3]])).toThrow(
      expect.objectContaining({ code: '23502', message: 'null value in column "c" of relation "u" violates not-null constraint', detail: 'Failing row contains (2, 2, null).' }),
    );
    expect(() => db.insert('t', [[1, 'a'], [1, 'b']])).toThrow(expect.objectContaining({ code: '23505' }));
    expect((await db.query('SELECT count(*) AS n FROM t', [], { format: 'text' })).rows).toEqual([{ n: '0' }]);
    db.insert('t', [[1, 'a']]);
    expect((await db.query('SELECT * FROM t')).rows).toEqual([{ k: 1, v: 'a' }]);
  });
});

describe('db.insert fast paths', () => {
  it('numbers fed to bigint columns keep their exact value (sign, 32-bit boundaries, 2^53-1)', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (v bigint)');
    await db.query('CREATE MATERIALIZED VIEW s AS SELECT sum(v), count(v), avg(v) FROM t');
    const vals = [0, -0, 1, -1, 4294967295, 4294967296, -4294967296, -4294967297, 2 ** 53 - 1, -(2 ** 53 - 1), 123456789012, -98765432101];
    db.insert('t', vals.map((v) => [v]));
    const r = await db.query('SELECT v FROM t');
    expect(r.rows.map((x) => x.v)).toEqual(vals.map((v) => BigInt(v)));
    const total = vals.reduce((a, v) => a + BigInt(v), 0n);
    const s = await db.query('SELECT * FROM s');
    expect(s.rows[0].sum).toBe(String(total));
    expect(s.rows[0].count).toBe(BigInt(vals.length));
    await db.close();
  });
});
