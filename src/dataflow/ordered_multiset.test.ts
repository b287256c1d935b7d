import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OrderedMultiset } from './ordered_multiset.js';

describe('OrderedMultiset', () => {
  it('tracks min and max under deletes of the extreme', () => {
    const s = new OrderedMultiset<number>((a, b) => a - b);
    s.add(5, 1);
    s.add(3, 2);
    s.add(9, 1);
    expect([s.min(), s.max()]).toEqual([3, 9]);
    s.add(3, -1);
    expect(s.min()).toBe(3);
    s.add(3, -1);
    expect(s.min()).toBe(5);
    s.add(9, -1);
    expect(s.max()).toBe(5);
    s.add(5, -1);
    expect([s.min(), s.max(), s.size]).toEqual([undefined, undefined, 0]);
    expect(() => s.add(1, -1)).toThrow();
  });

  it('matches a sorted reference (property, many values to split chunks)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2000 }), fc.boolean()), { maxLength: 3000 }), (ops) => {
        const s = new OrderedMultiset<number>((a, b) => a - b);
        const ref = new Map<number, number>();
        for (const [v, ins] of ops) {
          const c = ref.get(v) ?? 0;
          if (!ins && c === 0) continue;
          ref.set(v, c + (ins ? 1 : -1));
          if (ref.get(v) === 0) ref.delete(v);
          s.add(v, ins ? 1 : -1);
        }
        const keys = [...ref.keys()].sort((a, b) => a - b);
        expect(s.min()).toBe(keys[0]);
        expect(s.max()).toBe(keys[keys.length - 1]);
        expect([...s.entries()]).toEqual(keys.map((k) => [k, ref.get(k)]));
      }),
      { numRuns: 50 },
    );
  });
});
