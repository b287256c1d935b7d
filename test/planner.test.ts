// Plan snapshots: a planner change shows up here as a diff in review.
import { beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/index.js';

let db: Database;
beforeAll(async () => {
  db = await Database.open();
  await db.query('CREATE TABLE t (k int, v bigint, s text)');
  await db.query('CREATE TABLE u (k int PRIMARY KEY, name text)');
});

async function explain(sql: string): Promise<string> {
  const r = await db.query(`EXPLAIN ${sql}`, [], { rowMode: 'array' });
  return (r.rows as unknown as string[][]).map((x) => x[0]).join('\n');
}

describe('optimizer', () => {
  it('pushes predicates below joins and extracts equi-join keys', async () => {
    expect(await explain('SELECT t.k, u.name FROM t JOIN u ON t.k = u.k WHERE t.v > 3 AND u.name <> $1')).toMatchInlineSnapshot(`
      "Project #0, #2
        Join inner keys [#0 = #0]
          Project #0
            Filter int84gt(#1, 3::int4)
              Project #0, #1
                Scan t
          Filter textne(#1, $1)
            Scan u"
    `);
  });

  it('keeps WHERE on the NULL-padded side of an outer join above the join', async () => {
    expect(await explain('SELECT * FROM t LEFT JOIN u ON t.k = u.k WHERE u.name IS NULL')).toMatchInlineSnapshot(`
      "Filter #4 is null
        Join left keys [#0 = #0]
          Scan t
          Scan u"
    `);
  });

  it('folds constants and prunes columns', async () => {
    expect(await explain('SELECT k + (1 + 2) FROM t WHERE 2 > 1')).toMatchInlineSnapshot(`
      "Project int4pl(#0, 3::int4)
        Scan t"
    `);
  });

  it('turns a cross join with an equality in WHERE into a keyed join', async () => {
    expect(await explain('SELECT t.s FROM t, u WHERE t.k = u.k')).toMatchInlineSnapshot(`
      "Project #1
        Join inner keys [#0 = #0]
          Project #0, #2
            Scan t
          Project #0
            Scan u"
    `);
  });

  it('pushes a filter on group columns below the aggregate', async () => {
    expect(await explain('SELECT k, count(*) FROM t GROUP BY k HAVING k > 5 AND count(*) > 1')).toMatchInlineSnapshot(`
      "Filter int84gt(#1, 1::int4)
        Aggregate group [#0] aggs [count_star(*)]
          Filter int4gt(#0, 5::int4)
            Project #0
              Scan t"
    `);
  });

  it('orders a chain of joins so that equalities link each new relation (no cross product)', async () => {
    await db.query('CREATE TABLE w (k int, z int)');
    expect(await explain('SELECT t.s FROM t, u, w WHERE t.v = w.z AND w.k = u.k')).toMatchInlineSnapshot(`
      "Project #0
        Join inner keys [#1 = #0]
          Project #1, #2
            Join inner keys [#0 = #1::int8]
              Project #1, #2
                Scan t
              Scan w
          Project #0
            Scan u"
    `);
  });
});
