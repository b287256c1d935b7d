// Switches for the generator extensions of the property suites. A feature is on by default
// once the engine passes it; the others wait for fixes being made elsewhere (each names the
// repro it waits for) and can be turned on for a run with PROPERTY_FEATURES:
//
//   PROPERTY_FEATURES=all                 every feature
//   PROPERTY_FEATURES=+float,-reps        the defaults, plus float, minus reps
//   PROPERTY_FEATURES=float,interval      exactly these
//
// To turn a feature on for good, set `on: true` below.

export const FEATURE_LIST = {
  /** float8/real columns and expressions: ±Infinity, NaN, -0, 0 and small dyadic values (exact sums). */
  float: { on: true, waitsFor: '' },
  /** interval columns and expressions ('1 day' = '24 hours', '1 mon' = '30 days'). */
  interval: { on: true, waitsFor: '' },
  /** numeric columns whose equal values print differently (1.5/1.50/1.500, 0/0.00/-0.0). */
  scales: { on: true, waitsFor: '' },
  /** numeric NaN and ±Infinity values. */
  nonfinite: { on: true, waitsFor: '' },
  /**
   * Equal-but-differently-printed values in positions that pick a representative (GROUP BY,
   * DISTINCT, set operations, min/max, DISTINCT aggregates); see the header of differential.ts
   * for how they are compared.
   */
  reps: { on: true, waitsFor: '' },
  /**
   * With `reps`: where PostgreSQL's pick follows creation order (one table, hashing), the
   * representative must be the same as PostgreSQL's even while several printed forms are
   * present (otherwise only when one is). Needs row versions to be told apart through
   * projections (see the report of the test helper: a representation held by several row
   * versions, the oldest updated).
   */
  repsOrdered: { on: false, waitsFor: 'several row versions of one printed form (test/regressions_property.test.ts)' },
  /** text values that look like numbers, and correlations on CAST(x AS text). */
  textNumbers: { on: true, waitsFor: '' },
  /** error-prone expressions (division by zero, overflow, bad casts) in views, reads and writes. */
  errors: { on: true, waitsFor: '' },
  /**
   * with `errors`: error-prone conditions anywhere in a single table's WHERE, under AND/OR/NOT
   * (PostgreSQL evaluates the conjuncts cheapest first: order_qual_clauses).
   */
  errorsQuals: { on: true, waitsFor: '' },
  /** scalar subqueries returning more than one row (21000) in SELECT lists. */
  errorsSubquery: { on: true, waitsFor: '' },
  /** transactions with SAVEPOINT / ROLLBACK TO / RELEASE, COMMIT AND CHAIN, BEGIN READ ONLY. */
  txnControl: { on: true, waitsFor: '' },
  /** PRIMARY KEY columns updated by expressions (id + 1): PostgreSQL checks uniqueness row by row. */
  pkUpdates: { on: true, waitsFor: '' },
  /** TLP and NoREC checks run on materialized views maintained through transactions. */
  metamorphicViews: { on: true, waitsFor: '' },
} as const;

export type Feature = keyof typeof FEATURE_LIST;

export function parseFeatures(spec: string | undefined): ReadonlySet<Feature> {
  const all = Object.keys(FEATURE_LIST) as Feature[];
  const defaults = all.filter((f) => FEATURE_LIST[f].on);
  if (!spec) return new Set(defaults);
  const tokens = spec.split(',').map((t) => t.trim()).filter(Boolean);
  const relative = tokens.every((t) => /^[+-]/.test(t) || t === 'default');
  const out = new Set<Feature>(relative ? defaults : []);
  for (const t of tokens) {
    if (t === 'all') all.forEach((f) => out.add(f));
    else if (t === 'default') defaults.forEach((f) => out.add(f));
    else {
      const name = t.replace(/^[+-]/, '') as Feature;
      if (!(name in FEATURE_LIST)) throw new Error(`PROPERTY_FEATURES: unknown feature ${name} (known: ${all.join(', ')})`);
      if (t.startsWith('-')) out.delete(name);
      else out.add(name);
    }
  }
  return out;
}

export const FEATURES = parseFeatures(process.env.PROPERTY_FEATURES);
