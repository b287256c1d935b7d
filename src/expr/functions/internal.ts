// Functions the planner inserts itself; they have no SQL name, so queries cannot call them.

import { SqlError, SQLSTATE } from '../../errors.js';
import { T, impls } from './core.js';
import type { PgRecord } from '../record.js';
import { structuralKey } from '../structural_key.js';

/** Raised when a scalar subquery yields more than one row (its value is then undefined). */
export const SUBQUERY_CARDINALITY_ERROR = 'subquery_cardinality_error';

impls.set(SUBQUERY_CARDINALITY_ERROR, {
  name: SUBQUERY_CARDINALITY_ERROR,
  argTypes: [],
  returns: T.unknown,
  strict: false,
  eval: () => {
    throw new SqlError(SQLSTATE.CARDINALITY_VIOLATION, 'more than one row returned by a subquery used as an expression');
  },
});

/** `(record).field`: args are the record and the field's 0-based position (a literal). */
export const RECORD_FIELD = 'record_field';

impls.set(RECORD_FIELD, {
  name: RECORD_FIELD,
  argTypes: [],
  returns: T.unknown,
  strict: true,
  eval: (v) => (v[0] as PgRecord).fields[v[1] as number] ?? null,
});

/**
 * The exact representation of a value as text, NULL included (never NULL itself): a
 * correlated subquery's domain is keyed by it where SQL equality merges values that print
 * differently (1.5 = 1.50, but `x::text` tells them apart).
 */
export const IDENTITY_KEY = 'identity_key';

impls.set(IDENTITY_KEY, {
  name: IDENTITY_KEY,
  argTypes: [],
  returns: T.text,
  strict: false,
  eval: (v) => structuralKey(v[0]),
});
