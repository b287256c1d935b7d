// The random workload that the rollback and checkpoint property tests share: two tables, views
// with every kind of stateful operator (joins of each kind, aggregates of each accumulator,
// DISTINCT, set operations), and statements whose values meet in few groups and hit the
// representation ties (1.0 / 1.00, 0 / -0), int8 past 2^53 and float overflow.

import fc from 'fast-check';

export const SETUP = [
  'CREATE TABLE t (k int PRIMARY KEY, g int, n numeric, f float8, s text, b int8)',
  'CREATE TABLE u (id int PRIMARY KEY, g int, name text)',
];

/** Views over t and u with every kind of stateful operator; the poison view comes last (POISON_VIEW). */
export const VIEWS: [string, string][] = [
  ['v_join', 'SELECT t.k, t.n, u.name FROM t JOIN u ON t.g = u.g'],
  ['v_left', 'SELECT u.id, u.name, t.k, t.s FROM u LEFT JOIN t ON t.g = u.g'],
  ['v_full', 'SELECT t.k, u.id FROM t FULL JOIN u ON t.g = u.g AND t.k > u.id'],
  ['v_agg', 'SELECT g, count(*) AS c, sum(n) AS sn, avg(n) AS an, min(n) AS mn, max(n) AS xn, min(f) AS mf, max(f) AS xf, min(s) AS ms, max(s) AS xs, bool_or(k > 5) AS b, sum(k) AS sk FROM t GROUP BY g'],
  // the float sum overflows (PostgreSQL's float8pl raises) when two 1e308 meet in a group
  ['v_fsum', 'SELECT g, sum(f) AS sf, avg(f) AS af FROM t GROUP BY g'],
  // int8 sums past 2^53 keep a bigint part per group
  ['v_big', 'SELECT g, sum(b) AS sb, avg(b) AS ab, count(b) AS cb FROM t GROUP BY g'],
  ['v_global', 'SELECT count(*) AS c, sum(n) AS sn, max(n) AS xn, min(s) AS ms FROM t'],
  ['v_distinct', 'SELECT DISTINCT g, n FROM t'],
  ['v_union', 'SELECT g FROM t UNION SELECT g FROM u'],
  ['v_except', 'SELECT g FROM u EXCEPT ALL SELECT g FROM t'],
  ['v_intersect', 'SELECT n FROM t INTERSECT SELECT g::numeric FROM u'],
  ['v_having', 'SELECT g, count(*) AS c FROM t GROUP BY g HAVING count(*) > 1'],
  ['v_agg_join', 'SELECT u.name, count(*) AS c, max(t.n) AS xn FROM t JOIN u ON t.g = u.g GROUP BY u.name'],
  ['v_count_distinct', 'SELECT g, count(DISTINCT n) AS d, sum(DISTINCT n) AS sd, max(DISTINCT s) AS xs FROM t GROUP BY g'],
];

/** To be created last: its division by zero fails a commit after every other view has run. */
export const POISON_VIEW: [string, string] = ['v_poison', 'SELECT k, 10 / (g - 7) AS q FROM t'];

export const NUMS = ['1.0', '1.00', '2.5', '-3', '0.000'];
export const FLOATS = ['0', "'-0'", '1.5', '2.25', '1e308'];
export const TEXTS = ["'a'", "'b'", "'A'", "'a '", 'NULL'];
export const BIGS = ['4611686018427387904', '-1', '9007199254740993', 'NULL'];

// 7 makes v_poison fail; few groups, so values meet in them
export const G = fc.constantFrom(0, 1, 2, 3, 7);
/** One statement over t and u. */
export const stmt = fc.oneof(
  fc
    .record({ k: fc.integer({ min: 1, max: 12 }), g: G, n: fc.constantFrom(...NUMS), f: fc.constantFrom(...FLOATS), s: fc.constantFrom(...TEXTS), b: fc.constantFrom(...BIGS) })
    .map((r) => `INSERT INTO t VALUES (${r.k}, ${r.g}, ${r.n}, ${r.f}, ${r.s}, ${r.b}) ON CONFLICT (k) DO UPDATE SET g = EXCLUDED.g, n = EXCLUDED.n, b = EXCLUDED.b`),
  fc.record({ k: fc.integer({ min: 1, max: 12 }), g: G }).map((r) => `UPDATE t SET g = ${r.g} WHERE k = ${r.k}`),
  fc.record({ k: fc.integer({ min: 1, max: 12 }), f: fc.constantFrom(...FLOATS) }).map((r) => `UPDATE t SET f = ${r.f} WHERE k >= ${r.k}`),
  fc.integer({ min: 1, max: 12 }).map((k) => `DELETE FROM t WHERE k = ${k}`),
  fc.record({ id: fc.integer({ min: 1, max: 6 }), g: G, name: fc.constantFrom("'x'", "'y'", "'z'") }).map((r) => `INSERT INTO u VALUES (${r.id}, ${r.g}, ${r.name}) ON CONFLICT (id) DO UPDATE SET g = EXCLUDED.g`),
  fc.integer({ min: 1, max: 6 }).map((id) => `DELETE FROM u WHERE id = ${id}`),
);
