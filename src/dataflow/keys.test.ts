import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T } from '../sql/types.js';
import { Decimal } from '../expr/numeric.js';
import type { Row, Value } from '../expr/value.js';
import { batchFromRows } from './batch.js';
import { batchKeyFn, rowKeyFn } from './keys.js';
import { batchRowHash, rowMatcher } from './row_hash.js';
import { ZSet } from './test_helpers.js';

const types = [T.float8, T.date, T.numeric, T.text];
const row = fc.tuple(
  fc.constantFrom<Value>(null, NaN, Infinity, -Infinity, 0, -0, 1.5),
  fc.constantFrom<Value>(null, Infinity, -Infinity, 0, 1),
  fc.constantFrom<string | null>(null, '1.5', '1.50', 'NaN'),
  fc.constantFrom<Value>(null, '', 'N;', 's0:', 'null'),
).map(([f, d, n, s]): Row => [f, d, n === null ? null : Decimal.parse(n), s]);

describe('batch keys', () => {
  it('batchKeyFn and rowKeyFn agree, for every column subset (property)', () => {
    const subsets = [[0], [1], [2], [3], [0, 1], [2, 3], [0, 1, 2, 3], []];
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 6 }), (rows) => {
        const b = batchFromRows(types, rows);
        for (const cols of subsets) {
          for (const kind of ['equality', 'identity'] as const) {
            const bk = batchKeyFn(types, cols, kind);
            const rk = rowKeyFn(types, cols, kind);
            rows.forEach((r, i) => expect(bk(b, i)).toEqual(rk(r)));
          }
        }
      }),
    );
  });

  it('NULL, NaN and ±Infinity are different single keys; -0 and 0 one equality key', () => {
    const b = batchFromRows([T.float8], [[null], [NaN], [Infinity], [-Infinity], [0], [-0]]);
    const eq = batchKeyFn([T.float8], [0], 'equality');
    expect(new Set([0, 1, 2, 3, 4, 5].map((i) => eq(b, i))).size).toBe(5);
    const id = batchKeyFn([T.float8], [0], 'identity');
    expect(new Set([0, 1, 2, 3, 4, 5].map((i) => id(b, i))).size).toBe(6);
  });
});

describe('row identity in row stores', () => {
  it('float -0 is not 0, a date -0 is the date 0', () => {
    const t = [T.float8, T.date];
    const b = batchFromRows(t, [[-0, 5], [1, -0]]);
    const match = rowMatcher(t);
    expect(match(b, 0, [0, 5])).toBe(false);
    expect(match(b, 0, [-0, 5])).toBe(true);
    expect(match(b, 1, [1, 0])).toBe(true);
    const hash = batchRowHash(t);
    expect(hash(b, 1)).toBe(hash(batchFromRows(t, [[1, 0]]), 0));
  });
});

describe('ZSet (test helper)', () => {
  it('keeps NULL, NaN and ±Infinity rows apart', () => {
    const z = new ZSet([T.float8]);
    for (const x of [null, NaN, Infinity, -Infinity, 0, -0]) z.add([x], 1);
    expect(z.m.size).toBe(6);
    expect(z.weightOf([null])).toBe(1);
  });
});
