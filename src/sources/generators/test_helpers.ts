// Shared by the generator tests.

import { SqlError } from '../../errors.js';

/** The SqlError `f` throws (anything else is rethrown; no error fails the test). */
export function errorOf(f: () => unknown): SqlError {
  try {
    f();
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error('expected an SqlError');
}
