// Integer arithmetic a column at a time, in doubles: `price * 908 / 1000`, `auction % 10000`.
// Row by row, an int8 expression reads each value as a bigint and allocates one per operation
// (most of a projection's garbage); here int2/int4/int8 columns, integer constants, + - * / %,
// unary minus and casts between integer types are computed over a whole batch in a
// Float64Array (NaN for NULL). Every value is exact while it is a safe integer, so whenever one
// is not, or a division by zero or an int2/int4 overflow would raise, the kernel gives up on the
// batch and the caller evaluates it row by row, which raises exactly PostgreSQL's errors.

import { LITTLE_ENDIAN, type Batch, type Column } from '../dataflow/batch.js';
import { WordView, exactDouble } from '../dataflow/column_words.js';
import type { Expr } from './expr.js';
import type { Value } from './value.js';

/** The expression's values for rows [0, n) of a batch (NaN: NULL), or null to evaluate row by row. */
export type IntKernel = (b: Batch, n: number) => Float64Array | null;

const SAFE = Number.MAX_SAFE_INTEGER;
const RANGE: Record<string, number> = { int2: 32767, int4: 2147483647, int8: SAFE };
const ARITH = /^int([248])([248])?(pl|mi|mul|div|mod)$/;

/** A kernel for `e`, or null when it is not integer arithmetic over columns and constants. */
export function compileIntKernel(e: Expr, params: readonly Value[] = []): IntKernel | null {
  const max = RANGE[e.type.id];
  if (max === undefined) return null;
  switch (e.kind) {
    case 'column':
      // an int8 is read as its two words, low first
      if (e.type.id === 'int8' && !LITTLE_ENDIAN) return null;
      return columnKernel(e.index, e.type.id === 'int8');
    case 'literal':
    case 'param': {
      const v = e.kind === 'literal' ? e.value : params[e.index];
      if (v === undefined) return null;
      const x = v === null ? NaN : Number(v as number | bigint);
      if (v !== null && !(Math.abs(x) <= SAFE)) return null;
      let out = new Float64Array(0);
      return (_b, n) => {
        if (out.length < n) out = new Float64Array(n);
        out.fill(x, 0, n);
        return out;
      };
    }
    case 'cast': {
      if (RANGE[e.arg.type.id] === undefined) return null;
      const arg = compileIntKernel(e.arg, params);
      return arg && unary(arg, (x) => x, max);
    }
    case 'call': {
      if (/^int[248]um$/.test(e.fn) && e.args.length === 1) {
        const arg = compileIntKernel(e.args[0], params);
        return arg && unary(arg, (x) => -x, max);
      }
      const m = ARITH.exec(e.fn);
      if (!m || e.args.length !== 2) return null;
      const a = compileIntKernel(e.args[0], params);
      const b = compileIntKernel(e.args[1], params);
      return a && b && binary(a, b, m[3], max);
    }
    default:
      return null;
  }
}

function columnKernel(index: number, wide: boolean): IntKernel {
  let out = new Float64Array(0);
  const words = new WordView();
  return (b, n) => {
    if (out.length < n) out = new Float64Array(n);
    const col: Column = b.columns[index];
    const nulls = col.nulls;
    if (!wide) {
      const d = col.data as Int32Array;
      for (let i = 0; i < n; i++) out[i] = nulls !== null && nulls[i] === 1 ? NaN : d[i];
      return out;
    }
    const w = words.get(col.data as BigInt64Array);
    for (let i = 0; i < n; i++) {
      if (nulls !== null && nulls[i] === 1) {
        out[i] = NaN;
        continue;
      }
      const x = exactDouble(w, i);
      if (x !== x) return null; // beyond ±2^53 a double is not exact
      out[i] = x;
    }
    return out;
  };
}

function unary(arg: IntKernel, f: (x: number) => number, max: number): IntKernel {
  let out = new Float64Array(0);
  return (b, n) => {
    const x = arg(b, n);
    if (x === null) return null;
    if (out.length < n) out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const r = f(x[i]);
      if (r > max || r < -max - 1) return null;
      out[i] = r === 0 ? 0 : r;
    }
    return out;
  };
}

function binary(ka: IntKernel, kb: IntKernel, op: string, max: number): IntKernel {
  let out = new Float64Array(0);
  return (b, n) => {
    const xa = ka(b, n);
    if (xa === null) return null;
    // the left operand's buffer is its node's own, so it survives evaluating the right one
    const xb = kb(b, n);
    if (xb === null) return null;
    if (out.length < n) out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = xa[i];
      const y = xb[i];
      let r: number;
      switch (op) {
        case 'pl':
          r = x + y;
          break;
        case 'mi':
          r = x - y;
          break;
        case 'mul':
          r = x * y;
          break;
        case 'div':
          // a NULL operand gives NULL without looking at the divisor (the function is strict)
          if (y === 0 && x === x) return null;
          r = truncDiv(x, y);
          break;
        default:
          if (y === 0 && x === x) return null;
          r = x % y;
      }
      // NaN (NULL) passes: its comparisons are false
      if (r > max || r < -max - 1) return null;
      out[i] = r === 0 ? 0 : r;
    }
    return out;
  };
}

/** x / y truncated toward zero, exactly: the rounded quotient can be one off near an integer. */
function truncDiv(x: number, y: number): number {
  if (x !== x || y !== y) return NaN;
  if (Math.abs(x) + Math.abs(y) > SAFE) return Infinity; // makes the caller give up: q * y below would not be exact
  let q = Math.trunc(x / y);
  const r = x - q * y;
  // the remainder has the dividend's sign and is smaller than the divisor
  if (r !== 0 && (r < 0) !== (x < 0)) q += (x < 0) === (y < 0) ? -1 : 1;
  else if (Math.abs(r) >= Math.abs(y)) q += (x < 0) === (y < 0) ? 1 : -1;
  return q;
}
