import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExactFloatSum } from './exact_sum.js';

describe('ExactFloatSum', () => {
  it('is exact: insert then delete leaves no drift', () => {
    const s = new ExactFloatSum();
    s.add(0.1, 1);
    s.add(1e20, 1);
    s.add(0.2, 1);
    s.add(1e20, -1);
    expect(s.value()).toBe(0.1 + 0.2);
    s.add(0.1, -1);
    s.add(0.2, -1);
    expect(s.value()).toBe(0);
  });

  it('handles weights, NaN and infinities', () => {
    const s = new ExactFloatSum();
    s.add(0.1, 3);
    expect(s.value()).toBe(0.30000000000000004);
    s.add(Infinity, 1);
    expect(s.value()).toBe(Infinity);
    s.add(-Infinity, 1);
    expect(s.value()).toBeNaN();
    s.add(Infinity, -1);
    s.add(-Infinity, -1);
    s.add(NaN, 1);
    expect(s.value()).toBeNaN();
    s.add(NaN, -1);
    expect(s.value()).toBe(0.30000000000000004);
  });

  it('depends only on the multiset (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), { maxLength: 40 }), fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), { maxLength: 40 }), (keep, transient) => {
        const a = new ExactFloatSum();
        for (const x of keep) a.add(x, 1);
        const b = new ExactFloatSum();
        for (const x of transient) b.add(x, 1);
        for (const x of [...keep].reverse()) b.add(x, 1);
        for (const x of transient) b.add(x, -1);
        expect(Object.is(a.value() + 0, b.value() + 0)).toBe(true);
      }),
    );
  });
});
