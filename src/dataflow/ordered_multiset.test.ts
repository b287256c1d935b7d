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

  it('take and truncate agree with the expanded, sorted values; truncate reports what it removed (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1500 }), fc.integer({ min: 1, max: 3 })), { maxLength: 1500 }),
        fc.nat({ max: 1600 }),
        fc.nat({ max: 40 }),
        (adds, keep, skip) => {
          const s = new OrderedMultiset<number>((a, b) => a - b);
          for (const [v, n] of adds) s.add(v, n);
          const flat = [...s.entries()].flatMap(([v, n]) => Array.from({ length: n }, () => v));
          expect(s.take(skip, 7, [])).toEqual(flat.slice(skip, skip + 7));
          const removed: [number, number][] = [];
          s.truncate(keep, removed);
          expect([...s.entries()].flatMap(([v, n]) => Array.from({ length: n }, () => v))).toEqual(flat.slice(0, keep));
          expect(removed.flatMap(([v, n]) => Array.from({ length: n }, () => v))).toEqual(flat.slice(keep));
          expect(s.size).toBe(new Set(flat.slice(0, keep)).size);
          // still a working multiset: what was removed goes back in
          for (const [v, n] of removed) s.add(v, n);
          expect([...s.entries()].flatMap(([v, n]) => Array.from({ length: n }, () => v))).toEqual(flat);
          expect(s.max()).toBe(flat[flat.length - 1]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('loadSorted builds what the same adds build, and refuses values out of order (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { maxLength: 1500 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: -1, max: 2 })), { maxLength: 300 }), (values, later) => {
        const sorted = [...values].sort((a, b) => a - b);
        const counts = sorted.map((v) => 1 + (v % 3));
        const loaded = new OrderedMultiset<number>((a, b) => a - b);
        loaded.loadSorted(sorted, counts);
        const added = new OrderedMultiset<number>((a, b) => a - b);
        sorted.forEach((v, k) => added.add(v, counts[k]));
        for (const [v, w] of later) {
          if (w < 0 && added.count(v) === 0) continue;
          loaded.add(v, w);
          added.add(v, w);
        }
        expect([...loaded.entries()]).toEqual([...added.entries()]);
        expect([loaded.min(), loaded.max(), loaded.size]).toEqual([added.min(), added.max(), added.size]);
      }),
      { numRuns: 50 },
    );
    expect(() => new OrderedMultiset<number>((a, b) => a - b).loadSorted([2, 1], [1, 1])).toThrow(/out of order/);
    expect(() => new OrderedMultiset<number>((a, b) => a - b).loadSorted([1, 1], [1, 1])).toThrow(/out of order/);
  });
});
