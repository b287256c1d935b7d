// The integer kernels against row-by-row evaluation: on random expression trees over int2,
// int4 and int8 columns (values at the edges of exact doubles and of each type, zeros, NULLs),
// a kernel either gives up on the batch or gives exactly the values row-by-row evaluation
// gives, and only where that raises no error.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T, type SqlType } from '../sql/types.js';
import { batchFromRows } from '../dataflow/batch.js';
import type { Row, Value } from './value.js';
import type { Expr } from './expr.js';
import { compileExpr } from './compile.js';
import { compileIntKernel } from './int_kernel.js';

const TYPES = [T.int2, T.int4, T.int8];
const I8 = fc.constantFrom<Value>(0n, 1n, -1n, 7n, -1000n, 2n ** 31n, 2n ** 52n, 2n ** 53n - 1n, -(2n ** 53n), 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 62n + 1n, -(2n ** 63n), 2n ** 63n - 1n, null);
const I4 = fc.constantFrom<Value>(0, 1, -1, 3, 908, 1000, 2147483647, -2147483648, 65536, null);
const I2 = fc.constantFrom<Value>(0, 1, -1, 2, 32767, -32768, 181, null);

type Id = 'int2' | 'int4' | 'int8';
const TY: Record<Id, SqlType> = { int2: T.int2, int4: T.int4, int8: T.int8 };
const COL: Record<Id, number> = { int2: 0, int4: 1, int8: 2 };
const OPS = ['pl', 'mi', 'mul', 'div', 'mod'];

function exprArb(id: Id, depth: number): fc.Arbitrary<Expr> {
  const leaf = fc.oneof(
    fc.constant<Expr>({ kind: 'column', index: COL[id], type: TY[id] }),
    (id === 'int8' ? I8 : id === 'int4' ? I4 : I2).map((value): Expr => ({ kind: 'literal', value, type: TY[id] })),
  );
  if (depth === 0) return leaf;
  const sub = (t: Id) => exprArb(t, depth - 1);
  const call = (fn: string, a: fc.Arbitrary<Expr>, b: fc.Arbitrary<Expr>) => fc.tuple(a, b).map(([x, y]): Expr => ({ kind: 'call', fn, args: [x, y], type: TY[id] }));
  const options: fc.Arbitrary<Expr>[] = [leaf, fc.constantFrom(...OPS).chain((op) => call(`${id}${op}`, sub(id), sub(id)))];
  options.push(sub(id).map((a): Expr => ({ kind: 'call', fn: `${id}um`, args: [a], type: TY[id] })));
  if (id === 'int8') {
    options.push(fc.constantFrom('pl', 'mi', 'mul', 'div').chain((op) => call(`int84${op}`, sub('int8'), sub('int4'))));
    options.push(fc.constantFrom('pl', 'mi', 'mul', 'div').chain((op) => call(`int48${op}`, sub('int4'), sub('int8'))));
    options.push(sub('int4').map((a): Expr => ({ kind: 'cast', arg: a, type: T.int8 })));
  } else {
    options.push(sub('int8').map((a): Expr => ({ kind: 'cast', arg: a, type: TY[id], explicit: true })));
  }
  return fc.oneof(...options);
}

describe('integer kernels', () => {
  it('give row-by-row evaluation\'s values, or give up (property)', () => {
    let computed = 0;
    fc.assert(
      fc.property(fc.constantFrom<Id>('int2', 'int4', 'int8').chain((id) => exprArb(id, 3)), fc.array(fc.tuple(I2, I4, I8), { minLength: 1, maxLength: 6 }), (e, rows) => {
        const b = batchFromRows(TYPES, rows as Row[]);
        const kernel = compileIntKernel(e);
        if (kernel === null) return; // a constant beyond exact doubles
        const vals = kernel!(b, b.length);
        if (vals === null) return;
        computed++;
        const row = compileExpr(e);
        for (let i = 0; i < b.length; i++) {
          const want = row(b, i); // throws if the kernel should have given up
          // compared as bigints: a double that rounded would differ
          expect(Number.isNaN(vals[i]) ? null : BigInt(vals[i])).toEqual(want === null ? null : BigInt(want as number | bigint));
        }
      }),
      { numRuns: 3000 },
    );
    expect(computed).toBeGreaterThan(300);
  });

  it('are not made for other expressions', () => {
    expect(compileIntKernel({ kind: 'column', index: 0, type: T.numeric })).toBeNull();
    expect(compileIntKernel({ kind: 'literal', value: 2n ** 60n, type: T.int8 })).toBeNull();
    const ts: Expr = { kind: 'column', index: 0, type: T.timestamp };
    expect(compileIntKernel({ kind: 'cast', arg: ts, type: T.int8 })).toBeNull();
  });
});
