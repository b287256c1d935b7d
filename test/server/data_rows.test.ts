// DataRowsWriter writes many DataRows into one buffer (short ASCII cells copied by hand, the
// rest through Buffer.write, 32-bit integers digit by digit): byte for byte what dataRow,
// built with pg-protocol's Writer, gives.

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

// what a cell writer may be handed as an integer column's value
const number = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -0, 1, -1, 9, 10, -10, 2147483647, -2147483648, 2147483648, -2147483649, 2 ** 53, -(2 ** 53), 1e21, 0.5, -1.5),
  fc.double(),
);

/** A row of encoded cells, as the wire server's cell writers put them. */
function addRow(w: DataRowsWriter, cells: readonly (string | Buffer | null)[]): void {
  w.beginRow(cells.length);
  for (const c of cells) w.cell(c);
  w.endRow();
}

describe('DataRowsWriter', () => {
  it('writes what dataRow writes, row after row, whatever the size it expected', () => {
    fc.assert(
      fc.property(fc.array(fc.array(cell, { maxLength: 6 }), { maxLength: 30 }), fc.nat(4096), (rows, expected) => {
        const w = new DataRowsWriter(expected);
        for (const r of rows) addRow(w, r);
        const got = w.take();
        expect(got.equals(Buffer.concat(rows.map((r) => dataRow(r))))).toBe(true);
        // it goes on after take, in a buffer of its own
        addRow(w, ['after']);
        expect(w.take().equals(dataRow(['after']))).toBe(true);
        expect(got.equals(Buffer.concat(rows.map((r) => dataRow(r))))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('writes numbers cell by cell as String(n) spells them', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.oneof(number, fc.constant(null)), { maxLength: 5 }), { maxLength: 40 }), (rows) => {
        const w = new DataRowsWriter(0);
        for (const r of rows) {
          w.beginRow(r.length);
          for (const v of r) if (v === null) w.null(); else w.int(v);
          w.endRow();
        }
        const want = Buffer.concat(rows.map((r) => dataRow(r.map((v) => (v === null ? null : String(v))))));
        expect(w.take().equals(want)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
