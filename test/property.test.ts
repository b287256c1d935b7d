// Property-based differential tests: random schemas, random materialized views drawn from the
// supported SQL grammar, and random transactions, run on Tributary and on PostgreSQL (PGlite).
// After every statement every materialized view must equal the oracle's plain view, errors
// must carry the same SQLSTATE, and a rejected write must change nothing (see
// test/support/differential.ts, which also explains how representatives are compared).
// Generators: test/property/ (features.ts lists the extensions and their switches).
//
// The generator avoids what PostgreSQL itself answers nondeterministically or what its version
// 18 (PGlite) answers differently from 15:
//  - float sums and averages only over values whose sums are exact in any order (small
//    integers, halves, quarters, ±0, ±Infinity, NaN): PostgreSQL adds in scan order
//    (docs/compatibility.md); no infinite intervals (new in 17);
//  - without the `reps` feature, values that compare equal but print differently (3 vs 3.00,
//    0 vs -0, '1 day' vs '24:00:00') never meet in a position that picks a representative;
//    with it they do, and differential.ts decides when the representative must match exactly;
//  - error-prone expressions (`errors` feature) only where PostgreSQL evaluates them whatever
//    its plan: SELECT lists, aggregate arguments, GROUP BY keys, HAVING, and a WHERE over a
//    single table without subqueries (as one predicate unless `errorsQuals`: PostgreSQL runs
//    conjuncts cheapest first); never below a join, in a derived table, in an INTERSECT input
//    or EXCEPT's right input (PostgreSQL may not read them), on a view's column (it may be a
//    constant PostgreSQL folds once it inlines the view), in a view another query reads
//    (PostgreSQL would evaluate it again where the reader's filters are pushed), two in one
//    query (which fails first depends on row order), and no NOT NULL columns (PostgreSQL 17
//    folds `x IS NOT NULL` on them, 15 does not);
//  - in a READ ONLY block only writes that cannot fail otherwise (which error such a write
//    reports is a documented difference); PRIMARY KEY columns updated by expressions only with
//    `pkUpdates` (PostgreSQL checks uniqueness row by row).
//
// On failure the counterexample that fast-check shrank is minimised further statement by
// statement, and the error message prints it as a test for test/regressions.test.ts.
// docs/testing.md explains the layers of tests and how to run these longer.

import { afterAll, beforeAll, describe, it } from 'vitest';
import { Oracle } from './support/oracle.js';
import { differentialStats } from './support/differential.js';
import { FEATURES } from './property/features.js';
import { differentialSpec } from './property/oracle_spec.js';
import type { Cfg } from './property/query.js';
import { checkProperty, TEST_TIMEOUT } from './property/runner.js';

let oracle: Oracle;
beforeAll(async () => {
  oracle = await Oracle.create();
});
afterAll(async () => {
  await oracle?.close();
  if (process.env.PROPERTY_DEBUG) console.log(Object.fromEntries([...differentialStats].sort((a, b) => b[1] - a[1])));
});

const check = (name: string, cfg: Cfg, runs = 100) => checkProperty(differentialSpec(name, cfg, () => oracle), runs);
const valueFeatures = ['float', 'interval', 'scales', 'nonfinite', 'reps', 'textNumbers'] as const;

describe('differential properties (Tributary vs PostgreSQL)', () => {
  it('single-table filters, projections and aggregates', async () => {
    await check('single-table', {
      sources: [1, 0, 0],
      viewsOnViews: false,
      subqueries: false,
      kinds: { proj: 2, agg: 4, distinct: 1, union: 0 },
      views: [2, 5],
      txns: [6, 16],
    });
  }, TEST_TIMEOUT);

  it('joins of all kinds, with aggregates over them', async () => {
    await check('joins', {
      sources: [0, 4, 1],
      viewsOnViews: false,
      subqueries: false,
      kinds: { proj: 3, agg: 3, distinct: 1, union: 0 },
      views: [2, 4],
      txns: [6, 16],
    });
  }, TEST_TIMEOUT);

  it('many views over the same tables, dropped and recreated', async () => {
    await check('drops', {
      sources: [2, 3, 0],
      viewsOnViews: true,
      subqueries: false,
      kinds: { proj: 2, agg: 3, distinct: 1, union: 1 },
      views: [4, 7],
      txns: [6, 12],
      drops: true,
    });
  }, TEST_TIMEOUT);

  it('views on views, subqueries, DISTINCT and UNION [ALL]', async () => {
    await check('mixed', {
      sources: [3, 2, 1],
      viewsOnViews: true,
      subqueries: true,
      kinds: { proj: 2, agg: 3, distinct: 1, union: 2 },
      views: [3, 7],
      txns: [6, 16],
      drops: true,
    });
  }, TEST_TIMEOUT);

  it('top-k views: row_number() bounded by a filter, DISTINCT ON, ORDER BY … LIMIT, and views over them', async () => {
    await check('topk', {
      sources: [4, 2, 1],
      viewsOnViews: true,
      subqueries: true,
      kinds: { proj: 1, agg: 1, distinct: 0, union: 0, topk: 4 },
      views: [2, 5],
      txns: [6, 16],
      drops: true,
    });
  }, TEST_TIMEOUT);

  // Representatives and special values: the views pick among equal-but-differently-printed
  // values while UPDATEs rewrite them and DELETEs remove the current representative.
  it.skipIf(!valueFeatures.some((f) => FEATURES.has(f)))(
    'floats, intervals and numerics of mixed scales where representatives are picked',
    async () => {
      await check(
        'values',
        {
          sources: [6, 2, 0],
          viewsOnViews: true,
          subqueries: true,
          kinds: { proj: 1, agg: 4, distinct: 2, union: 2 },
          views: [2, 5],
          txns: [6, 14],
          values: true,
        },
        200,
      );
    },
    TEST_TIMEOUT,
  );

  // Error parity: expressions that fail on some rows, in views (the write that would make a
  // view fail is rejected with its SQLSTATE and changes nothing), reads and writes.
  it.skipIf(!FEATURES.has('errors'))(
    'errors in views, reads and writes have PostgreSQL’s SQLSTATE; a failed write changes nothing',
    async () => {
      await check(
        'errors',
        {
          sources: [5, 2, 0],
          viewsOnViews: true,
          subqueries: false,
          kinds: { proj: 3, agg: 3, distinct: 1, union: 1 },
          views: [1, 4],
          txns: [6, 14],
          errors: true,
        },
        150,
      );
    },
    TEST_TIMEOUT,
  );
});
