import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T } from '../../sql/types.js';
import type { Row, Value } from '../../expr/value.js';
import { getValue, type Batch } from '../batch.js';
import { Circuit, InputOp, ZSet, legalize } from '../test_helpers.js';
import { ArrangeOp } from './arrange.js';
import { JoinOp, type JoinType } from './join.js';

// left (k int4, a text), right (k int4, b int4); residual: a <> 'x' AND b < 5 when enabled
const LT = [T.int4, T.text];
const RT = [T.int4, T.int4];
const OUT = [...LT, ...RT];

function residualFn(b: Batch, i: number): Value {
  const a = getValue(b.columns[1], i);
  const bb = getValue(b.columns[3], i);
  if (a === null || bb === null) return null;
  return a !== 'x' && (bb as number) < 5;
}
function residualRow(l: Row, r: Row): boolean {
  return l[1] !== null && r[1] !== null && l[1] !== 'x' && (r[1] as number) < 5;
}

function setup(type: JoinType, residual: boolean, keyed = true, lt = LT, rt = RT) {
  const l = new InputOp(lt);
  const r = new InputOp(rt);
  const la = new ArrangeOp(l, keyed ? [0] : []);
  const ra = new ArrangeOp(r, keyed ? [0] : []);
  const j = new JoinOp(la, ra, { type, residual: residual ? residualFn : undefined });
  return { l, r, j, c: new Circuit([j]) };
}

function reference(type: JoinType, A: ZSet, B: ZSet, residual: boolean, keyed = true, outTypes = OUT): ZSet {
  const out = new ZSet(outTypes);
  const matchL = new Map<Row, number>();
  const matchR = new Map<Row, number>();
  for (const a of A.m.values()) {
    for (const b of B.m.values()) {
      const keyOk = !keyed || (a.row[0] !== null && b.row[0] !== null && a.row[0] === b.row[0]);
      if (keyOk && (!residual || residualRow(a.row, b.row))) {
        out.add([...a.row, ...b.row], a.w * b.w);
        matchL.set(a.row, 1);
        matchR.set(b.row, 1);
      }
    }
  }
  if (type === 'left' || type === 'full') for (const a of A.m.values()) if (!matchL.has(a.row)) out.add([...a.row, null, null], a.w);
  if (type === 'right' || type === 'full') for (const b of B.m.values()) if (!matchR.has(b.row)) out.add([null, null, ...b.row], b.w);
  return out;
}

/** A step's output rows as they came, each with its weight last. */
function rowsOf(out: Batch): unknown[][] {
  return Array.from({ length: out.length }, (_, i) => [...out.columns.map((col) => getValue(col, i)), out.weights[i]]);
}

