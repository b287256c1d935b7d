// Size limits of values, and the errors PostgreSQL raises at them. PostgreSQL bounds a value
// at 1 GB (MaxAllocSize) and an array at 134,217,727 elements (MaxArraySize); V8 bounds a
// string at about 2^29 UTF-16 code units, far below 1 GB of UTF-8 for most text. Builders of
// big values check these limits *before* allocating, so a statement asking for a huge value
// fails with an error instead of exhausting the heap (which would kill the server).

import { constants } from 'node:buffer';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

/** allocations below this size are not checked against the heap */
const HEAP_CHECK_FROM = 16 << 20;

/**
 * 53200 if an allocation of `bytes` would leave the JavaScript heap nearly exhausted: V8 ends
 * the process when the heap is full, so a value that cannot fit must be refused before it
 * is built. The allocation may take at most half of what the heap has left (values are often
 * copied once more, e.g. flattened or joined).
 */
export function checkHeapFor(bytes: number): void {
  if (bytes < HEAP_CHECK_FROM) return;
  let h = getHeapStatistics();
  if (bytes <= (h.heap_size_limit - h.used_heap_size) / 2) return;
  // the used size counts garbage not yet collected (a previous big statement's values):
  // collect it before refusing
  if (collectGarbage()) h = getHeapStatistics();
  const left = h.heap_size_limit - h.used_heap_size;
  if (bytes > left / 2) {
    throw outOfMemory(`Failed on request of size ${bytes} bytes: the JavaScript heap has ${left} bytes left (heap limit ${h.heap_size_limit}).`);
  }
}

let fullGc: (() => void) | null | undefined;
/** A full garbage collection (V8's gc, exposed at first use), if available. */
function collectGarbage(): boolean {
  if (fullGc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const f = runInNewContext('gc') as unknown;
      fullGc = typeof f === 'function' ? (f as () => void) : null;
    } catch {
      fullGc = null;
    }
  }
  fullGc?.();
  return fullGc !== null;
}

/**
 * 53200 unless a string of `units` UTF-16 code units can exist (V8's maximum length) and fits
 * in the heap (`bytesPerUnit`: 1 for Latin-1 text, 2 otherwise).
 */
export function checkStringLength(units: number, bytesPerUnit = 2): void {
  if (units > MAX_STRING_LENGTH) {
    throw outOfMemory(`A string of ${units} UTF-16 code units exceeds the longest string this server can hold (${MAX_STRING_LENGTH}).`);
  }
  checkHeapFor(units * bytesPerUnit);
}

/**
 * 1 if every code unit of the strings is Latin-1 (V8 stores them in one byte), else 2. Only
 * short strings are looked at: reading a long string built by concatenation (a rope) makes V8
 * flatten it, allocating it whole; a long one counts as 2.
 */
export function bytesPerUnit(...ss: string[]): number {
  for (const s of ss) if (s.length > 1 << 16 || /[^\x00-\xff]/.test(s)) return 2;
  return 1;
}

/** 54000 `array size exceeds the maximum allowed` unless an array may have n elements. */
export function checkArraySize(n: number, bytesPerElement = 8): void {
  if (n > MAX_ARRAY_SIZE) {
    throw new SqlError(SQLSTATE.PROGRAM_LIMIT_EXCEEDED, `array size exceeds the maximum allowed (${MAX_ARRAY_SIZE})`);
  }
  checkHeapFor(n * bytesPerElement);
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
    const before = this.length;
    this.length += s.length;
    if (this.length > MAX_STRING_LENGTH) checkStringLength(this.length);
    // every 16M code units: the pieces so far and their final join must fit in the heap
    if (this.length >>> 24 !== before >>> 24) checkHeapFor(4 * this.length);
    this.pieces.push(s);
    if (this.pieces.length === 1024) {
      this.chunks.push(this.pieces.join(''));
      this.pieces = [];
    }
  }

  /** the same as append */
  push(s: string): void {
    this.append(s);
  }

  finish(): string {
    if (this.chunks.length === 0) return this.pieces.join('');
    this.chunks.push(this.pieces.join(''));
    this.pieces = [];
    return this.chunks.join('');
  }
}
