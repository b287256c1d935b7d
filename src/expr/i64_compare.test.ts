// Comparisons of int8 and timestamp columns with constants and with each other, by words,
// against the generic comparison functions: values at the edges of exact doubles and of int64,
// NULLs, both operand orders.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T } from '../sql/types.js';
import { batchFromRows } from '../dataflow/batch.js';
import type { Expr } from './expr.js';
import type { Value } from './value.js';
import { compileExpr } from './compile.js';
import { compileI64Comparison } from './i64_compare.js';
import { getFunctionImpl } from './functions/registry.js';

const E = 2n ** 53n;
const VALUES = fc.constantFrom<Value>(0n, 1n, -1n, 10n, 9999n, 10000n, E - 1n, E, E + 1n, -E, -E - 1n, 2n ** 62n, -(2n ** 63n), 2n ** 63n - 1n, null);
const OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];

describe('int8 and timestamp comparisons with a constant', () => {
  it('answer as the comparison functions do (property)', () => {
    fc.assert(
      fc.property(
        fc.array(VALUES, { minLength: 1, maxLength: 8 }),
        fc.oneof(VALUES, fc.constantFrom<Value>(0, 10, -7, 2147483647)),
        fc.constantFrom(...OPS),
        fc.constantFrom('int8', 'timestamp'),
        fc.boolean(),
        fc.boolean(),
        (vals, k, op, kind, flipped, asParam) => {
          const colType = kind === 'int8' ? T.int8 : T.timestamp;
          // int8 against an int4 constant is int84<op>; timestamps compare with timestamps
          const small = typeof k === 'number';
          if (kind === 'timestamp' && small) return;
          const kType = small ? T.int4 : colType;
          const fn = kind === 'timestamp' ? `timestamp_${op}` : small ? (flipped ? `int48${op}` : `int84${op}`) : `int8${op}`;
          const col: Expr = { kind: 'column', index: 0, type: colType };
          const konst: Expr = asParam ? { kind: 'param', index: 0, type: kType } : { kind: 'literal', value: k, type: kType };
          const e: Expr = { kind: 'call', fn, args: flipped ? [konst, col] : [col, konst], type: T.bool };
          const params = asParam ? [k] : [];
          const fast = compileI64Comparison(e, params);
          if (Math.abs(Number(k ?? 0)) <= Number.MAX_SAFE_INTEGER) expect(fast).not.toBeNull();
          const b = batchFromRows([colType], vals.map((v) => [v]));
          const run = compileExpr(e, params);
          const impl = getFunctionImpl(fn);
          for (let i = 0; i < vals.length; i++) {
            const args = flipped ? [k, vals[i]] : [vals[i], k];
            const want = args[0] === null || args[1] === null ? null : impl.eval(args);
            expect(run(b, i)).toBe(want);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('compare two columns as the comparison functions do (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(VALUES, VALUES), { minLength: 1, maxLength: 8 }), fc.constantFrom(...OPS), fc.constantFrom('int8', 'timestamp'), (rows, op, kind) => {
        const type = kind === 'int8' ? T.int8 : T.timestamp;
        const fn = kind === 'int8' ? `int8${op}` : `timestamp_${op}`;
        const e: Expr = { kind: 'call', fn, args: [{ kind: 'column', index: 0, type }, { kind: 'column', index: 1, type }], type: T.bool };
        expect(compileI64Comparison(e, [])).not.toBeNull();
        const b = batchFromRows([type, type], rows);
        const run = compileExpr(e, []);
        const impl = getFunctionImpl(fn);
        rows.forEach(([x, y], i) => expect(run(b, i)).toBe(x === null || y === null ? null : impl.eval([x, y])));
      }),
      { numRuns: 1000 },
    );
  });
});