describe('JoinOp', () => {
  it('outputs a consolidated delta when both sides change in one step (no +1 +1 −1 for a new pair)', () => {
    for (const type of ['inner', 'left', 'full'] as const) {
      const { l, r, j, c } = setup(type, true);
      l.feed([[1, 'a']]);
      r.feed([[2, 1]]);
      c.step();
      l.feed([[2, 'b'], [1, 'c']]);
      r.feed([[2, 3], [1, 4]]);
      const out = c.step().get(j)!;
      const rows = rowsOf(out);
      expect(new Set(rows.map((x) => JSON.stringify(x.slice(0, -1)))).size, type).toBe(rows.length);
      expect(Array.from(out.weights).every((w) => w !== 0), type).toBe(true);
    }
  });

  it('an inner join consolidates a step where a row B held before changes while A changes: its old and new pairs meet', () => {
    const { l, r, j, c } = setup('inner', false);
    r.feed([[1, 10]], [2]);
    c.step();
    l.feed([[1, 'a']]);
    r.feed([[1, 10]], [-1]);
    // ΔA × B_old lists (a, 10) twice, A_new × ΔB once taken back: one row of weight 1
    expect(rowsOf(c.step().get(j)!)).toEqual([[1, 'a', 1, 10, 1]]);
  });

  it('inner join with NULL keys never matching', () => {
    const { l, r, j, c } = setup('inner', false);
    l.feed([[1, 'a'], [null, 'n']]);
    r.feed([[1, 10], [null, 20]]);
    const out = new ZSet(OUT).addBatch(c.step().get(j)!);
    expect(out.dump()).toEqual(new ZSet(OUT).add([1, 'a', 1, 10], 1).dump());
  });

  it('left join rows flip between matched and NULL-padded', () => {
    const { l, r, j, c } = setup('left', false);
    const out = new ZSet(OUT);
    l.feed([[1, 'a'], [1, 'a'], [null, 'n']]);
    out.addBatch(c.step().get(j)!);
    expect(out.dump()).toEqual(new ZSet(OUT).add([1, 'a', null, null], 2).add([null, 'n', null, null], 1).dump());
    r.feed([[1, 10]]);
    out.addBatch(c.step().get(j)!);
    expect(out.dump()).toEqual(new ZSet(OUT).add([1, 'a', 1, 10], 2).add([null, 'n', null, null], 1).dump());
    r.feed([[1, 11], [1, 10]], [1, -1]);
    out.addBatch(c.step().get(j)!);
    expect(out.dump()).toEqual(new ZSet(OUT).add([1, 'a', 1, 11], 2).add([null, 'n', null, null], 1).dump());
    r.feed([[1, 11]], [-1]);
    out.addBatch(c.step().get(j)!);
    expect(out.dump()).toEqual(new ZSet(OUT).add([1, 'a', null, null], 2).add([null, 'n', null, null], 1).dump());
  });

  it('left join with a residual: partners that fail the residual do not count', () => {
    const { l, r, j, c } = setup('left', true);
    const out = new ZSet(OUT);
    l.feed([[1, 'a'], [1, 'x']]);
    r.feed([[1, 9]]);
    out.addBatch(c.step().get(j)!);
    expect(out.dump()).toEqual(new ZSet(OUT).add([1, 'a', null, null], 1).add([1, 'x', null, null], 1).dump());
    r.feed([[1, 3]]);
    out.addBatch(c.step().get(j)!);
    expect(out.dump()).toEqual(new ZSet(OUT).add([1, 'a', 1, 3], 1).add([1, 'x', null, null], 1).dump());
    r.feed([[1, 3]], [-1]);
    out.addBatch(c.step().get(j)!);
    expect(out.dump()).toEqual(new ZSet(OUT).add([1, 'a', null, null], 1).add([1, 'x', null, null], 1).dump());
  });

  it('full join: one step inserts and deletes the same row; deleting a padded row', () => {
    const { l, r, j, c } = setup('full', false);
    const out = new ZSet(OUT);
    l.feed([[1, 'a'], [1, 'a']], [1, -1]);
    r.feed([[2, 5]]);
    out.addBatch(c.step().get(j)!);
    expect(out.dump()).toEqual(new ZSet(OUT).add([null, null, 2, 5], 1).dump());
    l.feed([[2, 'b']]);
    r.feed([[2, 5]], [-1]);
    out.addBatch(c.step().get(j)!);
    expect(out.dump()).toEqual(new ZSet(OUT).add([2, 'b', null, null], 1).dump());
  });

  it('keyless (cross / theta) join', () => {
    const { l, r, j, c } = setup('full', true, false);
    const out = new ZSet(OUT);
    l.feed([[1, 'a'], [2, 'x']]);
    r.feed([[7, 1], [8, 9]]);
    out.addBatch(c.step().get(j)!);
    const A = new ZSet(LT).add([1, 'a'], 1).add([2, 'x'], 1);
    const B = new ZSet(RT).add([7, 1], 1).add([8, 9], 1);
    expect(out.dump()).toEqual(reference('full', A, B, true, false).dump());
  });

  it('hydration computes only ΔA ⋈ B_new', () => {
    for (const type of ['inner', 'left', 'right', 'full'] as JoinType[]) {
      const { l, r, j, c } = setup(type, true);
      l.feed([[1, 'a'], [1, 'a'], [2, 'b'], [null, 'c']]);
      r.feed([[1, 1], [1, 7], [3, 2], [null, 1]]);
      const out = new ZSet(OUT).addBatch(c.step(true).get(j)!);
      const A = new ZSet(LT).add([1, 'a'], 2).add([2, 'b'], 1).add([null, 'c'], 1);
      const B = new ZSet(RT).add([1, 1], 1).add([1, 7], 1).add([3, 2], 1).add([null, 1], 1);
      expect(out.dump()).toEqual(reference(type, A, B, true).dump());
      // and later steps continue incrementally
      r.feed([[1, 1], [2, 0]], [-1, 1]);
      out.addBatch(c.step().get(j)!);
      B.add([1, 1], -1).add([2, 0], 1);
      expect(out.dump()).toEqual(reference(type, A, B, true).dump());
    }
  });

  it('self-join through one arrangement', () => {
    const l = new InputOp(RT);
    const a = new ArrangeOp(l, [0]);
    const j = new JoinOp(a, a, { type: 'left', residual: (b, i) => (getValue(b.columns[1], i) as number) < (getValue(b.columns[3], i) as number) });
    const c = new Circuit([j]);
    const out = new ZSet([...RT, ...RT]);
    l.feed([[1, 1], [1, 2]]);
    out.addBatch(c.step().get(j)!);
    expect(out.dump()).toEqual(new ZSet([...RT, ...RT]).add([1, 1, 1, 2], 1).add([1, 2, null, null], 1).dump());
    l.feed([[1, 3], [1, 1]], [1, -1]);
    out.addBatch(c.step().get(j)!);
    expect(out.dump()).toEqual(new ZSet([...RT, ...RT]).add([1, 2, 1, 3], 1).add([1, 3, null, null], 1).dump());
  });

  const sideArb = <T>(v: fc.Arbitrary<T>) =>
    fc.array(fc.array(fc.record({ row: v, w: fc.integer({ min: -2, max: 2 }) }), { maxLength: 5 }), { minLength: 1, maxLength: 10 });
  const keyArb = fc.option(fc.integer({ min: 0, max: 2 }), { freq: 5 });
  const lRow = fc.tuple(keyArb, fc.option(fc.constantFrom('a', 'x'), { freq: 5 })).map((t) => t as Row);
  const rRow = fc.tuple(keyArb, fc.option(fc.integer({ min: 0, max: 7 }), { freq: 5 })).map((t) => t as Row);

  it('matches a naive join over the integrated inputs, on int4 and int8 keys (property)', () => {
    // int8 keys k·2^33 − 1 (for k = 0, 1, 2): both 32-bit words matter, the high one negative for 0
    const wideKey = (side: { row: Row; w: number }[][]) =>
      side.map((step) => step.map(({ row, w }) => ({ row: [row[0] === null ? null : BigInt(row[0] as number) * 2n ** 33n - 1n, row[1]], w })));
    fc.assert(
      fc.property(
        fc.constantFrom<JoinType>('inner', 'left', 'right', 'full'),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        sideArb(lRow),
        sideArb(rRow),
        (type, residual, keyed, hydrateFirst, wide, ls, rs) => {
          const lt = wide ? [T.int8, LT[1]] : LT;
          const rt = wide ? [T.int8, RT[1]] : RT;
          const { l, r, j, c } = setup(type, residual, keyed, lt, rt);
          const dl = legalize(lt, wide ? wideKey(ls) : ls);
          const dr = legalize(rt, wide ? wideKey(rs) : rs);
          const A = new ZSet(lt);
          const B = new ZSet(rt);
          const out = new ZSet([...lt, ...rt]);
          for (let s = 0; s < Math.max(dl.length, dr.length); s++) {
            const x = dl[s] ?? { rows: [], weights: [] };
            const y = dr[s] ?? { rows: [], weights: [] };
            // hydration must deliver full contents: only possible at the first step
            const hyd = hydrateFirst && s === 0;
            l.feed(x.rows, x.weights);
            r.feed(y.rows, y.weights);
            x.rows.forEach((row, k) => A.add(row, x.weights[k]));
            y.rows.forEach((row, k) => B.add(row, y.weights[k]));
            out.addBatch(c.step(hyd).get(j)!);
            expect(out.dump()).toEqual(reference(type, A, B, residual, keyed, [...lt, ...rt]).dump());
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an inner self-join through one arrangement matches a naive join (property): B_old is taken from the same arrangement that ΔA probes', () => {
    const SELF = [...RT, ...RT];
    fc.assert(
      fc.property(fc.boolean(), sideArb(rRow), (residual, rs) => {
        const l = new InputOp(RT);
        const a = new ArrangeOp(l, [0]);
        const res = (b: Batch, i: number): Value => {
          const x = getValue(b.columns[1], i);
          const y = getValue(b.columns[3], i);
          return x === null || y === null ? null : (x as number) < (y as number);
        };
        const j = new JoinOp(a, a, { type: 'inner', residual: residual ? res : undefined });
        const c = new Circuit([j]);
        const A = new ZSet(RT);
        const out = new ZSet(SELF);
        for (const x of legalize(RT, rs)) {
          l.feed(x.rows, x.weights);
          x.rows.forEach((row, k) => A.add(row, x.weights[k]));
          out.addBatch(c.step().get(j)!);
          const want = new ZSet(SELF);
          for (const p of A.m.values()) {
            for (const q of A.m.values()) {
              const ok = p.row[0] !== null && p.row[0] === q.row[0] && (!residual || (p.row[1] !== null && q.row[1] !== null && (p.row[1] as number) < (q.row[1] as number)));
              if (ok) want.add([...p.row, ...q.row], p.w * q.w);
            }
          }
          expect(out.dump()).toEqual(want.dump());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an inner join lists a pair of two rows new in the same step once, unconsolidated', () => {
    const { l, r, j, c } = setup('inner', false);
    l.feed([[1, 'a']]);
    r.feed([[1, 5]]);
    c.step();
    // new on both sides, and new rows joining old ones
    l.feed([[2, 'b'], [1, 'c']]);
    r.feed([[2, 3], [1, 4]]);
    const out = c.step().get(j)!;
    expect(rowsOf(out).map((x) => JSON.stringify(x)).sort()).toEqual(
      [[2, 'b', 2, 3, 1], [1, 'c', 1, 5, 1], [1, 'c', 1, 4, 1], [1, 'a', 1, 4, 1]].map((x) => JSON.stringify(x)).sort(),
    );
  });
});
