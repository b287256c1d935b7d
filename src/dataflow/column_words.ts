// int8, timestamp and timestamptz values as two 32-bit words, in the column's memory order.
// Reading a BigInt64Array makes a BigInt per value; hashing, comparing, copying and looking
// up keys word by word makes none.

/**
 * The words of a 64-bit column, two per row, through a view of its memory; the view of the
 * column last read is kept, as a batch is read row after row.
 */
export class WordView {
  private of: BigInt64Array | null = null;
  private words: Int32Array = new Int32Array(0);

  get(d: BigInt64Array): Int32Array {
    if (d !== this.of) {
      this.of = d;
      this.words = new Int32Array(d.buffer, d.byteOffset, 2 * d.length);
    }
    return this.words;
  }
}

const one = new BigInt64Array(1);
const oneWords = new Int32Array(one.buffer);

/** A value's two words, as a column's memory holds them (valid until the next call). */
export function bigintWords(v: bigint): Int32Array {
  one[0] = v;
  return oneWords;
}

/**
 * The value of row i of a 64-bit column's words as an exact double, or NaN when it is beyond
 * ±2^53 (where a double would round): integer work without a bigint per value.
 */
export function exactDouble(words: Int32Array, i: number): number {
  const hi = words[2 * i + 1];
  return hi >= -2097152 && hi < 2097152 ? hi * 4294967296 + (words[2 * i] >>> 0) : NaN;
}
