import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T, type SqlType } from '../../sql/types.js';
import { Decimal } from '../../expr/numeric.js';
import { Interval } from '../../expr/interval.js';
import type { Row, Value } from '../../expr/value.js';
import { batchToRows } from '../batch.js';
import { Circuit, InputOp, ZSet, legalize } from '../test_helpers.js';
import { AggregateOp, type AggSpec, type AggFn } from './aggregate.js';

function agg(fn: AggFn, arg: number, argType: SqlType, resultType: SqlType, distinct = false): AggSpec {
  return { fn, arg, argType, resultType, distinct };
}

function show(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'object') return v.toString();
  return String(v);
}
const rowsOf = (b: Parameters<typeof batchToRows>[0]) => batchToRows(b).map((x) => `${x.row.map(show).join(',')}:${x.weight}`);

describe('AggregateOp', () => {
  it('count/sum/avg grouped by an int column, with retraction of old rows only', () => {
    const src = new InputOp([T.int4, T.int4]);
    const a = new AggregateOp(src, {
      groupCols: [0],
      aggs: [agg('count_star', 0, T.int4, T.int8), agg('count', 1, T.int4, T.int8), agg('sum', 1, T.int4, T.int8), agg('avg', 1, T.int4, T.numeric)],
    });
    const c = new Circuit([a]);
    src.feed([[1, 1], [1, 2], [2, null], [1, null]]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['1,3,2,3,1.5000000000000000:1', '2,1,0,NULL,NULL:1']);
    src.feed([[2, 5], [1, 1]], [1, -1]);
    // a delta is a multiset: compare without order
    expect(rowsOf(c.step().get(a)!).sort()).toEqual(['1,2,1,2,2.0000000000000000:1', '1,3,2,3,1.5000000000000000:-1', '2,1,0,NULL,NULL:-1', '2,2,1,5,5.0000000000000000:1']);
    // unchanged group (insert and delete of the same row in one step): nothing emitted
    src.feed([[1, 9], [1, 9]], [1, -1]);
    expect(c.step().get(a)!.length).toBe(0);
    src.feed([[2, 5], [2, null]], [-1, -1]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['2,2,1,5,5.0000000000000000:-1']);
  });

  it('MIN/MAX stay correct when the current extreme is deleted', () => {
    const src = new InputOp([T.int4, T.text]);
    const a = new AggregateOp(src, { groupCols: [0], aggs: [agg('min', 1, T.text, T.text), agg('max', 1, T.text, T.text)] });
    const c = new Circuit([a]);
    src.feed([[1, 'b'], [1, 'a'], [1, 'a'], [1, 'c'], [1, null]]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['1,a,c:1']);
    src.feed([[1, 'a'], [1, 'c']], [-1, -1]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['1,a,c:-1', '1,a,b:1']);
    src.feed([[1, 'a']], [-1]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['1,a,b:-1', '1,b,b:1']);
    src.feed([[1, 'b']], [-1]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['1,b,b:-1', '1,NULL,NULL:1']);
    src.feed([[1, null]], [-1]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['1,NULL,NULL:-1']);
  });

  it('a global aggregate over empty input emits one row at the first step', () => {
    const src = new InputOp([T.int4, T.bool]);
    const a = new AggregateOp(src, {
      groupCols: [],
      aggs: [agg('count_star', 0, T.int4, T.int8), agg('sum', 0, T.int4, T.int8), agg('max', 0, T.int4, T.int4), agg('bool_and', 1, T.bool, T.bool)],
    });
    const c = new Circuit([a]);
    expect(rowsOf(c.step(true).get(a)!)).toEqual(['0,NULL,NULL,NULL:1']);
    expect(c.step().get(a)!.length).toBe(0);
    src.feed([[4, null]]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['0,NULL,NULL,NULL:-1', '1,4,4,NULL:1']);
    src.feed([[4, null]], [-1]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['1,4,4,NULL:-1', '0,NULL,NULL,NULL:1']);
  });

  it('sum(int4) raises bigint out of range on overflow', () => {
    const src = new InputOp([T.int4]);
    const a = new AggregateOp(src, { groupCols: [], aggs: [agg('sum', 0, T.int4, T.int8)] });
    const c = new Circuit([a]);
    src.feed([[2147483647]], [2147483647]);
    expect(rowsOf(c.step().get(a)!)).toEqual([`${2147483647n * 2147483647n}:1`]);
    src.feed([[2147483646]], [2147483647]);
    c.step();
    src.feed([[2147483645]], [2147483647]);
    expect(() => c.step()).toThrow(expect.objectContaining({ code: '22003', message: 'bigint out of range' }));
  });

  it('sum(int8) -> numeric beyond 2^53, exact under deletes', () => {
    const src = new InputOp([T.int8]);
    const a = new AggregateOp(src, { groupCols: [], aggs: [agg('sum', 0, T.int8, T.numeric), agg('avg', 0, T.int8, T.numeric)] });
    const c = new Circuit([a]);
    src.feed([[9007199254740993n], [9007199254740993n], [1n]]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['18014398509481987,6004799503160662.3333:1']);
  });

  it('numeric sum keeps PostgreSQL display scale under deletes; avg divides as numeric', () => {
    const src = new InputOp([T.numeric]);
    const a = new AggregateOp(src, { groupCols: [], aggs: [agg('sum', 0, T.numeric, T.numeric), agg('avg', 0, T.numeric, T.numeric)] });
    const c = new Circuit([a]);
    src.feed([[Decimal.parse('1.25')], [Decimal.parse('2')]]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['3.25,1.6250000000000000:1']);
    src.feed([[Decimal.parse('1.25')]], [-1]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['3.25,1.6250000000000000:-1', '2,2.0000000000000000:1']);
    src.feed([[Decimal.parse('NaN')]]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['2,2.0000000000000000:-1', 'NaN,NaN:1']);
  });

  it('float sums are exact and drift-free; float4 sums round to float4', () => {
    const src = new InputOp([T.float8, T.float4]);
    const a = new AggregateOp(src, { groupCols: [], aggs: [agg('sum', 0, T.float8, T.float8), agg('avg', 0, T.float8, T.float8), agg('sum', 1, T.float4, T.float4)] });
    const c = new Circuit([a]);
    src.feed([[0.1, Math.fround(0.1)], [1e100, 1], [0.2, Math.fround(0.2)]]);
    c.step();
    src.feed([[1e100, 1]], [-1]);
    const out = batchToRows(c.step().get(a)!);
    expect(out[1].row).toEqual([0.1 + 0.2, (0.1 + 0.2) / 2, Math.fround(Math.fround(0.1) + Math.fround(0.2))]);
  });

  it('sum/avg of intervals', () => {
    const src = new InputOp([T.interval]);
    const a = new AggregateOp(src, { groupCols: [], aggs: [agg('sum', 0, T.interval, T.interval), agg('avg', 0, T.interval, T.interval)] });
    const c = new Circuit([a]);
    src.feed([[Interval.parse('1 day')], [Interval.parse('3 hours')]]);
    const out = batchToRows(c.step().get(a)!);
    expect(show(out[0].row[0])).toBe(Interval.parse('1 day 3 hours').toString());
    expect(show(out[0].row[1])).toBe(Interval.parse('1 day').add(Interval.parse('3 hours')).div(2).toString());
  });

  it('DISTINCT aggregates count each distinct value once', () => {
    const src = new InputOp([T.int4, T.int4]);
    const a = new AggregateOp(src, { groupCols: [0], aggs: [agg('count', 1, T.int4, T.int8, true), agg('sum', 1, T.int4, T.int8, true)] });
    const c = new Circuit([a]);
    src.feed([[1, 5], [1, 5], [1, 7], [1, null]]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['1,2,12:1']);
    src.feed([[1, 5]], [-1]);
    expect(c.step().get(a)!.length).toBe(0);
    src.feed([[1, 5]], [-1]);
    expect(rowsOf(c.step().get(a)!)).toEqual(['1,2,12:-1', '1,1,7:1']);
  });

  it('groups by SQL equality (numeric 1.0 = 1.00) and shows a present representation', () => {
    const src = new InputOp([T.numeric]);
    const a = new AggregateOp(src, { groupCols: [0], aggs: [agg('count_star', 0, T.numeric, T.int8)] });
    const c = new Circuit([a]);
    src.feed([[Decimal.parse('1.0')], [Decimal.parse('1.00')]]);
    const first = rowsOf(c.step().get(a)!);
    expect(first.length).toBe(1);
    const shown = first[0].split(',')[0];
    src.feed([[Decimal.parse(shown)]], [-1]);
    const other = shown === '1.0' ? '1.00' : '1.0';
    expect(rowsOf(c.step().get(a)!)).toEqual([`${shown},2:-1`, `${other},1:1`]);
  });

  // Property: integrated output equals a naive GROUP BY over the integrated input.
  const IT = [T.int4, T.int4, T.text, T.bool];
  const SPECS: AggSpec[] = [
    agg('count_star', 0, T.int4, T.int8),
    agg('count', 1, T.int4, T.int8),
    agg('sum', 1, T.int4, T.int8),
    agg('avg', 1, T.int4, T.numeric),
    agg('min', 2, T.text, T.text),
    agg('max', 1, T.int4, T.int4),
    agg('bool_and', 3, T.bool, T.bool),
    agg('bool_or', 3, T.bool, T.bool),
    agg('count', 2, T.text, T.int8, true),
    agg('sum', 1, T.int4, T.int8, true),
  ];

  function naive(groupCols: number[], input: ZSet): ZSet {
    const outTypes = [...groupCols.map((c) => IT[c]), ...SPECS.map((s) => s.resultType)];
    const groups = new Map<string, Row[]>();
    for (const r of input.rows()) {
      const k = JSON.stringify(groupCols.map((c) => r[c]));
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k)!.push(r);
    }
    if (groupCols.length === 0 && groups.size === 0) groups.set('[]', []);
    const out = new ZSet(outTypes);
    for (const [k, rows] of groups) {
      const res: Value[] = JSON.parse(k);
      for (const s of SPECS) {
        let vals = rows.map((r) => r[s.arg]).filter((v) => v !== null);
        if (s.distinct) vals = [...new Set(vals)];
        const nums = vals as number[];
        switch (s.fn) {
          case 'count_star': res.push(BigInt(rows.length)); break;
          case 'count': res.push(BigInt(vals.length)); break;
          case 'sum': res.push(vals.length ? BigInt(nums.reduce((x, y) => x + y, 0)) : null); break;
          case 'avg': res.push(vals.length ? Decimal.fromInt(nums.reduce((x, y) => x + y, 0)).div(Decimal.fromInt(vals.length)) : null); break;
          case 'min': res.push(vals.length ? [...(vals as string[])].sort()[0] : null); break;
          case 'max': res.push(vals.length ? Math.max(...nums) : null); break;
          case 'bool_and': res.push(vals.length ? vals.every((v) => v === true) : null); break;
          case 'bool_or': res.push(vals.length ? vals.some((v) => v === true) : null); break;
        }
      }
      out.add(res, 1);
    }
    return out;
  }

  it('matches a naive GROUP BY over the integrated input (property)', () => {
    const rowArb = fc
      .tuple(fc.option(fc.integer({ min: 0, max: 2 }), { freq: 6 }), fc.option(fc.integer({ min: -3, max: 3 }), { freq: 4 }), fc.option(fc.constantFrom('a', 'b', 'c'), { freq: 4 }), fc.option(fc.boolean(), { freq: 4 }))
      .map((t) => t as Row);
    fc.assert(
      fc.property(
        fc.constantFrom<number[]>([0], [], [0, 3], [0, 1]),
        fc.array(fc.array(fc.record({ row: rowArb, w: fc.integer({ min: -2, max: 2 }) }), { maxLength: 8 }), { minLength: 1, maxLength: 10 }),
        (groupCols, steps) => {
          const src = new InputOp(IT);
          const a = new AggregateOp(src, { groupCols, aggs: SPECS });
          const c = new Circuit([a]);
          const input = new ZSet(IT);
          const output = new ZSet(a.types);
          for (const d of legalize(IT, steps)) {
            src.feed(d.rows, d.weights);
            d.rows.forEach((r, k) => input.add(r, d.weights[k]));
            const delta = c.step().get(a)!;
            // at most one retraction and one insertion per group
            expect(delta.length).toBeLessThanOrEqual(2 * (input.m.size + d.rows.length + 1));
            output.addBatch(delta);
            expect(output.dump()).toEqual(naive(groupCols, input).dump());
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('groups by int8 and timestamp columns through their words, NULL keys apart, as a naive GROUP BY (property)', () => {
    const KT = [T.int8, T.int4, T.timestamp];
    const big = fc.constantFrom(0n, -1n, 1n, 2n ** 32n, -(2n ** 32n), 2n ** 62n + 3n);
    const rowArb = fc.tuple(fc.option(big, { freq: 5 }), fc.option(fc.integer({ min: -1, max: 1 }), { freq: 5 }), fc.option(big, { freq: 5 })).map((t) => t as Row);
    fc.assert(
      fc.property(
        fc.constantFrom<number[]>([0], [0, 1], [2, 1, 0], [2]),
        fc.array(fc.array(fc.record({ row: rowArb, w: fc.integer({ min: -2, max: 2 }) }), { maxLength: 8 }), { minLength: 1, maxLength: 10 }),
        (groupCols, steps) => {
          const src = new InputOp(KT);
          const a = new AggregateOp(src, { groupCols, aggs: [agg('count_star', 0, T.int8, T.int8)] });
          const c = new Circuit([a]);
          const counts = new Map<string, { row: Row; n: number }>();
          const output = new ZSet(a.types);
          for (const d of legalize(KT, steps)) {
            src.feed(d.rows, d.weights);
            d.rows.forEach((r, k) => {
              const g = groupCols.map((col) => r[col]);
              const key = g.map(String).join('|');
              const e = counts.get(key) ?? { row: g, n: 0 };
              e.n += d.weights[k];
              if (e.n === 0) counts.delete(key);
              else counts.set(key, e);
            });
            output.addBatch(c.step().get(a)!);
            const expected = new ZSet(a.types);
            for (const { row, n } of counts.values()) expected.add([...row, BigInt(n)], 1);
            expect(output.dump()).toEqual(expected.dump());
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
