import { describe, expect, it } from 'vitest';
import { batchFromIPC, batchToArrow, batchToIPC, arrowToBatch } from './arrow.js';
import { batchFromRows, batchToRows } from './batch.js';
import { T, type } from '../sql/types.js';
import { Decimal } from '../expr/numeric.js';
import { Interval } from '../expr/interval.js';

describe('Arrow round trip', () => {
  const types = [T.int4, T.int8, T.float8, T.bool, T.text, T.numeric, T.date, T.timestamp, T.interval, type('varchar', 5)];
  const rows = [
    [1, 10n, 1.5, true, 'a', Decimal.parse('1.50'), 0, 0n, Interval.parse('1 day'), 'xy'],
    [null, null, null, null, null, null, null, null, null, null],
    [-7, -(2n ** 63n), -0, false, '', Decimal.parse('-0.001'), Infinity, 1_700_000_000_000_000n, Interval.parse('-1 mons 02:00:00'), 'hello'],
  ];
  const weights = [1, -2, 3];

  it('keeps every value, null and weight through an Arrow table', () => {
    const b = batchFromRows(types, rows, weights);
    const t = batchToArrow(b);
    expect(t.numRows).toBe(3);
    const back = arrowToBatch(t);
    expect(back.types).toEqual(types);
    expect(batchToRows(back).map((r) => ({ ...r, row: r.row.map(String) }))).toEqual(
      batchToRows(b).map((r) => ({ ...r, row: r.row.map(String) })),
    );
  });

  it('survives IPC serialization', () => {
    const b = batchFromRows(types, rows, weights);
    const back = batchFromIPC(batchToIPC(b));
    expect(batchToRows(back).map((r) => r.weight)).toEqual(weights);
    expect(String(batchToRows(back)[2].row[5])).toBe('-0.001');
    expect(batchToRows(back)[2].row[1]).toBe(-(2n ** 63n));
  });

  it('decodes text columns whole when ASCII and value by value otherwise, with the same strings', () => {
    const cases = [
      ['plain', '', 'ascii only', null, 'x'.repeat(40)],
      ['ascii', 'é', '日本語', null, '🦀 crab', ''],
      ['\ud800 lone surrogate', 'after'],
    ];
    for (const texts of cases) {
      const b = batchFromRows([T.text, T.numeric], texts.map((t, i) => [t, Decimal.parse(`${i}.5`)]));
      const back = batchToRows(batchFromIPC(batchToIPC(b))).map((r) => r.row);
      // a lone surrogate is not UTF-8: it comes back as U+FFFD, as Buffer would write it
      expect(back).toEqual(texts.map((t, i) => [t === null ? null : Buffer.from(t).toString(), Decimal.parse(`${i}.5`)]));
    }
  });

  it('gives values back as they were, not coerced to the typmod of their column', () => {
    // a plan's numeric(5,2) column may hold values of other scales (UNION ALL branches)
    const t = [type('numeric', (5 << 16) | 2), type('bpchar', 3)];
    const b = batchFromRows(t, [[Decimal.parse('1.123'), 'a'], [Decimal.parse('2.5'), 'abcde'], [Decimal.parse('123456.7'), 'b']]);
    const back = batchFromIPC(batchToIPC(b));
    expect(back.types).toEqual(t);
    expect(batchToRows(back).map((r) => r.row.map(String))).toEqual([['1.123', 'a'], ['2.5', 'abcde'], ['123456.7', 'b']]);
  });

  it('converts fixed-width columns without per-value copies', () => {
    const b = batchFromRows([T.int4], [[1], [2], [3]]);
    const t = batchToArrow(b);
    expect(t.getChild('c0')!.data[0].values).toBe(b.columns[0].data);
  });
});
