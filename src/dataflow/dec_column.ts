// numeric values in typed storage ('dec' columns): one double per value instead of a Decimal
// object and a bigint, so stored and emitted numerics cost the garbage collector nothing.
//
// A double holds coef * 64 ± scale (the sign of coef) while |coef| < 2^47 and scale < 64: an
// exact integer below 2^53 in magnitude, decoded with one division. Anything else (NaN,
// ±Infinity, a wider coefficient or scale) is NaN in the column, with its Decimal in the
// column's side array at the same row. Equal encodings are equal representations (1.0 and
// 1.00 differ), which is what row identity needs; value equality still goes through Decimals.

import { Decimal } from '../expr/numeric.js';
import type { Value } from '../expr/value.js';

const COEF_LIMIT = 2 ** 47;
const COEF_LIMIT_BIG = BigInt(COEF_LIMIT);
const SCALES = 64;

/** d's encoding, or NaN when it must live in the side array. */
export function encodeDecimal(d: Decimal): number {
  if (d.special !== null || d.scale >= SCALES) return NaN;
  const c = d.coef;
  if (c >= COEF_LIMIT_BIG || c <= -COEF_LIMIT_BIG) return NaN;
  return encodeParts(Number(c), d.scale);
}

/** The encoding of coef / 10^scale for a safe-integer coef; NaN when it does not fit. */
export function encodeParts(coef: number, scale: number): number {
  if (!(coef < COEF_LIMIT && coef > -COEF_LIMIT) || scale >= SCALES) return NaN;
  return coef * SCALES + (coef < 0 ? -scale : scale);
}

/** Integers of magnitude below this are encoded as x * DEC_SCALES (scale 0) in a 'dec' column. */
export const DEC_INT_LIMIT = COEF_LIMIT;
export const DEC_SCALES = SCALES;

export function decodeDecimal(x: number): Decimal {
  const coef = Math.trunc(x / SCALES);
  return Decimal.of(BigInt(coef), Math.abs(x - coef * SCALES));
}

/** The value of row i of a 'dec' column's data (NULL checked by the caller). */
export function decAt(data: Float64Array, side: readonly Value[] | null | undefined, i: number): Value {
  const x = data[i];
  return x === x ? decodeDecimal(x) : side![i];
}

/**
 * Side entries for rows picked by index: data[k..k+count) was copied from rows at[0..count) of a
 * column with side values src; each NaN there takes its value. Returns out (made when needed).
 */
export function pickSide(out: Value[] | null, data: Float64Array, k: number, count: number, src: readonly Value[], at: ArrayLike<number>): Value[] | null {
  for (let p = 0; p < count; p++) {
    const x = data[k + p];
    if (x !== x) (out ??= [])[k + p] = src[at[p]];
  }
  return out;
}

/** Side entries of rows [from, to) of src into out at at, at+1, … (only where src's data is NaN). */
export function copySide(out: Value[], at: number, src: Float64Array, srcSide: readonly Value[], from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const x = src[i];
    if (x !== x) out[at + i - from] = srcSide[i];
  }
}
