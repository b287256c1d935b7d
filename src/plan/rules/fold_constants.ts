// Constant folding, as PostgreSQL's eval_const_expressions (optimizer/util/clauses.c) does it,
// errors included: `SELECT 1/0` fails at plan time, even over an empty table, and so does
// `CASE WHEN x > 0 THEN 1 ELSE 1/0 END`, whose ELSE arm is simplified like any other. What is
// *not* simplified never raises: PostgreSQL walks CASE arms and COALESCE arguments in order
// and stops at the first constant TRUE condition / non-NULL constant, dropping the rest
// unseen (`COALESCE(1, 1/0)` is 1), and an AND (OR) stops at a constant FALSE (TRUE). A NOT
// is pushed into its argument where it can be (negate_clause.ts).
// Only IMMUTABLE functions and casts are evaluated (volatility.ts): a STABLE one such as
// timestamptz arithmetic waits for a row.
//
// `consts` gives, per input column, the constant that PostgreSQL would see in its place after
// pulling up a subquery (`min(x.c::int) FROM (SELECT ''::text AS c FROM t) x` folds ''::int
// and fails); see foldPlan below.

import { type Expr, mapChildren } from '../../expr/expr.js';
import { evalConstant } from '../../expr/compile.js';
import { getFunctionImpl } from '../../expr/functions/registry.js';
import { SUBQUERY_CARDINALITY_ERROR } from '../../expr/functions/internal.js';
import { castVolatility, functionVolatility } from '../../expr/volatility.js';
import type { Plan } from '../logical.js';
import { mapPlanChildren, mapPlanExprs } from './walk.js';
import { negateClause } from './negate_clause.js';

export type ColumnConstants = readonly (Expr | null)[] | null;

export function foldConstants(e: Expr, consts: ColumnConstants = null): Expr {
  const fold = (c: Expr) => foldConstants(c, consts);
  switch (e.kind) {
    case 'literal':
    case 'param':
      return e;
    case 'column': {
      const c = consts?.[e.index];
      return c ? { ...c, type: e.type } : e;
    }
    case 'and':
    case 'or':
      return foldBoolean(e, fold);
    case 'case':
      return foldCase(e, fold);
    case 'coalesce':
      return foldCoalesce(e, fold);
    case 'not':
      return negateClause(fold(e.arg));
    case 'call': {
      const args = e.args.map(fold);
      const impl = getFunctionImpl(e.fn);
      // a strict function with a NULL constant argument is never called, whatever its volatility
      if (impl.strict && args.some(isNull)) return nullOf(e);
      const out: Expr = { ...e, args };
      if (e.fn === SUBQUERY_CARDINALITY_ERROR || !args.every(isLiteral) || functionVolatility(e.fn) !== 'immutable') return out;
      return evaluate(out);
    }
    case 'cast': {
      const arg = fold(e.arg);
      if (isNull(arg)) return nullOf(e);
      const out: Expr = { ...e, arg };
      return isLiteral(arg) && castVolatility(arg.type, e.type) === 'immutable' ? evaluate(out) : out;
    }
    case 'nullif': {
      const left = fold(e.left);
      const right = fold(e.right);
      // if either argument is NULL they cannot be equal: the result is the first one
      if (isNull(left) || isNull(right)) return left;
      const out: Expr = { ...e, left, right };
      return isLiteral(left) && isLiteral(right) && functionVolatility(e.eq) === 'immutable' ? evaluate(out) : out;
    }
    case 'distinct': {
      const left = fold(e.left);
      const right = fold(e.right);
      const out: Expr = { ...e, left, right };
      if (!isLiteral(left) || !isLiteral(right)) return out;
      if (isNull(left) || isNull(right)) return evaluate(out);
      return functionVolatility(e.eq) === 'immutable' ? evaluate(out) : out;
    }
    default: {
      // NOT, IS [NOT] NULL, IS [NOT] TRUE/…, GREATEST/LEAST: constant when all inputs are
      const out = mapChildren(e, fold);
      if (out.kind === 'minmax' && functionVolatility(out.cmp) !== 'immutable') return out;
      return childrenAll(out, isLiteral) ? evaluate(out) : out;
    }
  }
}

function isLiteral(e: Expr): e is Extract<Expr, { kind: 'literal' }> {
  return e.kind === 'literal';
}

