// Functions the planner inserts itself; they have no SQL name, so queries cannot call them.

import { SqlError, SQLSTATE } from '../../errors.js';
import { T, impls } from './core.js';

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
