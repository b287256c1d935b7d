import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T } from '../sql/types.js';
import { Decimal } from '../expr/numeric.js';
import { batchFromRows, batchToRows } from './batch.js';
import { consolidate } from './consolidate.js';
import { ZSet } from './test_helpers.js';

describe('consolidate', () => {
  it('sums weights of identical rows and drops zeros', () => {
    const b = batchFromRows([T.int4, T.text], [[1, 'a'], [2, 'b'], [1, 'a'], [2, 'b'], [3, null]], [1, 1, 2, -1, 0]);
    expect(batchToRows(consolidate(b))).toEqual([{ row: [1, 'a'], weight: 3 }]);
  });

  it('keeps representations apart (numeric 1.0 vs 1.00, float -0 vs 0)', () => {
    const b = batchFromRows([T.numeric, T.float8], [[Decimal.parse('1.0'), 0], [Decimal.parse('1.00'), 0], [Decimal.parse('1.0'), -0]]);
    expect(consolidate(b).length).toBe(3);
  });

  it('returns the same Z-set (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.option(fc.constantFrom('x', 'y')), fc.integer({ min: -2, max: 2 }))), (rs) => {
        const types = [T.int4, T.text];
        const b = batchFromRows(types, rs.map(([a, s]) => [a, s]), rs.map(([, , w]) => w));
        const c = consolidate(b);
        expect(new ZSet(types).addBatch(c).dump()).toEqual(new ZSet(types).addBatch(b).dump());
        const seen = new Set<string>();
        for (const { row, weight } of batchToRows(c)) {
          expect(weight).not.toBe(0);
          const k = JSON.stringify(row);
          expect(seen.has(k)).toBe(false);
          seen.add(k);
        }
      }),
    );
  });
});
