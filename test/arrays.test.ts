// Arrays against PostgreSQL (PGlite): text output, ARRAY[...], subscripts, op ANY/ALL,
// array functions, unnest/generate_series in FROM, casts; and what stays refused.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Database } from '../src/index.js';
import { Oracle } from './support/oracle.js';

let db: Database;
let oracle: Oracle;
const SETUP = ['CREATE TABLE t (id int, name text)', "INSERT INTO t VALUES (1, 'a'), (2, 'b c'), (3, NULL)"];

beforeAll(async () => {
  db = await Database.open();
  oracle = await Oracle.create();
  for (const s of SETUP) {
    await db.query(s);
    await oracle.exec(s);
  }
}, 120_000);
afterAll(async () => {
  await db?.close();
  await oracle?.close?.();
});

async function ours(q: string): Promise<(string | null)[][]> {
  const r = await db.query(q, [], { rowMode: 'array', format: 'text' });
  return r.rows as unknown as (string | null)[][];
}

const SAME = [
  "SELECT ARRAY[1,2,3], ARRAY['a','b c',NULL,'','NULL','x\"y','back\\\\slash','{}']",
  'SELECT (ARRAY[1,2,3])[2], (ARRAY[1,2])[5], (ARRAY[1,2])[0], (ARRAY[1.5, 2])[1]',
  "SELECT 2 = ANY(ARRAY[1,2]), 3 = ANY('{1,2}'), 1 <> ALL(ARRAY[2,NULL]), 1 = ANY(ARRAY[NULL,1]), 1 = ANY(ARRAY[NULL,2]), 1 = ANY('{}'::int[]), 1 < ALL('{}'::int[])",
  "SELECT id, id = ANY('{1,3}'::int[]), name = ANY(ARRAY['a', NULL]) FROM t ORDER BY id",
  'SELECT * FROM unnest(ARRAY[\'x\',\'y\',NULL]) WITH ORDINALITY',
  "SELECT x FROM unnest('{3,4}'::int[]) x",
  'SELECT * FROM generate_series(1,5,2)',
  'SELECT g FROM generate_series(5,1,-2) AS g',
  "SELECT array_to_string(ARRAY[1,NULL,3], ','), array_to_string(ARRAY[1,NULL,3], ',', '*'), array_length(ARRAY[1,2],1), array_length('{}'::int[],1), cardinality('{}'::text[])",
  "SELECT array_lower('[0:1]={5,6}'::int[], 1), array_upper(ARRAY[1,2,3], 1), ARRAY[1]||ARRAY[2,3], '{}'::int[] || ARRAY[1], NULL::int[] || ARRAY[1]",
  "SELECT '{1,2}'::int[]::text, '{a,b}'::name[], '[0:1]={5,6}'::int[], ' { 1 , 2 } '::int[], '{\"a b\",c}'::text[]",
  "SELECT ARRAY[]::int[], ARRAY[1.5, 2], ARRAY[1,2] = ARRAY[1,2], ARRAY[1,2] < ARRAY[1,3], ARRAY['2024-01-02'::date]",
  "SELECT '{1,2}'::int[]::bigint[], ARRAY['a','b']::varchar(1)[], array_position(ARRAY['a','b'], 'b')",
];

describe('arrays vs PostgreSQL', () => {
  it('materialized views: array values are refused, array expressions yielding scalars are maintained', async () => {
    await expect(db.query('CREATE MATERIALIZED VIEW av AS SELECT id, ARRAY[id, id + 1] AS a FROM t')).rejects.toMatchObject({
      code: '0A000',
      message: 'arrays in a materialized view is not supported',
    });
    await db.query('CREATE MATERIALIZED VIEW av AS SELECT id, array_length(ARRAY[id, id], 1) AS n FROM t WHERE id = ANY(ARRAY[1, 2, 4])');
    await db.query("INSERT INTO t VALUES (4, 'd')");
    await db.query('DELETE FROM t WHERE id = 1');
    expect(await ours('SELECT * FROM av ORDER BY id')).toEqual([['2', '2'], ['4', '2']]);
    await db.query('DROP MATERIALIZED VIEW av');
    await db.query('DELETE FROM t WHERE id = 4');
    await db.query("INSERT INTO t VALUES (1, 'a')");
  });

  for (const q of SAME) {
    it(q, async () => {
      expect(await ours(q)).toEqual(await oracle.rows(q));
    });
  }

  it('text output and input round-trip random text arrays as PostgreSQL prints them', async () => {
    const elem = fc.oneof(fc.constant(null), fc.string({ maxLength: 4 }).filter((s) => !s.includes('\0')), fc.constantFrom('NULL', ' a', '{', '"', '\\', ','));
    await fc.assert(
      fc.asyncProperty(fc.array(elem, { maxLength: 4 }), async (xs) => {
        const lit = 'ARRAY[' + xs.map((x) => (x === null ? 'NULL' : `'${x.replace(/'/g, "''")}'`)).join(',') + ']::text[]';
        const q = `SELECT ${lit}, (${lit})::text::text[] = ${lit}`;
        expect(await ours(q)).toEqual(await oracle.rows(q));
      }),
      { numRuns: 40 },
    );
  });

  it('errors as PostgreSQL', async () => {
    await expect(db.query("SELECT '{1,2'::int[]")).rejects.toMatchObject({ code: '22P02' });
    await expect(db.query('SELECT ARRAY[]')).rejects.toMatchObject({ code: '42P18' });
    await expect(db.query("SELECT * FROM unnest('{1}')")).rejects.toMatchObject({ code: '42725' });
  });

  it('refuses what is not built (0A000)', async () => {
    for (const q of [
      'SELECT ARRAY[[1,2],[3,4]]',
      "SELECT '{{1}}'::int[]",
      'SELECT (ARRAY[1,2])[1:2]',
      'SELECT ARRAY(SELECT id FROM t)',
      'SELECT x FROM t, unnest(ARRAY[t.id]) x',
      'SELECT string_agg(name, \',\') FROM t',
      'CREATE TABLE a (x int[])',
    ]) {
      await expect(db.query(q), q).rejects.toMatchObject({ code: '0A000' });
    }
  });
});