function isNull(e: Expr): boolean {
  return e.kind === 'literal' && e.value === null;
}

function nullOf(e: Expr): Expr {
  return { kind: 'literal', value: null, type: e.type };
}

function evaluate(e: Expr): Expr {
  return { kind: 'literal', value: evalConstant(e), type: e.type };
}

function childrenAll(e: Expr, p: (c: Expr) => boolean): boolean {
  let all = true;
  mapChildren(e, (c) => {
    all &&= p(c);
    return c;
  });
  return all;
}

/**
 * simplify_and_arguments / simplify_or_arguments: arguments are simplified in order; TRUE
 * (FALSE) ones are dropped from an AND (OR), a FALSE (TRUE) one decides the result at once and
 * the arguments after it are never looked at; NULLs collapse into one.
 */
function foldBoolean(e: Extract<Expr, { kind: 'and' | 'or' }>, fold: (c: Expr) => Expr): Expr {
  const absorbing = e.kind === 'or';
  const args: Expr[] = [];
  let sawNull = false;
  const visit = (list: readonly Expr[]): Expr | null => {
    for (const a of list) {
      // nested ANDs in an AND (ORs in an OR) are flattened, as PostgreSQL does
      if (a.kind === e.kind) {
        const decided = visit(a.args);
        if (decided) return decided;
        continue;
      }
      const f = fold(a);
      if (f.kind === e.kind) {
        const decided = visit(f.args);
        if (decided) return decided;
        continue;
      }
      if (f.kind === 'literal') {
        if (f.value === null) sawNull = true;
        else if (f.value === absorbing) return f;
        continue;
      }
      args.push(f);
    }
    return null;
  };
  const decided = visit(e.args);
  if (decided) return { kind: 'literal', value: absorbing, type: e.type };
  if (sawNull) args.push({ kind: 'literal', value: null, type: e.type });
  if (args.length === 0) return { kind: 'literal', value: !absorbing, type: e.type };
  if (args.length === 1) return args[0];
  return { ...e, args };
}

/**
 * CASE: each WHEN is simplified in turn; a constant FALSE or NULL one drops its arm without
 * looking at its result; a constant TRUE one makes its result the ELSE, and the arms after it
 * (and the original ELSE) are dropped unseen. With no arm left the CASE is its ELSE.
 */
function foldCase(e: Extract<Expr, { kind: 'case' }>, fold: (c: Expr) => Expr): Expr {
  const whens: { when: Expr; then: Expr }[] = [];
  let otherwise: Expr | null = null;
  for (const w of e.whens) {
    const when = fold(w.when);
    if (when.kind === 'literal' && when.value !== true) {
      if (e.aggFilter) fold(w.then);
      continue;
    }
    const then = fold(w.then);
    if (when.kind === 'literal') {
      otherwise = then;
      break;
    }
    whens.push({ when, then });
  }
  otherwise ??= fold(e.else);
  if (whens.length === 0) return otherwise;
  return { ...e, whens, else: otherwise };
}

/** COALESCE: NULL constants are dropped; the first non-NULL constant ends the list. */
function foldCoalesce(e: Extract<Expr, { kind: 'coalesce' }>, fold: (c: Expr) => Expr): Expr {
  const args: Expr[] = [];
  for (const a of e.args) {
    const f = fold(a);
    if (f.kind === 'literal') {
      if (f.value === null) continue;
      if (args.length === 0) return f;
      args.push(f);
      break;
    }
    args.push(f);
  }
  if (args.length === 0) return nullOf(e);
  if (args.length === 1) return args[0];
  return { ...e, args };
}

/** Output columns of a plan that are the same constant in every row, as PostgreSQL sees them. */
interface Constants {
  cols: ColumnConstants;
  /**
   * The constants are local to a query level that PostgreSQL does not pull up (grouped,
   * windowed): they fold that level's own HAVING and SELECT list, not the queries above.
   */
  local: boolean;
}

const NONE: Constants = { cols: null, local: false };

/**
 * Fold every expression of a plan, bottom-up. A subquery in FROM that PostgreSQL would pull
 * up into its parent (no grouping, DISTINCT, ORDER BY, LIMIT, set operation, window) lends
 * its constant output columns to the expressions above; so does an inner join or the
 * preserved side of an outer join (the nullable side's columns are PlaceHolderVars there,
 * which PostgreSQL does not fold).
 */
