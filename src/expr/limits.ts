// Size limits of values, and the errors PostgreSQL raises at them. PostgreSQL bounds a value
// at 1 GB (MaxAllocSize) and an array at 134,217,727 elements (MaxArraySize); V8 bounds a
// string at about 2^29 UTF-16 code units, far below 1 GB of UTF-8 for most text. Builders of
// big values check these limits *before* allocating, so a statement asking for a huge value
// fails with an error instead of exhausting the heap (which would kill the server).

import { constants } from 'node:buffer';
import { SqlError, SQLSTATE, outOfMemory } from '../errors.js';

/** The longest JavaScript string, in UTF-16 code units (2^29 - 24 on 64-bit V8). */
export const MAX_STRING_LENGTH = constants.MAX_STRING_LENGTH;
/** PostgreSQL's MaxAllocSize: the largest value, in bytes (1 GB - 1). */
export const MAX_ALLOC_SIZE = 0x3fffffff;
/** PostgreSQL's MaxArraySize: the most elements an array may have. */
export const MAX_ARRAY_SIZE = 134217727;
/** a varlena header */
export const VARHDRSZ = 4;
/** the longest UTF-8 encoding of a character */
export const MAX_ENCODING_LENGTH = 4;

/** 54000 `requested length too large`, as lpad, rpad, repeat raise it. */
export function requestedLengthTooLarge(): SqlError {
  return new SqlError(SQLSTATE.PROGRAM_LIMIT_EXCEEDED, 'requested length too large');
}

/** 53200 unless a string of `units` UTF-16 code units can exist. */
export function checkStringLength(units: number): void {
  if (units > MAX_STRING_LENGTH) {
    throw outOfMemory(`A string of ${units} UTF-16 code units exceeds the longest string this server can hold (${MAX_STRING_LENGTH}).`);
  }
}

/** 54000 `array size exceeds the maximum allowed` unless an array may have n elements. */
export function checkArraySize(n: number): void {
  if (n > MAX_ARRAY_SIZE) {
    throw new SqlError(SQLSTATE.PROGRAM_LIMIT_EXCEEDED, `array size exceeds the maximum allowed (${MAX_ARRAY_SIZE})`);
  }
}

/**
 * Builds a long string from many pieces with memory proportional to its length: pieces are
 * joined in groups (`s += piece` would keep one rope node per piece, and an array of all
 * pieces one object per piece), and the length is checked as it grows.
 */
export class StringBuilder {
  private pieces: string[] = [];
  private chunks: string[] = [];
  length = 0;

  append(s: string): void {
    if (s.length === 0) return;
    this.length += s.length;
    checkStringLength(this.length);
    this.pieces.push(s);
    if (this.pieces.length === 1024) {
      this.chunks.push(this.pieces.join(''));
      this.pieces = [];
    }
  }

  finish(): string {
    if (this.chunks.length === 0) return this.pieces.join('');
    this.chunks.push(this.pieces.join(''));
    this.pieces = [];
    return this.chunks.join('');
  }
}
