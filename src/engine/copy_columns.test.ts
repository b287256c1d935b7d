// fillCopyColumns against the row-by-row conversion it stands in for: the same stored values
// (compared by identity: 1.0 and 1.00 apart), and false wherever a field would raise.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { T, type, type SqlType } from '../sql/types.js';
import { parseValue } from '../expr/cast.js';
import { identityKeyFn } from '../expr/compare.js';
import type { Value } from '../expr/value.js';
import { BatchBuilder, rowAt } from '../dataflow/batch.js';
import { fillCopyColumns } from './copy_columns.js';

const TYPES: SqlType[] = [T.int4, T.int8, T.numeric, type('numeric', (6 << 16) | 2), T.timestamp, T.timestamptz, T.text, T.float8];
const TEXTS: Record<string, string[]> = {
  int: ['0', '-0', '42', '-7', '2147483647', '2147483648', '-2147483648', '-2147483649', '999999999999999', '9223372036854775807', '9223372036854775808', ' 5', '+5', '1e3', '', 'x'],
  numeric: ['0', '-0.00', '1.0', '1.00', '12.345', '-9999.99', '10000.00', '0.005', '123456789012345678901234567890', '1e3', 'NaN', 'Infinity', '.5', '5.', ' 1.5 ', ''],
  timestamp: ['2024-05-01 10:00:00', '2024-05-01T10:00:00.123456Z', '2024-05-01 10:00:00+02', '0001-01-01 00:00:00', '9999-12-31 23:59:59', '1600-01-01 00:00:00', 'infinity', '2024-02-30 00:00:00', 'May 1 2024', ''],
  text: ['', 'a', ' b ', '\u00e9'],
};
const textsOf = (t: SqlType) => (t.id === 'int4' || t.id === 'int8' || t.id === 'float8' ? TEXTS.int : t.id === 'numeric' ? TEXTS.numeric : t.id.startsWith('timestamp') ? TEXTS.timestamp : TEXTS.text);

/** The row-by-row conversion: each field through its type's input function; null where one raises. */
function rowByRow(types: SqlType[], notNull: boolean[], records: (string | null)[][]): Value[][] | null {
  try {
    return records.map((r) =>
      r.map((text, c) => {
        const v = text === null ? null : parseValue(text, types[c]);
        if (v === null && notNull[c]) throw new Error('not null');
        return v;
      }),
    );
  } catch {
    return null;
  }
}

describe('fillCopyColumns', () => {
  it('stores what the row-by-row conversion stores, and gives up exactly where it raises (property)', () => {
    const schema = fc.uniqueArray(fc.integer({ min: 0, max: TYPES.length - 1 }), { minLength: 1, maxLength: 4 }).chain((ix) =>
      fc.tuple(
        fc.constant(ix.map((i) => TYPES[i])),
        fc.array(fc.boolean(), { minLength: ix.length, maxLength: ix.length }),
        fc.array(fc.tuple(...ix.map((i) => fc.option(fc.constantFrom(...textsOf(TYPES[i])), { freq: 8 }))), { maxLength: 12 }),
      ),
    );
    fc.assert(
      fc.property(schema, ([types, notNull, records]) => {
        const b = new BatchBuilder(types, records.length);
        b.reserve(records.length);
        const cols = types.map((_, c) => c);
        const ok = fillCopyColumns(b, records.map((fields, n) => ({ fields, line: n + 1 })), { cols, types, notNull, missing: [], defaults: types.map(() => null) });
        const want = rowByRow(types, notNull, records);
        expect(ok).toBe(want !== null);
        if (!ok || want === null) return;
        b.advance(records.length, 1);
        const got = b.finish();
        const ids = types.map(identityKeyFn);
        for (let i = 0; i < records.length; i++) {
          const row = rowAt(got, i);
          expect(row.map((v, c) => ids[c](v))).toEqual(want[i].map((v, c) => ids[c](v)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives up on a record with too few or too many fields', () => {
    const b = new BatchBuilder([T.int4, T.text], 2);
    b.reserve(2);
    const shape = { cols: [0, 1], types: [T.int4, T.text], notNull: [false, false], missing: [], defaults: [null, null] };
    expect(fillCopyColumns(b, [{ fields: ['1', 'a'], line: 1 }, { fields: ['2'], line: 2 }], shape)).toBe(false);
    expect(fillCopyColumns(b, [{ fields: ['1', 'a', 'x'], line: 1 }], shape)).toBe(false);
  });
});
