import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T } from '../sql/types.js';
import { Decimal } from '../expr/numeric.js';
import { identityKeyFn } from '../expr/compare.js';
import type { Value } from '../expr/value.js';
import { BatchBuilder, concatBatches, getValue, sliceBatch, type Batch } from './batch.js';
import { decodeDecimal, encodeDecimal } from './dec_column.js';
import { gather } from './gather.js';
import { assemblePairs } from './pairs.js';
import { RowStore } from './row_store.js';
import { batchFromIPC, batchToIPC } from './arrow.js';
import { batchRowHash, rowMatcher } from './row_hash.js';

const id = identityKeyFn(T.numeric);

// coefficients around the encoding's edge (2^47) and scales around its (64), specials, NULL
const coef = fc.oneof(
  fc.bigInt({ min: -(2n ** 47n) - 3n, max: 2n ** 47n + 3n }),
  fc.constantFrom(0n, 1n, -1n, 2n ** 47n - 1n, -(2n ** 47n - 1n), 2n ** 47n, -(2n ** 47n), 10n ** 40n, -(10n ** 40n)),
  fc.integer({ min: -1000, max: 1000 }).map(BigInt),
);
const decimal: fc.Arbitrary<Value> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(coef, fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(62, 63, 64, 65, 200))).map(([c, s]) => Decimal.of(c, s)) },
  { weight: 1, arbitrary: fc.constantFrom(Decimal.NAN, Decimal.INFINITY, Decimal.NEG_INFINITY, null) },
);

/** The values of a one-column batch, as identity keys (1.0 and 1.00 apart). */
function keys(b: Batch): unknown[] {
  return Array.from({ length: b.length }, (_, i) => id(getValue(b.columns[0], i)));
}

function build(values: readonly Value[], capacity = 2): Batch {
  const b = new BatchBuilder([T.numeric], capacity);
  for (const v of values) b.push([v], 1);
  return b.finish();
}

describe("'dec' columns (numeric in typed storage)", () => {
  it('encode and decode keep coefficient and scale; what does not fit is NaN (property)', () => {
    fc.assert(
      fc.property(decimal, (d) => {
        if (d === null) return;
        const x = encodeDecimal(d as Decimal);
        if (x !== x) {
          const { coef: c, scale, special } = d as Decimal;
          expect(special !== null || scale >= 64 || c >= 2n ** 47n || c <= -(2n ** 47n)).toBe(true);
          return;
        }
        expect(Number.isSafeInteger(x)).toBe(true);
        expect(id(decodeDecimal(x))).toBe(id(d));
      }),
    );
  });

  it('every copy path keeps each value as it was: builders, slices, concatenation, gather, join pairs, row stores, Arrow (property)', () => {
    fc.assert(
      fc.property(fc.array(decimal, { maxLength: 40 }), fc.array(decimal, { maxLength: 10 }), (xs, ys) => {
        const want = xs.map(id);
        const a = build(xs);
        expect(keys(a)).toEqual(want);
        // appended column by column into a builder that already holds other rows
        const both = concatBatches([T.numeric], [build(ys), a]);
        expect(keys(both)).toEqual([...ys.map(id), ...want]);
        expect(keys(sliceBatch(both, ys.length, both.length))).toEqual(want);
        const rev = Int32Array.from(xs.map((_, i) => xs.length - 1 - i));
        expect(keys(gather(a, rev, xs.length))).toEqual([...want].reverse());
        expect(keys(batchFromIPC(batchToIPC(a)))).toEqual(want);
        // a store: each distinct representation once, weights added, read back by slot
        const store = new RowStore([T.numeric]);
        store.apply(a);
        const counts = new Map<unknown, number>();
        for (const k of want) counts.set(k, (counts.get(k) ?? 0) + 1);
        const snap = store.snapshot();
        const got = new Map(keys(snap).map((k, i) => [k, snap.weights[i]]));
        expect(got).toEqual(counts);
        // join output taking its column from a batch and from the store
        const slots = Array.from({ length: store.size }, (_, s) => s);
        const pairs = assemblePairs([T.numeric, T.numeric], 1, [
          { left: { batch: snap, idx: slots }, right: { store, slots }, weights: slots.map(() => 1) },
        ]);
        for (let i = 0; i < pairs.length; i++) expect(id(getValue(pairs.columns[1], i))).toBe(id(getValue(pairs.columns[0], i)));
        // hashing and matching see the same rows whether they were copied or rebuilt from values
        const hash = batchRowHash([T.numeric]);
        const match = rowMatcher([T.numeric]);
        const again = build(xs.map((v) => (v === null ? null : Decimal.parse(String((v as Decimal).toString())))), 64);
        for (let i = 0; i < xs.length; i++) {
          expect(match(a, i, [xs[i]])).toBe(true);
          for (const y of ys) expect(match(a, i, [y])).toBe(id(y) === want[i]);
          if (xs[i] !== null && id(getValue(again.columns[0], i)) === want[i]) expect(hash(again, i)).toBe(hash(a, i));
        }
        // a retraction of every row empties the store, side values included
        store.apply({ ...a, weights: a.weights.map((w) => -w) });
        expect(store.size).toBe(0);
      }),
    );
  });

  it('keeps 1.0 and 1.00 apart as rows, and NaN, Infinity and wide values through a store', () => {
    const vals = ['1.0', '1.00', '1', 'NaN', 'Infinity', '-Infinity', '123456789012345678901234567890.5', '-0.000'].map((s) => Decimal.parse(s));
    const store = new RowStore([T.numeric]);
    store.apply(build([...vals, ...vals]));
    expect(store.size).toBe(vals.length);
    const snap = store.snapshot();
    expect(new Set(keys(snap))).toEqual(new Set(vals.map(id)));
    expect(Array.from(snap.weights)).toEqual(vals.map(() => 2));
  });
});
