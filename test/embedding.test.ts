// The embedding API beyond SQL text: bulk inserts (rows and Arrow tables) and Arrow export.
import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import vm from 'node:vm';
import { tableFromArrays } from 'apache-arrow';
import fc from 'fast-check';
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

describe('db.query with several statements', () => {
  it('is one implicit transaction: an error undoes them all, DDL included', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (k int)');
    await expect(db.query('INSERT INTO t VALUES (1); INSERT INTO t VALUES (1/0)')).rejects.toMatchObject({ code: '22012' });
    expect((await db.query('SELECT * FROM t')).rows).toEqual([]);
    await expect(db.query('INSERT INTO t VALUES (1); CREATE TABLE u (k int); INSERT INTO t VALUES (2); INSERT INTO u VALUES (1/0)')).rejects.toMatchObject({ code: '22012' });
    expect((await db.query('SELECT * FROM t')).rows).toEqual([]);
    await expect(db.query('SELECT * FROM u')).rejects.toMatchObject({ code: '42P01' });
    await db.query('BEGIN; CREATE TABLE w (k int); INSERT INTO w VALUES (1); COMMIT');
    expect((await db.query('SELECT * FROM w')).rows).toEqual([{ k: 1 }]);
    await db.close();
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

  it('stores what the same values as query parameters store, and fails where they fail (property)', async () => {
    // the column-by-column fast paths (strings into text, numbers and bigints into int4/int8,
    // Dates into timestamps) against one parameterized INSERT per row
    const value = fc.oneof(
      fc.constant(null),
      fc.string({ maxLength: 3 }),
      fc.constantFrom('12', ' 7', '2024-05-01 10:00', 'x'),
      fc.integer(),
      fc.constantFrom(0, -0, 1.5, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, 2 ** 53, NaN),
      fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
      fc.constantFrom(true, false),
      fc.date({ min: new Date('1600-01-01'), max: new Date('2300-01-01') }),
    );
    const COLS = 'a text, b int4, c int8, d timestamp, e timestamptz, f text NOT NULL';
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(value, value, value, value, value, value), { minLength: 1, maxLength: 6 }), async (rows) => {
        const bulk = await Database.open();
        const each = await Database.open();
        try {
          await bulk.query(`CREATE TABLE t (${COLS})`);
          await each.query(`CREATE TABLE t (${COLS})`);
          let bulkError: unknown = null;
          try {
            bulk.insert('t', rows);
          } catch (e) {
            bulkError = e;
          }
          let eachError: unknown = null;
          await each.query('BEGIN');
          for (const r of rows) {
            try {
              await each.query('INSERT INTO t VALUES ($1, $2, $3, $4, $5, $6)', r);
            } catch (e) {
              eachError = e;
              break;
            }
          }
          await each.query(eachError ? 'ROLLBACK' : 'COMMIT');
          expect((bulkError as { code?: string })?.code).toBe((eachError as { code?: string })?.code);
          const read = (db: Database) => db.query('SELECT * FROM t', [], { format: 'text' }).then((r) => r.rows);
          expect(await read(bulk)).toEqual(await read(each));
        } finally {
          await bulk.close();
          await each.close();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('calls of growing size, each reusing the last call\'s buffers, store every row', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (i int, b bigint, ts timestamp, s text)');
    const want: unknown[][] = [];
    let n = 0;
    for (const size of [1, 2, 5, 3, 17, 64]) {
      const rows = Array.from({ length: size }, () => {
        n++;
        return [n, n % 3 === 0 ? null : BigInt(n) * 1000n, n % 4 === 0 ? null : new Date(Date.UTC(2024, 0, 1, 0, 0, n)), n % 5 === 0 ? null : `r${n}`];
      });
      db.insert('t', rows);
      want.push(...rows);
    }
    const got = (await db.query('SELECT * FROM t ORDER BY i', [], { rowMode: 'array' })).rows as unknown as unknown[][];
    expect(got.map((r) => [r[0], r[1], r[2] === null ? null : String(r[2]), r[3]])).toEqual(
      want.map((r) => [r[0], r[1], r[2] === null ? null : (r[2] as Date).toISOString().replace('T', ' ').replace('.000Z', ''), r[3]]),
    );
    await db.close();
  });

  it('a bigint beyond int8 is 22003, as PostgreSQL says, through db.insert and as a parameter, never wrapped', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (v bigint)');
    const edges = [-(2n ** 63n), 2n ** 63n - 1n];
    db.insert('t', edges.map((v) => [v]));
    for (const v of [2n ** 63n, -(2n ** 63n) - 1n, 2n ** 64n]) {
      expect(() => db.insert('t', [[v]])).toThrow(expect.objectContaining({ code: '22003', message: `value "${v}" is out of range for type bigint` }));
      await expect(db.query('INSERT INTO t VALUES ($1)', [v])).rejects.toMatchObject({ code: '22003' });
    }
    expect((await db.query('SELECT v FROM t ORDER BY v')).rows.map((r) => r.v)).toEqual(edges);
    await db.close();
  });
});

describe('db.insert row shapes', () => {
  const err = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return { code: (e as { code: string }).code, message: (e as Error).message };
    }
    return null;
  };

  it('takes objects keyed by column name: omitted columns get their DEFAULT, unknown keys are 42703', async () => {
    const db = await Database.open();
    await db.query("CREATE TABLE t (k int PRIMARY KEY, v bigint, s text DEFAULT 'dflt', n numeric(5,2) NOT NULL DEFAULT 1.5)");
    await db.query('CREATE MATERIALIZED VIEW m AS SELECT count(*) AS c, sum(v) AS sv FROM t');
    expect(db.insert('t', [{ k: 1, v: 2 }, { s: 'x', k: 2, n: '3.25' }, { k: 3, v: undefined, s: null }])).toBe(3);
    expect((await db.query('SELECT * FROM t ORDER BY k', [], { format: 'text' })).rows).toEqual([
      { k: '1', v: '2', s: 'dflt', n: '1.50' },
      { k: '2', v: null, s: 'x', n: '3.25' },
      { k: '3', v: null, s: null, n: '1.50' },
    ]);
    expect((await db.query('SELECT * FROM m', [], { format: 'text' })).rows).toEqual([{ c: '3', sv: '2' }]);
    // arrays and objects mix
    expect(db.insert('t', [[4, 5, 'arr', 2], { k: 5 }])).toBe(2);
    expect(err(() => db.insert('t', [{ k: 6, nosuch: 1 }]))).toEqual({ code: '42703', message: 'column "nosuch" of relation "t" does not exist' });
    // NOT NULL without a default fails as INSERT would; nothing of the call is stored
    await db.query('CREATE TABLE u (a int NOT NULL, b int)');
    expect(err(() => db.insert('u', [{ a: 1 }, { b: 2 }]))?.code).toBe('23502');
    expect(err(() => db.insert('u', [{ a: null }]))?.code).toBe('23502');
    expect((await db.query('SELECT count(*) AS n FROM u')).rows).toEqual([{ n: 0n }]);
    // an empty object is a row of defaults (INSERT … DEFAULT VALUES): here k, the key, is NULL
    expect(err(() => db.insert('t', [{}]))?.message).toBe('null value in column "k" of relation "t" violates not-null constraint');
    expect(db.insert('u', [{ a: 7 }])).toBe(1);
    expect((await db.query('SELECT * FROM u')).rows).toEqual([{ a: 7, b: null }]);
  });

  it('refuses anything else with a clear error, storing nothing', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (k int, v text)');
    const bad: unknown[][] = [
      [[1]],
      [[1, 'a', 'extra']],
      [[1, 'a'], 'row'],
      [[1, 'a'], null],
      [new Map([['k', 1]])],
      [new Date()],
      [42],
      [Int32Array.of(1, 2)],
    ];
    for (const rows of bad) {
      const e = err(() => db.insert('t', rows as never));
      expect(e?.code, String(rows[rows.length - 1])).toBe('22023');
    }
    expect(err(() => db.insert('t', { k: 1, v: 'a' } as never))?.message).toBe('db.insert takes an array of rows, not an Object');
    expect(err(() => db.insert('t', [[1]]))?.message).toBe('row 0 of db.insert has 1 value, but table "t" has 2 columns (an object keyed by column name may give only some of them)');
    expect(err(() => db.insert('t', [[1, 'a'], new Map()] as never))?.message).toBe('row 1 of db.insert is a Map, not an array of values or a plain object keyed by column name');
    expect((await db.query('SELECT count(*) AS n FROM t')).rows).toEqual([{ n: 0n }]);
    expect(db.insert('t', [])).toBe(0);
  });

  it('joins the default session\'s open block and honours its read-only mode', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE t (k int PRIMARY KEY)');
    await db.query('BEGIN');
    expect(db.insert('t', [[1], { k: 2 }])).toBe(2);
    expect((await db.query('SELECT count(*) AS n FROM t')).rows).toEqual([{ n: 2n }]);
    await db.query('ROLLBACK');
    expect((await db.query('SELECT count(*) AS n FROM t')).rows).toEqual([{ n: 0n }]);
    await db.query('SET default_transaction_read_only = on');
    expect(err(() => db.insert('t', [[1]]))).toEqual({ code: '25006', message: 'cannot execute INSERT in a read-only transaction' });
    await db.query('RESET default_transaction_read_only');
    await db.query('BEGIN');
    await expect(db.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
    expect(err(() => db.insert('t', [[1]]))?.code).toBe('25P02');
    await db.query('ROLLBACK');
    expect(db.insert('t', [[1]])).toBe(1);
  });

  it('in a block, keeps rows in the order they came, however they came: whole batches, SQL rows, reads, deletes and savepoints between them', async () => {
    const db = await Database.open();
    await db.query('CREATE TABLE e (g int, n numeric NOT NULL)');
    // max over numeric ties shows the representation scanned last: it tells the order
    await db.query('CREATE MATERIALIZED VIEW m AS SELECT g, max(n) AS n, count(*) AS c FROM e GROUP BY g');
    const text = { format: 'text', rowMode: 'array' } as const;
    await db.query('BEGIN');
    db.insert('e', [[1, '1.5']]);
    await db.query('INSERT INTO e VALUES (1, 1.50)');
    db.insert('e', [[1, '1.500'], [2, 7]]);
    expect((await db.query('SELECT count(*) FROM e', [], text)).rows).toEqual([['4']]);
    db.insert('e', [[2, 8]]);
    await db.query('SAVEPOINT s');
    db.insert('e', [[3, 1]]);
    await db.query('ROLLBACK TO SAVEPOINT s');
    await db.query('DELETE FROM e WHERE n = 7');
    db.insert('e', [[2, 9]]);
    db.insert('e', [[4, '2.0']]);
    db.insert('e', [[4, '2.00']]);
    await db.query('COMMIT');
    expect((await db.query('SELECT * FROM e', [], text)).rows).toEqual([['1', '1.5'], ['1', '1.50'], ['1', '1.500'], ['2', '8'], ['2', '9'], ['4', '2.0'], ['4', '2.00']]);
    expect((await db.query('SELECT * FROM m ORDER BY g', [], text)).rows).toEqual([['1', '1.500', '3'], ['2', '9', '2'], ['4', '2.00', '2']]);
    // batches only: committed as they are, in order
    await db.query('BEGIN');
    db.insert('e', [[6, '3.0'], [6, '3']]);
    db.insert('e', [[6, '3.00']]);
    await db.query('COMMIT');
    expect((await db.query('SELECT * FROM m WHERE g = 6', [], text)).rows).toEqual([['6', '3.00', '3']]);
    // deletes of committed rows with whole batches after them
    await db.query('BEGIN');
    await db.query('DELETE FROM e WHERE g = 6');
    db.insert('e', [[7, '1'], [7, '2']]);
    await db.query('COMMIT');
    expect((await db.query('SELECT * FROM m WHERE g >= 6', [], text)).rows).toEqual([['7', '2', '2']]);
    // a NOT NULL violation fails the statement, and so the block
    await db.query('BEGIN');
    db.insert('e', [[5, 1]]);
    expect(err(() => db.insert('e', [[5, 2], [5, null]]))?.code).toBe('23502');
    expect(err(() => db.insert('e', [[5, 3]]))?.code).toBe('25P02');
    await db.query('ROLLBACK');
    expect((await db.query('SELECT count(*) FROM e WHERE g = 5', [], text)).rows).toEqual([['0']]);
    await db.close();
  });

  it('insertArrow: columns the Arrow table lacks take their DEFAULT', async () => {
    const db = await Database.open();
    await db.query("CREATE TABLE t (k int, s text DEFAULT 'dflt')");
    expect(db.insertArrow('t', tableFromArrays({ k: Int32Array.from([1, 2]) }))).toBe(2);
    expect((await db.query('SELECT * FROM t ORDER BY k')).rows).toEqual([{ k: 1, s: 'dflt' }, { k: 2, s: 'dflt' }]);
  });
});

describe('Database.close', () => {
  it('a closed database keeps nothing alive: its catalog (and so its dataflow and state) can be collected', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const open = async () => {
      const db = await Database.open();
      await db.query('CREATE TABLE t (k int, v text); CREATE MATERIALIZED VIEW m AS SELECT k, count(*) FROM t GROUP BY k');
      db.insert('t', [[1, 'a'], [2, 'b']]);
      await db.query('SELECT * FROM m');
      const ref = new WeakRef(db.engine.catalog);
      await db.close();
      return ref;
    };
    const ref = await open();
    // a WeakRef holds its target until the current job ends
    await new Promise((r) => setTimeout(r, 10));
    gc();
    expect(ref.deref()).toBeUndefined();
  });
});
