// negate_clause (optimizer/prep/prepqual.c): eval_const_expressions pushes a NOT into its
// argument where it can — NOT (a < b) is a >= b, NOT (a OR b) is NOT a AND NOT b (De Morgan),
// NOT NOT a is a, NOT x IS NULL is x IS NOT NULL. It changes which conditions PostgreSQL
// evaluates, and in which order (a WHERE's conjuncts run cheapest first, the first one not
// true ending the row), so errors match only if Tributary does the same.

import type { Expr } from '../../expr/expr.js';
import { T } from '../../sql/types.js';
import { negatorImpl } from '../../expr/functions/registry.js';
import { scalarArrayOp } from '../../expr/functions/array.js';

export function negateClause(e: Expr): Expr {
  switch (e.kind) {
    case 'literal':
      return { kind: 'literal', value: e.value === null ? null : !e.value, type: T.bool };
    case 'call': {
      if (e.args.length === 2) {
        const neg = negatorImpl(e.fn);
        if (neg !== undefined) return { ...e, fn: neg };
      }
      // x = ANY (array) is x <> ALL (array), and the other way round
      const m = /^(any|all):(.*)$/.exec(e.fn);
      const neg = m ? negatorImpl(m[2]) : undefined;
      if (m && neg !== undefined) return { ...e, fn: scalarArrayOp(neg, m[1] === 'any') };
      break;
    }
    case 'and':
      return { kind: 'or', args: e.args.map(negateClause), type: T.bool };
    case 'or':
      return { kind: 'and', args: e.args.map(negateClause), type: T.bool };
    case 'not':
      return e.arg;
    case 'isnull':
      // for a row value IS NULL and IS NOT NULL are not each other's negation
      if (e.arg.type.id !== 'record') return { ...e, negated: !e.negated };
      break;
    case 'istruth':
      return { ...e, negated: !e.negated };
  }
  return { kind: 'not', arg: e, type: T.bool };
}