export function foldPlan(p: Plan): Plan {
  return foldNode(p).plan;
}

function foldNode(p: Plan): { plan: Plan; consts: Constants } {
  switch (p.kind) {
    case 'scan':
      return { plan: p, consts: NONE };
    case 'values':
      return { plan: { ...p, rows: p.rows.map((r) => r.map((e) => foldConstants(e))) }, consts: NONE };
    case 'filter': {
      const input = foldNode(p.input);
      const predicate = foldConstants(p.predicate, input.consts.cols);
      // WHERE true (often what folding leaves) filters nothing
      if (predicate.kind === 'literal' && predicate.value === true) return input;
      return { plan: { ...p, input: input.plan, predicate }, consts: input.consts };
    }
    case 'project': {
      const input = foldNode(p.input);
      const exprs = p.exprs.map((e) => foldConstants(e, input.consts.cols));
      const plan: Plan = { ...p, input: input.plan, exprs };
      if (p.opaque || input.consts.local || exprs.some(hasVolatile)) return { plan, consts: NONE };
      return { plan, consts: { cols: exprs.map((e) => (e.kind === 'literal' ? e : null)), local: false } };
    }
    case 'join': {
      const left = foldNode(p.left);
      const right = foldNode(p.right);
      // a one-time filter that folded to true: the query is its left side
      if (p.gate === 'left' && p.right.schema.length === 0 && isOneRow(right.plan)) return left;
      const l = p.type === 'inner' || p.type === 'left' ? visible(left.consts, p.left) : nulls(p.left);
      const r = p.type === 'inner' || p.type === 'right' ? visible(right.consts, p.right) : nulls(p.right);
      const both = [...l, ...r];
      const plan: Plan = {
        ...p,
        left: left.plan,
        right: right.plan,
        on: p.on ? foldConstants(p.on, both) : null,
        leftKeys: p.leftKeys.map((e) => foldConstants(e, l)),
        rightKeys: p.rightKeys.map((e) => foldConstants(e, r)),
      };
      return { plan, consts: { cols: both, local: false } };
    }
    case 'aggregate': {
      const input = foldNode(p.input);
      const cols = input.consts.local ? null : input.consts.cols;
      const groupBy = p.groupBy.map((e) => foldConstants(e, cols));
      const aggs = p.aggs.map((a) => ({ ...a, arg: a.arg ? foldConstants(a.arg, cols) : null }));
      const consts = [...groupBy.map((e) => (e.kind === 'literal' ? e : null)), ...aggs.map(() => null)];
      return { plan: { ...p, input: input.plan, groupBy, aggs }, consts: { cols: consts, local: true } };
    }
    case 'window':
    case 'project_set': {
      const input = foldNode(p.input);
      const cols = input.consts.local ? null : input.consts.cols;
      const plan = mapPlanExprs({ ...p, input: input.plan }, (e) => foldConstants(e, cols));
      const consts = cols ? [...cols, ...p.calls.map(() => null)] : null;
      return { plan, consts: { cols: consts, local: true } };
    }
    case 'sort':
    case 'limit': {
      const input = foldNode(p.input);
      const plan = mapPlanExprs({ ...p, input: input.plan }, (e) => foldConstants(e, input.consts.cols));
      return { plan, consts: NONE };
    }
    default:
      // distinct, union, setop: boundaries
      return { plan: mapPlanChildren(p, foldPlan), consts: NONE };
  }
}

/** A plan that is exactly one row whatever the data (VALUES of one row, projected). */
function isOneRow(p: Plan): boolean {
  if (p.kind === 'values') return p.rows.length === 1;
  return p.kind === 'project' && isOneRow(p.input);
}

function visible(c: Constants, p: Plan): readonly (Expr | null)[] {
  return c.cols && !c.local ? c.cols : nulls(p);
}

function nulls(p: Plan): (Expr | null)[] {
  return p.schema.map(() => null);
}

function hasVolatile(e: Expr): boolean {
  if (e.kind === 'call' && getFunctionImpl(e.fn).volatile) return true;
  let found = false;
  mapChildren(e, (c) => {
    found ||= hasVolatile(c);
    return c;
  });
  return found;
}
