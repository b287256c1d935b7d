// COPY FROM's records written into a batch column by column. Each column's loop reads one type,
// and the common field texts (plain integers, plain decimals, ISO timestamps, text) go straight
// into the column's typed storage, without a JS value per field; any other text goes through
// the type's input function, as the row-by-row loop does (fast_input.ts gives the same values).

import type { SqlType } from '../sql/types.js';
import type { Value } from '../expr/value.js';
import { parseValue } from '../expr/cast.js';
import { fastDecimalCoef, fastInt, fastScale, fastTimestampMicros } from '../expr/fast_input.js';
import { numericTypmodParts } from '../expr/numeric.js';
import { LITTLE_ENDIAN, type BatchBuilder } from '../dataflow/batch.js';
import type { CopyRecord } from './copy_format.js';

export interface CopyColumns {
  /** Table column of each field. */
  cols: readonly number[];
  types: readonly SqlType[];
  notNull: readonly boolean[];
  /** Table columns no field gives, and every column's DEFAULT. */
  missing: readonly number[];
  defaults: readonly Value[];
}

/**
 * The records into b's rows 0..n (an empty builder, room reserved). False when some record
 * would raise (a field count that differs, a value its type refuses, NULL in a NOT NULL
 * column): then nothing is promised about b, and the row-by-row loop finds the error that
 * comes first in the input, as PostgreSQL reports it.
 */
export function fillCopyColumns(b: BatchBuilder, records: readonly CopyRecord[], to: CopyColumns): boolean {
  const n = records.length;
  const width = to.cols.length;
  for (let i = 0; i < n; i++) if (records[i].fields.length !== width) return false;
  try {
    for (let k = 0; k < width; k++) if (!fillColumn(b, records, k, to.cols[k], to.types[to.cols[k]], to.notNull[to.cols[k]])) return false;
  } catch {
    return false;
  }
  for (const c of to.missing) {
    const v = to.defaults[c];
    if (v === null && to.notNull[c]) return false;
    for (let i = 0; i < n; i++) b.setAt(c, i, v);
  }
  return true;
}

/** Field k of every record into column c; false at a NULL it may not hold (a refused value throws). */
function fillColumn(b: BatchBuilder, records: readonly CopyRecord[], k: number, c: number, t: SqlType, notNull: boolean): boolean {
  const n = records.length;
  const id = t.id;
  const ints = id === 'int4' ? b.int32Column(c) : null;
  const wide = LITTLE_ENDIAN && (id === 'int8' || id === 'timestamp' || id === 'timestamptz');
  const tz = id === 'timestamptz';
  const [precision, scale] = id === 'numeric' ? numericTypmodParts(t.typmod) : [0, 0];
  for (let i = 0; i < n; i++) {
    const text = records[i].fields[k];
    if (text === null) {
      if (notNull) return false;
      b.setAt(c, i, null);
      continue;
    }
    if (ints !== null) {
      const v = fastInt(text);
      if (v !== undefined && (v | 0) === v) {
        ints[i] = v;
        continue;
      }
    } else if (wide) {
      const v = id === 'int8' ? fastInt(text) ?? NaN : fastTimestampMicros(text, tz);
      if (v === v) {
        b.setInt64At(c, i, v);
        continue;
      }
    } else if (id === 'numeric') {
      const coef = fastDecimalCoef(text, precision, scale);
      if (coef === coef && b.setDecAt(c, i, coef, fastScale)) continue;
    } else if (id === 'text') {
      b.setAt(c, i, text);
      continue;
    }
    b.setAt(c, i, parseValue(text, t));
  }
  return true;
}
