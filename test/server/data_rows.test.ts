// DataRowsWriter writes many DataRows into one buffer (short ASCII cells copied by hand, the
// rest through Buffer.write): byte for byte what dataRow, built with pg-protocol's Writer, gives.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DataRowsWriter, dataRow } from '../../src/server/messages.js';

const cell = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer().map(String),
  fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)),
);

describe('DataRowsWriter', () => {
  it('writes what dataRow writes, row after row, whatever the size it expected', () => {
    fc.assert(
      fc.property(fc.array(fc.array(cell, { maxLength: 6 }), { maxLength: 30 }), fc.nat(4096), (rows, expected) => {
        const w = new DataRowsWriter(expected);
        for (const r of rows) w.add(r);
        const got = w.take();
        expect(got.equals(Buffer.concat(rows.map((r) => dataRow(r))))).toBe(true);
        // it goes on after take, in a buffer of its own
        w.add(['after']);
        expect(w.take().equals(dataRow(['after']))).toBe(true);
        expect(got.equals(Buffer.concat(rows.map((r) => dataRow(r))))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
