import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T } from '../../sql/types.js';
import { Decimal } from '../../expr/numeric.js';
import type { Row } from '../../expr/value.js';
import { batchToRows } from '../batch.js';
import { Circuit, InputOp, ZSet, legalize } from '../test_helpers.js';
import { ArrangeOp } from './arrange.js';
import { IntegrateOp } from './integrate.js';
import { DistinctOp } from './distinct.js';

const deltaArb = fc.array(
  fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.option(fc.constantFrom('a', 'b'), { freq: 4 }), fc.integer({ min: -2, max: 3 })), { maxLength: 8 }),
  { maxLength: 12 },
);

function legalDeltas(steps: [number, string | null, number][][]): Row[][][] {
  return legalize([T.int4, T.text], steps.map((st) => st.map(([a, b, w]) => ({ row: [a, b] as Row, w })))).map((d) =>
    d.rows.map((r, k) => [r, [d.weights[k]]] as Row[]),
  );
}

function feedRows(src: InputOp, d: Row[][]): void {
  src.feed(d.map((x) => x[0] as Row), d.map((x) => (x[1] as number[])[0]));
}

describe('ArrangeOp', () => {
  it('passes deltas through and indexes by key, NULL keys apart', () => {
    const src = new InputOp([T.int4, T.text]);
    const ar = new ArrangeOp(src, [1]);
    const c = new Circuit([ar]);
    src.feed([[1, 'a'], [2, 'a'], [3, null], [1, 'a']], [1, 1, 1, 1]);
    const out = c.step().get(ar)!;
    expect(out.length).toBe(4);
    expect(ar.arrangement.countKey('a')).toBe(2);
    expect(ar.arrangement.countKey(null)).toBe(1);
    src.feed([[1, 'a'], [3, null]], [-2, -1]);
    c.step();
    expect(new ZSet(ar.types).addBatch(ar.snapshot()).dump()).toEqual(new ZSet(ar.types).add([2, 'a'], 1).dump());
  });
});

describe('IntegrateOp', () => {
  it('integrates, expands rows by multiplicity, and refuses negative weights', () => {
    const src = new InputOp([T.int4]);
    const it_ = new IntegrateOp(src);
    const c = new Circuit([it_]);
    src.feed([[1], [2], [1]], [1, 1, 1]);
    c.step();
    src.feed([[2], [3]], [-1, 1]);
    c.step();
    expect(it_.rows().map((r) => r[0]).sort()).toEqual([1, 1, 3]);
    src.feed([[3]], [-2]);
    expect(() => c.step()).toThrow(/negative/);
  });

  it('allows insert and delete of the same row in one step', () => {
    const src = new InputOp([T.int4]);
    const it_ = new IntegrateOp(src);
    const c = new Circuit([it_]);
    src.feed([[7], [7]], [-1, 1]);
    c.step();
    expect(it_.rows()).toEqual([]);
  });
});

describe('DistinctOp', () => {
  it('emits each distinct row once while its weight is positive', () => {
    const src = new InputOp([T.int4, T.text]);
    const d = new DistinctOp(src);
    const c = new Circuit([d]);
    src.feed([[1, 'a'], [1, 'a'], [2, null]], [1, 2, 1]);
    expect(new ZSet(d.types).addBatch(c.step().get(d)!).dump()).toEqual(new ZSet(d.types).add([1, 'a'], 1).add([2, null], 1).dump());
    src.feed([[1, 'a']], [-2]);
    expect(c.step().get(d)!.length).toBe(0);
    src.feed([[1, 'a'], [2, null]], [-1, 1]);
    expect(batchToRows(c.step().get(d)!)).toEqual([{ row: [1, 'a'], weight: -1 }]);
  });

  it('uses SQL equality and outputs a present representation', () => {
    const src = new InputOp([T.numeric]);
    const d = new DistinctOp(src);
    const c = new Circuit([d]);
    src.feed([[Decimal.parse('1.0')], [Decimal.parse('1.00')]]);
    const first = batchToRows(c.step().get(d)!);
    expect(first.length).toBe(1);
    const shown = (first[0].row[0] as Decimal).toString();
    src.feed([[Decimal.parse(shown)]], [-1]);
    const second = batchToRows(c.step().get(d)!).map((x) => `${(x.row[0] as Decimal).toString()}:${x.weight}`);
    expect(second.sort()).toEqual([`${shown}:-1`, `${shown === '1.0' ? '1.00' : '1.0'}:1`].sort());
  });

  it('matches SELECT DISTINCT over the integrated input (property)', () => {
    fc.assert(
      fc.property(deltaArb, (steps) => {
        const types = [T.int4, T.text];
        const src = new InputOp(types);
        const d = new DistinctOp(src);
        const c = new Circuit([d]);
        const input = new ZSet(types);
        const output = new ZSet(types);
        for (const st of legalDeltas(steps)) {
          feedRows(src, st);
          for (const [r, w] of st) input.add(r as Row, (w as number[])[0]);
          output.addBatch(c.step().get(d)!);
          const ref = new ZSet(types);
          for (const e of input.m.values()) ref.add(e.row, 1);
          expect(output.dump()).toEqual(ref.dump());
        }
      }),
    );
  });
});
