// pg_typeof("any") → regtype: the argument's type as the binder resolved it. Not strict (the
// type of a NULL is still known) and, unlike other "any" parameters, an untyped literal stays
// `unknown` rather than becoming text.

import { T, ANY, fn } from './core.js';
import { typeOid } from '../../sql/types.js';

fn('pg_typeof', {
  name: 'pg_typeof',
  args: [ANY],
  returns: T.regtype,
  strict: false,
  keepsUnknown: true,
  eval: () => null,
  evalFor: (ts) => {
    const oid = typeOid(ts[0]);
    return () => oid;
  },
});
