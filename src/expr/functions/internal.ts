// Functions the planner inserts itself; they have no SQL name, so queries cannot call them.

import { SqlError, SQLSTATE } from '../../errors.js';
import { T, impls } from './core.js';
import type { PgRecord } from '../record.js';

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
