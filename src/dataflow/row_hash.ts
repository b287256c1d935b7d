// Allocation-free row hashing and identity comparison, straight from batch columns.
// Arrangements find a row's entry by a 32-bit hash plus an exact comparison instead of
// building a string key per row: string keys were the largest cost of maintaining state.

import type { SqlType } from '../sql/types.js';
import type { Value } from '../expr/value.js';
import { identityKeyFn, type KeyFn } from '../expr/compare.js';
import type { Batch } from './batch.js';
import { WordView } from './column_words.js';
import { encodeDecimal } from './dec_column.js';
import type { Decimal } from '../expr/numeric.js';

export type BatchRowHash = (b: Batch, i: number) => number;
export type RowMatcher = (b: Batch, i: number, row: readonly Value[]) => boolean;

const NULL_HASH = 0x5bd1e995;

function mix(h: number, x: number): number {
  h = Math.imul(h ^ x, 0x01000193);
  return (h ^ (h >>> 15)) | 0;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 0x01000193);
  return h | 0;
}

function hashNumber(v: number): number {
  // equal values hash equal (-0 and 0 collide, which the exact comparison then separates)
  return (v | 0) === v ? v : hashString(String(v));
}

/** Hash of the exact representation of a value stored in an 'any' column. */
function hashAny(v: Value, key: KeyFn): number {
  switch (typeof v) {
    case 'string':
      return hashString(v);
    case 'number':
      return hashNumber(v);
    case 'bigint':
      return Number(BigInt.asIntN(32, v));
    case 'boolean':
      return v ? 1 : 2;
    default:
      return v === null ? NULL_HASH : hashString(String(key(v)));
  }
}

export function batchRowHash(types: readonly SqlType[]): BatchRowHash {
  const keys = types.map(identityKeyFn);
  const n = types.length;
  // int8 and timestamp columns are hashed by their two 32-bit words (column_words.ts)
  const views = types.map(() => new WordView());
  return (b, i) => {
    let h = 0x811c9dc5 | 0;
    for (let c = 0; c < n; c++) {
      const col = b.columns[c];
      if (col.kind === 'any') h = mix(h, hashAny((col.data as Value[])[i], keys[c]));
      else if (col.nulls !== null && col.nulls[i] === 1) h = mix(h, NULL_HASH);
      else if (col.kind === 'i64') {
        const w = views[c].get(col.data as BigInt64Array);
        h = mix(mix(h, w[2 * i]), w[2 * i + 1]);
      } else if (col.kind === 'dec') {
        // an exact integer below 2^53 by its two words; a value kept aside by its identity
        const x = (col.data as Float64Array)[i];
        h = x === x ? mix(mix(h, x | 0), (x / 4294967296) | 0) : mix(h, hashAny(col.side![i], keys[c]));
      } else h = mix(h, hashNumber((col.data as Float64Array)[i]));
    }
    return h;
  };
}

/** Does row i of b have exactly the representation of `row`? */
export function rowMatcher(types: readonly SqlType[]): RowMatcher {
  const keys = types.map(identityKeyFn);
  // -0 prints apart from 0 only for floats (a date's day number -0 is the day 0)
  const signedZero = types.map((t) => t.id === 'float4' || t.id === 'float8');
  const n = types.length;
  return (b, i, row) => {
    for (let c = 0; c < n; c++) {
      const col = b.columns[c];
      const y = row[c];
      if (col.kind === 'any') {
        const x = (col.data as Value[])[i];
        if (x === y) continue;
        if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object') return false;
        if (keys[c](x) !== keys[c](y)) return false;
        continue;
      }
      if (col.nulls !== null && col.nulls[i] === 1) {
        if (y !== null) return false;
        continue;
      }
      if (y === null) return false;
      if (col.kind === 'bool') {
        if (((col.data as Uint8Array)[i] === 1) !== y) return false;
        continue;
      }
      if (col.kind === 'i64') {
        if ((col.data as BigInt64Array)[i] !== y) return false;
        continue;
      }
      if (col.kind === 'dec') {
        const x = (col.data as Float64Array)[i];
        if (x === x ? x !== encodeDecimal(y as Decimal) : keys[c](col.side![i]) !== keys[c](y)) return false;
        continue;
      }
      const x = (col.data as Float64Array)[i];
      if (x === y) {
        if (x === 0 && signedZero[c] && 1 / x !== 1 / (y as number)) return false; // -0 is not 0 here
        continue;
      }
      if (!(x !== x && y !== y)) return false; // NaN is NaN
    }
    return true;
  };
}
