import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T } from '../sql/types.js';
import type { Row, Value } from '../expr/value.js';
import { compareFloat } from '../expr/compare.js';
import { batchFromRows, batchToRows } from './batch.js';
import { InputOp, ZSet, legalize } from './test_helpers.js';
import { OrderedArrangeOp } from './operators/ordered_arrange.js';
import type { Bound } from './ordered_index.js';

// rows (a int4, f float8, p text) indexed by (a, f): -0 and 0, NaN and ±Infinity are keys
const TYPES = [T.int4, T.float8, T.text];
const cmpA = (x: Value, y: Value) => (x as number) - (y as number);
const cmpF = (x: Value, y: Value) => compareFloat(x as number, y as number);
const CMPS = [cmpA, cmpF];
/** NULLs last, as the index orders them. */
const cmpKey = (k: number, x: Value, y: Value) => (x === null || y === null ? (x === y ? 0 : x === null ? 1 : -1) : CMPS[k](x, y));

const rowArb = fc.tuple(
  fc.option(fc.integer({ min: -2, max: 2 }), { freq: 5 }),
  fc.option(fc.constantFrom(0, -0, 1.5, -1, NaN, Infinity, -Infinity), { freq: 5 }),
  fc.constantFrom('x', 'y'),
);
const stepArb = fc.record({
  delta: fc.array(fc.tuple(rowArb, fc.integer({ min: -2, max: 3 })), { maxLength: 10 }),
  rollback: fc.boolean(),
  scans: fc.array(
    fc.record({
      // equality on a, on a and f, or on nothing; bounds are on the next column (a or f)
      prefix: fc.oneof(fc.constant([]), fc.tuple(fc.integer({ min: -2, max: 2 })), fc.tuple(fc.integer({ min: -2, max: 2 }), fc.constantFrom(0, -0, NaN, 1.5))),
      lower: fc.option(fc.record({ value: fc.constantFrom(-1, 0, -0, 1, 1.5, NaN, -Infinity), inclusive: fc.boolean() })),
      upper: fc.option(fc.record({ value: fc.constantFrom(-1, 0, -0, 1, 1.5, NaN, Infinity), inclusive: fc.boolean() })),
    }),
    { maxLength: 3 },
  ),
});

/** The model's answer: rows whose prefix equals and whose next key column is within the bounds. */
function matches(row: Row, prefix: readonly Value[], lower: Bound | null, upper: Bound | null): boolean {
  for (let k = 0; k < prefix.length; k++) if (row[k] === null || CMPS[k](row[k], prefix[k]) !== 0) return false;
  if (!lower && !upper) return true;
  const k = prefix.length;
  const v = row[k];
  if (v === null) return false;
  if (lower && (lower.inclusive ? CMPS[k](v, lower.value) < 0 : CMPS[k](v, lower.value) <= 0)) return false;
  if (upper && (upper.inclusive ? CMPS[k](v, upper.value) > 0 : CMPS[k](v, upper.value) >= 0)) return false;
  return true;
}

describe('OrderedArrangeOp', () => {
  it('scans, snapshots and rollbacks agree with a multiset model', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 25 }), (steps) => {
        const src = new InputOp(TYPES);
        const op = new OrderedArrangeOp(src, [0, 1]);
        const model = new ZSet(TYPES);
        let time = 0;
        for (const st of steps) {
          const [legal] = legalize(TYPES, [[...model.m.values()].map((e) => ({ row: e.row, w: e.w })), st.delta.map(([row, w]) => ({ row: row as Row, w }))]).slice(1);
          const delta = batchFromRows(TYPES, legal.rows, legal.weights);
          expect(op.step([delta], { time: time++, hydrating: false, undoable: true })).toBe(delta);
          if (st.rollback) op.rollback();
          else {
            op.settle();
            model.addBatch(delta);
          }
          op.rollback(); // a settled step is not undone
          expect(new ZSet(TYPES).addBatch(op.snapshot()).dump()).toEqual(model.dump());
          for (const s of st.scans) {
            // a bound on a is an integer
            const onA = (b: Bound | null) => (b && s.prefix.length === 0 ? { ...b, value: Number.isFinite(b.value) ? Math.trunc(b.value as number) : 0 } : b);
            const lower = s.prefix.length < 2 ? onA(s.lower) : null;
            const upper = s.prefix.length < 2 ? onA(s.upper) : null;
            const slots: number[] = [];
            op.arrangement.scan(s.prefix, lower, upper, slots);
            const got = batchToRows(op.arrangement.rows(slots));
            const want = new ZSet(TYPES);
            for (const e of model.m.values()) if (matches(e.row, s.prefix, lower, upper)) want.add(e.row, e.w);
            expect(new ZSet(TYPES).addBatch(op.arrangement.rows(slots)).dump()).toEqual(want.dump());
            // in key order
            for (let i = 1; i < got.length; i++) {
              const [x, y] = [got[i - 1].row, got[i].row];
              const c = cmpKey(0, x[0], y[0]) || cmpKey(1, x[1], y[1]);
              expect(c).toBeLessThanOrEqual(0);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('hydrates in one piece and is not undone by a rollback', () => {
    const src = new InputOp(TYPES);
    const op = new OrderedArrangeOp(src, [1]);
    const rows: Row[] = Array.from({ length: 3000 }, (_, i) => [i % 7, (i * 37) % 101, 'p']);
    op.step([batchFromRows(TYPES, rows)], { time: 0, hydrating: true });
    op.rollback();
    const slots: number[] = [];
    op.arrangement.scan([], { value: 50, inclusive: true }, { value: 52, inclusive: false }, slots);
    const got = batchToRows(op.arrangement.rows(slots));
    expect(got.map((r) => r.row[1])).toEqual([...got.filter((r) => r.row[1] === 50), ...got.filter((r) => r.row[1] === 51)].map((r) => r.row[1]));
    const want = new ZSet(TYPES);
    for (const r of rows) if (r[1] === 50 || r[1] === 51) want.add(r, 1);
    expect(new ZSet(TYPES).addBatch(op.arrangement.rows(slots)).dump()).toEqual(want.dump());
  });
});
