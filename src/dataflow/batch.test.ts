import { describe, expect, it } from 'vitest';
import { T } from '../sql/types.js';
import { BatchBuilder, getValue, reusableBuilder } from './batch.js';

describe('BatchBuilder', () => {
  it('setInt64 writes safe integers exactly, without going through bigint', () => {
    const vals = [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32), 2 ** 53 - 1, -(2 ** 53 - 1), 987654321012];
    const b = new BatchBuilder([T.int8], 2); // grows while writing
    for (const v of vals) {
      b.setInt64(0, v);
      b.commitRow(1);
    }
    const out = b.finish();
    expect(vals.map((_, i) => getValue(out.columns[0], i))).toEqual(vals.map((v) => BigInt(v)));
  });

  it('a reused builder overwrites (in tests: poisons) the batches it emitted before', () => {
    const first = reusableBuilder(null, [T.int4, T.text], 4);
    first.push([1, 'a'], 1);
    const old = first.finish();
    const again = reusableBuilder(first, [T.int4, T.text], 4);
    expect(again).toBe(first);
    again.push([2, 'b'], 1);
    const now = again.finish();
    expect([getValue(now.columns[0], 0), getValue(now.columns[1], 0), now.weights[0]]).toEqual([2, 'b', 1]);
    // the old batch no longer reads as (1, 'a'): it must not be kept past its step
    expect(getValue(old.columns[0], 0)).toBe(2);
    // and with poisoning (turned on by the test set-up) a reset alone already garbles it
    again.reset();
    expect(old.weights[0]).toBe(0);
  });
});
