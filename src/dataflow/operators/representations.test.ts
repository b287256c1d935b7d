// Which representation grouping, DISTINCT, UNION and INTERSECT/EXCEPT show, checked against a
// scan-order reference: the rows present in creation order, where PostgreSQL keeps the first row
// of each class (of the left input for INTERSECT/EXCEPT, of the first branch holding one for
// UNION). A step applies its deletions before its insertions, and a deletion removes the newest
// copy of a representation (rows carry no creation time: the copy that cannot decide).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T } from '../../sql/types.js';
import { Decimal } from '../../expr/numeric.js';
import type { Row } from '../../expr/value.js';
import { batchToRows } from '../batch.js';
import { Circuit, InputOp } from '../test_helpers.js';
import type { Operator } from '../operator.js';
import { AggregateOp } from './aggregate.js';
import { DistinctOp } from './distinct.js';
import { SetOpOp, type SetOpKind } from './set_op.js';

const REPS = ['1', '1.0', '1.00', '2', '2.00', 'NULL'];
const parse = (s: string) => (s === 'NULL' ? null : Decimal.parse(s));
const norm = (s: string) => (s === 'NULL' ? 'NULL' : Decimal.parse(s).normalizedKey());

/** Integrated output of op as sorted "row:weight" strings. */
class Sink {
  private readonly m = new Map<string, number>();
  add(op: Operator, out: ReturnType<Circuit['step']>): void {
    for (const { row, weight } of batchToRows(out.get(op)!)) {
      const k = row.map((v) => (v === null ? 'NULL' : String(v))).join(',');
      const n = (this.m.get(k) ?? 0) + weight;
      if (n === 0) this.m.delete(k);
      else this.m.set(k, n);
    }
  }
  dump(): string[] {
    return [...this.m].map(([k, n]) => `${k}:${n}`).sort();
  }
}

type Op = { side: number; rep: string; del: boolean };
const stepsArb = (sides: number) =>
  fc.array(fc.array(fc.record({ side: fc.integer({ min: 0, max: sides - 1 }), rep: fc.constantFrom(...REPS), del: fc.boolean() }), { maxLength: 5 }), {
    minLength: 1,
    maxLength: 12,
  });

/** Apply a step to the reference tables; returns the delta per side (deletions first). */
function apply(tables: string[][], step: Op[]): { rows: Row[]; weights: number[] }[] {
  const deltas = tables.map(() => ({ rows: [] as Row[], weights: [] as number[] }));
  for (const op of step.filter((o) => o.del)) {
    const i = tables[op.side].lastIndexOf(op.rep);
    if (i < 0) continue;
    tables[op.side].splice(i, 1);
    deltas[op.side].rows.push([parse(op.rep)]);
    deltas[op.side].weights.push(-1);
  }
  for (const op of step.filter((o) => !o.del)) {
    tables[op.side].push(op.rep);
    deltas[op.side].rows.push([parse(op.rep)]);
    deltas[op.side].weights.push(1);
  }
  return deltas;
}

/** First representation of each class in scan order over `rows`, with the class's count. */
function firsts(rows: string[]): Map<string, { rep: string; n: number }> {
  const m = new Map<string, { rep: string; n: number }>();
  for (const r of rows) {
    const e = m.get(norm(r));
    if (e) e.n++;
    else m.set(norm(r), { rep: r, n: 1 });
  }
  return m;
}

describe('representations', () => {
  it('GROUP BY and DISTINCT show the first present row of each class in scan order (property)', () => {
    fc.assert(
      fc.property(stepsArb(1), (steps) => {
        const src = new InputOp([T.numeric]);
        const agg = new AggregateOp(src, { groupCols: [0], aggs: [{ fn: 'count_star', arg: 0, argType: T.numeric, resultType: T.int8, distinct: false }] });
        const dis = new DistinctOp(src);
        const c = new Circuit([agg, dis]);
        const tables: string[][] = [[]];
        const [ga, gd] = [new Sink(), new Sink()];
        for (const st of steps) {
          const [d] = apply(tables, st);
          src.feed(d.rows, d.weights);
          const out = c.step();
          ga.add(agg, out);
          gd.add(dis, out);
          const ref = [...firsts(tables[0]).values()];
          expect(ga.dump()).toEqual(ref.map((e) => `${e.rep},${e.n}:1`).sort());
          expect(gd.dump()).toEqual(ref.map((e) => `${e.rep}:1`).sort());
        }
      }),
      { numRuns: 300 },
    );
  });

  it('UNION prefers the first branch holding a representation (property)', () => {
    fc.assert(
      fc.property(stepsArb(2), (steps) => {
        const [a, b] = [new InputOp([T.numeric]), new InputOp([T.numeric])];
        const u = new DistinctOp([a, b]);
        const c = new Circuit([u]);
        const tables: string[][] = [[], []];
        const sink = new Sink();
        for (const st of steps) {
          const [da, db] = apply(tables, st);
          a.feed(da.rows, da.weights);
          b.feed(db.rows, db.weights);
          sink.add(u, c.step());
          const ref = firsts([...tables[0], ...tables[1]]);
          const left = firsts(tables[0]);
          expect(sink.dump()).toEqual([...ref].map(([k, e]) => `${(left.get(k) ?? e).rep}:1`).sort());
        }
      }),
      { numRuns: 300 },
    );
  });

  for (const kind of ['intersect', 'intersect_all', 'except', 'except_all'] as SetOpKind[]) {
    it(`${kind.toUpperCase().replace('_', ' ')} copies the first present left row (property)`, () => {
      fc.assert(
        fc.property(stepsArb(2), (steps) => {
          const [a, b] = [new InputOp([T.numeric]), new InputOp([T.numeric])];
          const op = new SetOpOp(a, b, kind);
          const c = new Circuit([op]);
          const tables: string[][] = [[], []];
          const sink = new Sink();
          for (const st of steps) {
            const [da, db] = apply(tables, st);
            a.feed(da.rows, da.weights);
            b.feed(db.rows, db.weights);
            sink.add(op, c.step());
            const right = firsts(tables[1]);
            const ref: string[] = [];
            for (const [k, e] of firsts(tables[0])) {
              const nb = right.get(k)?.n ?? 0;
              const m = { intersect: nb > 0 ? 1 : 0, intersect_all: Math.min(e.n, nb), except: nb > 0 ? 0 : 1, except_all: Math.max(0, e.n - nb) }[kind];
              if (m > 0) ref.push(`${e.rep}:${m}`);
            }
            expect(sink.dump()).toEqual(ref.sort());
          }
        }),
        { numRuns: 200 },
      );
    });
  }

  it('an update that keeps the value moves the representation behind the others', () => {
    const src = new InputOp([T.numeric]);
    const d = new DistinctOp(src);
    const c = new Circuit([d]);
    const sink = new Sink();
    src.feed([[Decimal.parse('1.5')], [Decimal.parse('1.50')]]);
    sink.add(d, c.step());
    expect(sink.dump()).toEqual(['1.5:1']);
    src.feed([[Decimal.parse('1.5')], [Decimal.parse('1.5')]], [1, -1]); // unconsolidated: −old +new
    sink.add(d, c.step());
    expect(sink.dump()).toEqual(['1.50:1']);
  });
});
