import { describe, expect, it } from 'vitest';
import { T } from '../sql/types.js';
import { batchFromRows, getValue } from '../dataflow/batch.js';
import { ChunkedLog } from './chunked_log.js';

describe('ChunkedLog', () => {
  it('keeps row ids and contents across chunk boundaries, for batches and single rows', () => {
    const log = new ChunkedLog([T.int4, T.int8, T.text]);
    const n = 150_000; // more than two chunks of 65,536
    let next = 0;
    const rows = (k: number) => Array.from({ length: k }, () => {
      const i = next++;
      return [i % 7 === 0 ? null : i, BigInt(i) * 3n, i % 1000 === 0 ? `s${i}` : null];
    });
    log.appendBatch(batchFromRows(log.types, rows(1000)));
    for (const r of rows(10)) log.push(r);
    log.appendBatch(batchFromRows(log.types, rows(70_000))); // straddles the first boundary
    log.appendBatch(batchFromRows(log.types, rows(n - next)));
    expect(log.length).toBe(n);
    for (const id of [0, 7, 1009, 1010, 65_535, 65_536, 65_537, 131_071, 131_072, n - 1]) {
      expect(log.row(id)).toEqual([id % 7 === 0 ? null : id, BigInt(id) * 3n, id % 1000 === 0 ? `s${id}` : null]);
    }
    const all = log.batch();
    expect(all.length).toBe(n);
    for (const id of [0, 65_536, n - 1]) expect(getValue(all.columns[1], id)).toBe(BigInt(id) * 3n);
    expect(all.weights.every((w) => w === 1)).toBe(true);
  });
});
