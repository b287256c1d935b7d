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
  float: { on: false, waitsFor: '03, 03b, 04, 07 (float -0 in aggregates, ±Infinity/NaN keys)' },
  /** interval columns and expressions ('1 day' = '24 hours', '1 mon' = '30 days'). */
  interval: { on: false, waitsFor: '10 (min/max ties)' },
  /** numeric columns whose equal values print differently (1.5/1.50/1.500, 0/0.00/-0.0). */
  scales: { on: false, waitsFor: '01, 02, 02b, 10 (representatives)' },
  /** numeric NaN and ±Infinity values. */
  nonfinite: { on: false, waitsFor: '04 (expression keys of non-finite values)' },
  /**
   * Equal-but-differently-printed values in positions that pick a representative (GROUP BY,
   * DISTINCT, set operations, min/max, DISTINCT aggregates); see the header of differential.ts
   * for how they are compared.
   */
  reps: { on: false, waitsFor: '01, 02, 02b, 10 (representatives)' },
  /** text values that look like numbers, and correlations on CAST(x AS text). */
  textNumbers: { on: false, waitsFor: '05 (decorrelation domain)' },
  /** error-prone expressions (division by zero, overflow, bad casts) in views, reads and writes. */
  errors: { on: false, waitsFor: '12, 14, 15, 20 (error gating, constant folding)' },
  /** scalar subqueries returning more than one row (21000) in SELECT lists. */
  errorsSubquery: { on: false, waitsFor: '15, 15b (scalar subquery gating)' },
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
