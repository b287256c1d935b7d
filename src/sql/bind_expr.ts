// Binding scalar expressions: parse-tree nodes → typed Expr, resolving column names against
// a Scope, operators and functions against the function registry, with PostgreSQL's typing.

import { intervalTypmod } from '../expr/interval_typmod.js';
import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import { type Expr, children } from '../expr/expr.js';
import { resolveFunction, resolveOperator } from '../expr/functions/registry.js';
import { canCast, commonType } from '../expr/cast.js';
import { Decimal } from '../expr/numeric.js';
import { nodeTag, names, strVal } from './parser.js';
import type { Scope } from './scope.js';
import { type SqlType, T, TYPE_INFO, arrayTypeOf, elementType, isOpaqueType, type, typeIdFromName } from './types.js';
import { ARRAY_CONSTRUCT, ARRAY_SUBSCRIPT, scalarArrayOp } from '../expr/functions/array.js';
import { coerce, coerceBoolean, ParamTypes, resolveUnknown } from './coerce.js';
import type { AggCall, AggFn, FrameBound, SortKey, SrfCall, WindowCall, WindowFn } from '../plan/logical.js';
import { RECORD_FIELD } from '../expr/functions/internal.js';
import { recordDescriptor, recordTypmod } from '../expr/record.js';
import { structuralKey } from './expr_key.js';
import { pg15IsAggregate, pg15TypeName } from '../expr/functions/pg15_names.js';
import type { SubqueryCollector } from './bind_subquery.js';

/** Collects aggregate calls while binding a grouped query's SELECT list / HAVING / ORDER BY. */
export interface AggCollector {
  aggs: AggCall[];
  /** Set while binding an aggregate's argument, to reject nested aggregates. */
  inside: boolean;
}

export interface ExprContext {
  scope: Scope;
  params: ParamTypes;
  /** Present where aggregates are allowed. */
  aggs?: AggCollector;
  /** Name of the clause, for "aggregate functions are not allowed in WHERE". */
  clause: string;
  /** Present where subqueries are allowed (WHERE, SELECT list, HAVING, ORDER BY). */
  subqueries?: SubqueryCollector;
  /** Present where window functions and set-returning functions are allowed (SELECT list, ORDER BY). */
  post?: PostCollector;
}

/**
 * Window function calls and SELECT-list set-returning function calls, computed after grouping
 * (bind_select.ts lays them out as `window` / `project_set` nodes); while bound they are marker
 * columns at or below WINDOW_MARKER_BASE / SRF_MARKER_BASE.
 */
export interface PostCollector {
  windows: WindowCall[];
  srfs: SrfCall[];
  /** Set while binding a window call's arguments and clauses (nested calls are errors). */
  insideWindow: boolean;
}

export const WINDOW_MARKER_BASE = -8_000_000;
export const SRF_MARKER_BASE = -9_000_000;

const WINDOW_ONLY = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value']);

/** Marker for the k-th aggregate, replaced by a column reference once grouping is laid out. */
export const AGG_MARKER_BASE = -1_000_000;

const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max', 'bool_and', 'bool_or', 'every']);

export function isAggregateName(name: string): boolean {
  return AGGREGATES.has(name);
}

export function bindExpr(node: any, cx: ExprContext): Expr {
  const tag = nodeTag(node);
  const n = node[tag];
  const pos = n?.location !== undefined && n.location >= 0 ? n.location + 1 : undefined;
  switch (tag) {
    case 'ColumnRef':
      return bindColumnRef(n, cx, pos);
    case 'A_Const':
      return bindConst(n, pos);
    case 'ParamRef': {
      const index = n.number - 1;
      const known = cx.params.use(index, pos);
      return { kind: 'param', index, type: known ?? T.unknown };
    }
    case 'TypeCast':
      return bindTypeCast(n, cx, pos);
    case 'A_Expr':
      return bindAExpr(n, cx, pos);
    case 'BoolExpr': {
      const op = n.boolop === 'AND_EXPR' ? 'AND' : n.boolop === 'OR_EXPR' ? 'OR' : 'NOT';
      const args = (n.args as any[]).map((a) => coerceBoolean(bindExpr(a, cx), op, cx.params, pos));
      if (op === 'NOT') return { kind: 'not', arg: args[0], type: T.bool };
      return { kind: op === 'AND' ? 'and' : 'or', args, type: T.bool };
    }
    case 'NullTest': {
      const arg = resolveUnknown(bindExpr(n.arg, cx), cx.params);
      return { kind: 'isnull', arg, negated: n.nulltesttype === 'IS_NOT_NULL', type: T.bool };
    }
    case 'BooleanTest': {
      const arg = coerceBoolean(bindExpr(n.arg, cx), 'IS TRUE', cx.params, pos);
      const t: string = n.booltesttype;
      const truth = t.endsWith('TRUE') ? true : t.endsWith('FALSE') ? false : null;
      return { kind: 'istruth', arg, truth, negated: t.startsWith('IS_NOT'), type: T.bool };
    }
    case 'CaseExpr':
      return bindCase(n, cx, pos);
    case 'CoalesceExpr': {
      const args = (n.args as any[]).map((a) => bindExpr(a, cx));
      const t = commonType(args.map((a) => a.type), 'COALESCE');
      return { kind: 'coalesce', args: args.map((a) => coerce(a, t, 'implicit', cx.params)), type: t };
    }
    case 'MinMaxExpr': {
      const args = (n.args as any[]).map((a) => bindExpr(a, cx));
      const op = n.op === 'IS_GREATEST' ? 'greatest' : 'least';
      const t = commonType(args.map((a) => a.type), op.toUpperCase());
      const cmp = resolveOperator(op === 'greatest' ? '>' : '<', t, t).impl.name;
      return { kind: 'minmax', op, args: args.map((a) => coerce(a, t, 'implicit', cx.params)), cmp, type: t };
    }
    case 'FuncCall':
      return bindFuncCall(n, cx, pos);
    case 'SQLValueFunction':
      return bindSqlValueFunction(n, cx, pos);
    case 'SubLink':
      if (!cx.subqueries) throw unsupported(`subquery in ${cx.clause}`, pos);
      return cx.subqueries.bind(n, cx, pos);
    case 'A_ArrayExpr':
      return bindArrayExpr(n, cx, pos);
    case 'A_Indirection':
      return bindIndirection(n, cx, pos);
    case 'RowExpr':
      throw unsupported('row constructors', pos);
    case 'CollateClause': {
      // the default collation is C; naming it (or C/POSIX) changes nothing
      const coll = names(n.collname);
      const name = coll[coll.length - 1];
      if ((coll.length === 1 || coll[0] === 'pg_catalog') && (name === 'default' || name === 'C' || name === 'POSIX')) {
        const arg = bindExpr(n.arg, cx);
        if (arg.type.id !== 'unknown' && !['text', 'varchar', 'bpchar', 'name'].includes(arg.type.id)) {
          throw new SqlError('42804', `collations are not supported by type ${formatTypeName(arg.type)}`, { position: pos });
        }
        return arg;
      }
      throw unsupported(`COLLATE ${coll.join('.')}`, pos);
    }
    case 'GroupingFunc':
      throw unsupported('GROUPING()', pos);
    default:
      throw unsupported(`expression ${tag}`, pos);
  }
}

function bindColumnRef(n: any, cx: ExprContext, pos?: number): Expr {
  const fields: any[] = n.fields;
  if (fields.some((f) => nodeTag(f) === 'A_Star')) {
    throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'row expansion via "*" is not supported here', { position: pos });
  }
  const parts = fields.map(strVal);
  let name: string;
  let qualifier: string | null = null;
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) [qualifier, name] = parts;
  else if (parts.length === 3) [, qualifier, name] = parts; // schema.table.column
  else throw unsupported(`column reference ${parts.join('.')}`, pos);
  const index = cx.scope.resolve(name, qualifier, n.location);
  if (index < 0 && cx.scope.parent?.nullMarkers.has(index)) return { kind: 'literal', value: null, type: cx.scope.typeOf(index) };
  return { kind: 'column', index, type: cx.scope.typeOf(index), position: pos };
}

export function bindConst(n: any, position?: number): Expr {
  if (n.isnull) return { kind: 'literal', value: null, type: T.unknown };
  if (n.ival !== undefined) return { kind: 'literal', value: n.ival.ival ?? 0, type: T.int4 };
  if (n.fval !== undefined) return numericLiteral(n.fval.fval);
  if (n.boolval !== undefined) return { kind: 'literal', value: n.boolval.boolval ?? false, type: T.bool };
  if (n.sval !== undefined) return { kind: 'literal', value: n.sval.sval ?? '', type: T.unknown, position };
  if (n.bsval !== undefined) throw unsupported('bit string literals');
  throw unsupported('this constant');
}

/** Integer-looking literals too big for int4 are int8, then numeric; others are numeric. */
function numericLiteral(text: string): Expr {
  if (/^-?\d+$/.test(text)) {
    const b = BigInt(text);
    if (b >= -(2n ** 31n) && b < 2n ** 31n) return { kind: 'literal', value: Number(b), type: T.int4 };
    if (b >= -(2n ** 63n) && b < 2n ** 63n) return { kind: 'literal', value: b, type: T.int8 };
  }
  return { kind: 'literal', value: Decimal.parse(text), type: T.numeric };
}

/** A column type in DDL: as bindTypeName, but array columns are refused (tables hold no arrays). */
export function bindTypeName(tn: any, pos?: number): SqlType {
  if (tn.arrayBounds?.length) throw unsupported('array columns', pos);
  return bindAnyTypeName(tn, pos);
}

/** Resolve a TypeName node to a SqlType (with typmod), refusing types we do not support. */
function bindAnyTypeName(tn: any, pos?: number): SqlType {
  if (tn.arrayBounds?.length) {
    if (tn.arrayBounds.length > 1) throw unsupported('multidimensional arrays', pos);
    const et = bindAnyTypeName({ ...tn, arrayBounds: undefined }, pos);
    const at = arrayTypeOf(et);
    if (!at) throw unsupported(`arrays of type ${TYPE_INFO[et.id].name}`, pos);
    return at;
  }
  const parts = names(tn.names);
  const raw = parts[parts.length - 1];
  if (parts.length > 1 && parts[0] !== 'pg_catalog') throw unsupported(`type ${parts.join('.')}`, pos);
  const id = typeIdFromName(raw);
  if (!id || id === 'unknown') {
    const known = pg15TypeName(raw);
    if (known && (parts.length === 1 || parts[0] === 'pg_catalog')) throw unsupported(`type ${known}`, pos);
    throw new SqlError(SQLSTATE.UNDEFINED_OBJECT, `type "${raw}" does not exist`, { position: pos });
  }
  const mods: number[] = (tn.typmods ?? []).map((m: any) => {
    const c = m.A_Const;
    if (!c || c.ival === undefined) throw unsupported(`type modifier on ${raw}`, pos);
    return c.ival.ival ?? 0;
  });
  switch (id) {
    case 'varchar':
      if (mods.length === 0) return T.varchar;
      checkLength(raw, mods[0], pos);
      return type('varchar', mods[0]);
    case 'bpchar': {
      // char without a length is char(1), except the internal name bpchar, which is unbounded
      const n = mods.length ? mods[0] : raw === 'bpchar' ? -1 : 1;
      if (n !== -1) checkLength(raw, n, pos);
      return type('bpchar', n);
    }
    case 'numeric': {
      if (mods.length === 0) return T.numeric;
      const p = mods[0];
      const s = mods.length > 1 ? mods[1] : 0;
      if (p < 1 || p > 1000) {
        throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `NUMERIC precision ${p} must be between 1 and 1000`, { position: pos });
      }
      if (s < 0 || s > p) {
        throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `NUMERIC scale ${s} must be between 0 and precision ${p}`, { position: pos });
      }
      return type('numeric', (p << 16) | s);
    }
    case 'float8':
      // float(p): p <= 24 means real
      if (raw === 'float' && mods.length) return mods[0] <= 24 ? T.float4 : T.float8;
      return T.float8;
    case 'timestamp':
    case 'timestamptz':
      if (mods.length && mods[0] !== 6) throw unsupported(`${raw}(${mods[0]})`, pos);
      return type(id);
    case 'interval': {
      const tm = intervalTypmod(mods, pos);
      return tm < 0 ? T.interval : type('interval', tm);
    }
    default:
      if (mods.length) throw unsupported(`type modifier on ${raw}`, pos);
      return type(id);
  }
}

function checkLength(name: string, n: number, pos?: number) {
  if (n < 1) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `length for type ${name} must be at least 1`, { position: pos });
}

function bindTypeCast(n: any, cx: ExprContext, pos?: number): Expr {
  const target = bindAnyTypeName(n.typeName, pos);
  const arg = nodeTag(n.arg) === 'A_ArrayExpr' && elementType(target) ? bindArrayExpr(n.arg.A_ArrayExpr, cx, pos, target) : bindExpr(n.arg, cx);
  return coerce(arg, target, 'explicit', cx.params, pos);
}

/** Apply a binary (or prefix, when left is null) operator with PostgreSQL's resolution. */
export function applyOperator(op: string, left: Expr | null, right: Expr, cx: { params: ParamTypes }, pos?: number): Expr {
  if (op === '||' && left) {
    const concat = bindArrayConcat(left, right, cx, pos);
    if (concat) return concat;
  }
  let r;
  try {
    r = resolveOperator(op, left ? left.type : null, right.type);
  } catch (e) {
    if (e instanceof SqlError && e.code === SQLSTATE.UNDEFINED_FUNCTION && [left?.type, right.type].some((t) => t && isOpaqueType(t))) {
      throw unsupported(`operators on type ${[left?.type, right.type].filter((t) => t && isOpaqueType(t)).map((t) => TYPE_INFO[t!.id].name)[0]}`, pos);
    }
    if (e instanceof SqlError && e.position === undefined) e.position = pos;
    throw e;
  }
  const args = left ? [left, right] : [right];
  const cast = args.map((a, i) => coerce(a, r.argTypes[i], 'implicit', cx.params, pos));
  return { kind: 'call', fn: r.impl.name, args: cast, type: r.returnType };
}

/**
 * `||` with an array operand: array_cat(anycompatiblearray, anycompatiblearray),
 * array_append(anycompatiblearray, anycompatible) or array_prepend(anycompatible,
 * anycompatiblearray), the operands unified to their common element type as PostgreSQL's
 * anycompatible polymorphism does (varchar[] || text is a text[]). No common type: the
 * operator does not exist, as in PostgreSQL (text || int[] is not text concatenation).
 */
function bindArrayConcat(left: Expr, right: Expr, cx: { params: ParamTypes }, pos?: number): Expr | null {
  const le = elementType(left.type);
  const re = elementType(right.type);
  if (!le && !re) return null;
  const lu = left.type.id === 'unknown';
  const ru = right.type.id === 'unknown';
  // an untyped operand is taken as an array (array_cat), as func_select_candidate decides
  const lElem = le ?? (lu ? null : left.type);
  const rElem = re ?? (ru ? null : right.type);
  const lArray = !!le || lu;
  const rArray = !!re || ru;
  let common: SqlType;
  try {
    common = commonType([lElem, rElem].filter((t): t is SqlType => t !== null), 'ARRAY');
  } catch {
    throw new SqlError(SQLSTATE.UNDEFINED_FUNCTION, `operator does not exist: ${TYPE_INFO[left.type.id].name} || ${TYPE_INFO[right.type.id].name}`, {
      position: pos,
      hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.',
    });
  }
  const at = arrayTypeOf(common);
  if (!at) throw unsupported(`arrays of type ${TYPE_INFO[common.id].name}`, pos);
  const r =
    lArray && rArray ? resolveOperator('||', at, at)
    : lArray ? resolveFunction('array_append', [at, common])
    : resolveFunction('array_prepend', [common, at]);
  return {
    kind: 'call',
    fn: r.impl.name,
    args: [coerce(left, r.argTypes[0], 'implicit', cx.params, pos), coerce(right, r.argTypes[1], 'implicit', cx.params, pos)],
    type: r.returnType,
  };
}

function bindAExpr(n: any, cx: ExprContext, pos?: number): Expr {
  const op = names(n.name).pop() ?? '';
  const kind: string = n.kind;
  switch (kind) {
    case 'AEXPR_OP': {
      const left = n.lexpr ? bindExpr(n.lexpr, cx) : null;
      const right = bindExpr(n.rexpr, cx);
      return applyOperator(op, left, right, cx, pos);
    }
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT': {
      const [l, r] = unifyPair(bindExpr(n.lexpr, cx), bindExpr(n.rexpr, cx), cx);
      const eq = applyOperator('=', l, r, cx, pos) as Extract<Expr, { kind: 'call' }>;
      return { kind: 'distinct', left: eq.args[0], right: eq.args[1], eq: eq.fn, negated: kind === 'AEXPR_NOT_DISTINCT', type: T.bool };
    }
    case 'AEXPR_NULLIF': {
      const l = bindExpr(n.lexpr, cx);
      const r = bindExpr(n.rexpr, cx);
      const eq = applyOperator('=', l, r, cx, pos) as Extract<Expr, { kind: 'call' }>;
      // NULLIF's result type is its first argument's type, as PostgreSQL has it
      const left = resolveUnknown(eq.args[0], cx.params);
      return { kind: 'nullif', left, right: eq.args[1], eq: eq.fn, type: left.type };
    }
    case 'AEXPR_IN':
      return bindInList(n, op === '<>', cx, pos);
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE': {
      const left = bindExpr(n.lexpr, cx);
      const right = bindExpr(n.rexpr, cx);
      return applyOperator(op, left, right, cx, pos);
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN':
    case 'AEXPR_BETWEEN_SYM':
    case 'AEXPR_NOT_BETWEEN_SYM': {
      const x = bindExpr(n.lexpr, cx);
      const [loN, hiN] = n.rexpr.List.items;
      const lo = bindExpr(loN, cx);
      const hi = bindExpr(hiN, cx);
      const neg = kind.includes('NOT');
      const range = (a: Expr, b: Expr): Expr =>
        neg
          ? { kind: 'or', args: [applyOperator('<', x, a, cx, pos), applyOperator('>', x, b, cx, pos)], type: T.bool }
          : { kind: 'and', args: [applyOperator('>=', x, a, cx, pos), applyOperator('<=', x, b, cx, pos)], type: T.bool };
      if (!kind.endsWith('SYM')) return range(lo, hi);
      return { kind: neg ? 'and' : 'or', args: [range(lo, hi), range(hi, lo)], type: T.bool };
    }
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL':
      return bindScalarArrayOp(op, kind === 'AEXPR_OP_ALL', bindExpr(n.lexpr, cx), bindExpr(n.rexpr, cx), cx, pos);
    case 'AEXPR_SIMILAR': {
      // the grammar already made the pattern similar_to_escape(pattern [, escape]); the
      // operator is ~ or !~ (NOT SIMILAR TO)
      const left = bindExpr(n.lexpr, cx);
      const right = bindExpr(n.rexpr, cx);
      return applyOperator(op, left, right, cx, pos);
    }
    default:
      throw unsupported(kind, pos);
  }
}

/** Give two operands one type where one of them is an untyped literal/parameter. */
function unifyPair(l: Expr, r: Expr, cx: ExprContext): [Expr, Expr] {
  if (l.type.id === 'unknown' && r.type.id === 'unknown') {
    return [coerce(l, T.text, 'implicit', cx.params), coerce(r, T.text, 'implicit', cx.params)];
  }
  return [l, r];
}

function bindCase(n: any, cx: ExprContext, pos?: number): Expr {
  const operand = n.arg ? bindExpr(n.arg, cx) : null;
  const whens = (n.args as any[]).map((w) => {
    const cw = w.CaseWhen;
    const cond = operand
      ? applyOperator('=', operand, bindExpr(cw.expr, cx), cx, pos)
      : coerceBoolean(bindExpr(cw.expr, cx), 'CASE/WHEN', cx.params, pos);
    return { when: cond, then: bindExpr(cw.result, cx) };
  });
  const els: Expr = n.defresult ? bindExpr(n.defresult, cx) : { kind: 'literal', value: null, type: T.unknown };
  // PostgreSQL's transformCaseExpr puts the ELSE result first (it names the types in that order).
  const t = commonType([els.type, ...whens.map((w) => w.then.type)], 'CASE');
  return {
    kind: 'case',
    whens: whens.map((w) => ({ when: w.when, then: coerce(w.then, t, 'implicit', cx.params, pos) })),
    else: coerce(els, t, 'implicit', cx.params, pos),
    type: t,
  };
}

/** ARRAY[a, b, …]: the elements' common type; nested ARRAY[[…]] (several dimensions) is refused. */
function bindArrayExpr(n: any, cx: ExprContext, pos?: number, target?: SqlType): Expr {
  const items: any[] = n.elements ?? [];
  if (items.some((it) => nodeTag(it) === 'A_ArrayExpr')) throw unsupported('multidimensional arrays', pos);
  const elems = items.map((it) => bindExpr(it, cx));
  let et: SqlType | undefined = target ? elementType(target) : undefined;
  if (!et) {
    if (elems.length === 0) {
      throw new SqlError('42P18', 'cannot determine type of empty array', {
        position: pos,
        hint: 'Explicitly cast to the desired type, for example ARRAY[]::integer[].',
      });
    }
    et = commonType(elems.map((e) => e.type), 'ARRAY');
  }
  const at = arrayTypeOf(et);
  if (!at) throw unsupported(`arrays of type ${TYPE_INFO[et.id].name}`, pos);
  return { kind: 'call', fn: ARRAY_CONSTRUCT, args: elems.map((e) => coerce(e, type(et!.id, -1), 'implicit', cx.params, pos)), type: type(at.id, -1) };
}

/** a[i] (one subscript; slices and field selection are refused). */
function bindIndirection(n: any, cx: ExprContext, pos?: number): Expr {
  let e = bindExpr(n.arg, cx);
  for (const ind of n.indirection as any[]) {
    const tag = nodeTag(ind);
    if (tag === 'String') {
      const d = recordDescriptor(e.type);
      const field = strVal(ind);
      if (!d) {
        if (e.type.id === 'record' || e.type.id === 'unknown') throw unsupported('field selection from a record', pos);
        throw new SqlError('42809', `column notation .${field} applied to type ${TYPE_INFO[e.type.id].name}, which is not a composite type`, { position: pos });
      }
      const k = d.names.indexOf(field);
      if (k < 0) throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `could not identify column "${field}" in record data type`, { position: pos });
      e = { kind: 'call', fn: RECORD_FIELD, args: [e, { kind: 'literal', value: k, type: T.int4 }], type: d.types[k] };
      continue;
    }
    if (tag !== 'A_Indices') throw unsupported(tag === 'A_Star' ? 'row expansion (.*)' : 'field selection from a record', pos);
    const ix = ind.A_Indices;
    if (ix.is_slice) throw unsupported('array slices', pos);
    e = resolveUnknown(e, cx.params);
    const et = elementType(e.type);
    if (!et) {
      throw new SqlError('42804', `cannot subscript type ${TYPE_INFO[e.type.id].name} because it does not support subscripting`, { position: pos });
    }
    const sub = coerce(bindExpr(ix.uidx, cx), T.int4, 'implicit', cx.params, pos);
    e = { kind: 'call', fn: ARRAY_SUBSCRIPT, args: [e, sub], type: et };
  }
  return e;
}

/**
 * `x [NOT] IN (a, b, …)` as transformAExprIn builds it: the items without a column of this
 * query become one `x = ANY (ARRAY[…])` (`<> ALL` for NOT IN) over their common type with x,
 * when there are at least two of them and such a type exists; each other item is its own
 * comparison, ORed (ANDed) after it. The form decides what runs: the array's elements are
 * all evaluated, and `x NOT IN (1, NULL)` stays a comparison that evaluates x on every row.
 */
function bindInList(n: any, negated: boolean, cx: ExprContext, pos?: number): Expr {
  const op = negated ? '<>' : '=';
  const left = bindExpr(n.lexpr, cx);
  const items = ((n.rexpr.List?.items ?? []) as any[]).map((it) => bindExpr(it, cx));
  const nonVars = items.filter((e) => !hasOwnColumns(e));
  let rest = items;
  const parts: Expr[] = [];
  if (nonVars.length > 1) {
    let et: SqlType | undefined;
    try {
      et = commonType([left.type, ...nonVars.map((e) => e.type)], 'IN');
    } catch {
      et = undefined; // no common type: every item is compared on its own
    }
    const at = et && et.id !== 'record' ? arrayTypeOf(et) : undefined;
    if (et && at) {
      const elemType = type(et.id, -1);
      const arr: Expr = { kind: 'call', fn: ARRAY_CONSTRUCT, args: nonVars.map((e) => coerce(e, elemType, 'implicit', cx.params, pos)), type: type(at.id, -1) };
      parts.push(bindScalarArrayOp(op, negated, left, arr, cx, pos));
      rest = items.filter((e) => hasOwnColumns(e));
    }
  }
  for (const e of rest) parts.push(applyOperator(op, left, e, cx, pos));
  if (parts.length === 1) return parts[0];
  return { kind: negated ? 'and' : 'or', args: parts, type: T.bool };
}

/**
 * Whether e reads a column of the query being bound (PostgreSQL's contain_vars_of_level(e, 0)):
 * an input column, or a marker of an aggregate, subquery (-1M down to -3M; conservatively, even
 * an uncorrelated one), window or set-returning call. The markers of outer references
 * (bind_subquery.ts: -3M and below, above the window markers) are the enclosing query's.
 */
function hasOwnColumns(e: Expr): boolean {
  if (e.kind === 'column') return e.index > -3_000_000 || e.index <= WINDOW_MARKER_BASE;
  return children(e).some(hasOwnColumns);
}

/** `x op ANY (array)` / `x op ALL (array)`, resolved as PostgreSQL's make_scalar_array_op. */
function bindScalarArrayOp(op: string, all: boolean, x: Expr, arr: Expr, cx: ExprContext, pos?: number): Expr {
  let et = elementType(arr.type);
  if (!et && arr.type.id === 'unknown') {
    // an untyped literal is an array of the left operand's type
    const lt = x.type.id === 'unknown' ? T.text : x.type;
    const at = arrayTypeOf(lt);
    if (!at) throw unsupported(`arrays of type ${TYPE_INFO[lt.id].name}`, pos);
    arr = coerce(arr, at, 'implicit', cx.params, pos);
    et = elementType(at)!;
  }
  if (!et) {
    throw new SqlError('42809', `op ANY/ALL (array) requires array on right side`, { position: pos });
  }
  const eq = applyOperator(op, x, { kind: 'column', index: 0, type: et }, cx, pos) as Extract<Expr, { kind: 'call' }>;
  if (eq.type.id !== 'bool') throw new SqlError('42809', `op ANY/ALL (array) requires operator to yield boolean`, { position: pos });
  const r = resolveOperator(op, eq.args[0].type, eq.args[1].type);
  const want = arrayTypeOf(r.argTypes[1]);
  if (!want) throw unsupported(`arrays of type ${TYPE_INFO[r.argTypes[1].id].name}`, pos);
  const arrC = arr.type.id === want.id ? arr : coerce(arr, want, 'implicit', cx.params, pos);
  return { kind: 'call', fn: scalarArrayOp(eq.fn, all), args: [eq.args[0], arrC], type: T.bool };
}

function bindFuncCall(n: any, cx: ExprContext, pos?: number): Expr {
  const parts = names(n.funcname);
  const name = parts[parts.length - 1];
  const expandArray = name === '_pg_expandarray' && parts.length === 2 && parts[0] === 'information_schema';
  if (parts.length > 1 && parts[0] !== 'pg_catalog' && !expandArray) throw unsupported(`function ${parts.join('.')}`, pos);
  if (n.over) return bindWindowCall(name, n, cx, pos);
  if (WINDOW_ONLY.has(name)) throw new SqlError('42809', `window function ${name} requires an OVER clause`, { position: pos });
  if (expandArray || ((name === 'unnest' || name === 'generate_series') && !n.agg_star)) {
    const srf = bindSrfCall(expandArray ? '_pg_expandarray' : (name as 'unnest' | 'generate_series'), n, cx, pos);
    if (srf) return srf;
  }
  if (n.agg_within_group) throw unsupported('WITHIN GROUP', pos);
  if (n.func_variadic) throw unsupported('VARIADIC', pos);
  if (AGGREGATES.has(name)) return bindAggregate(name, n, cx, pos);
  if (pg15IsAggregate(name)) throw unsupported(`aggregate ${name}()`, pos);
  if (n.agg_star || n.agg_distinct || n.agg_order || n.agg_filter) {
    throw new SqlError(SQLSTATE.WRONG_OBJECT_TYPE, `${name} is not an aggregate function`, { position: pos });
  }
  const args = ((n.args ?? []) as any[]).map((a) => bindExpr(a, cx));
  let r;
  try {
    r = resolveFunction(name, args.map((a) => a.type));
  } catch (e) {
    const cast = args.length === 1 && !n.agg_star ? functionStyleCast(name, args[0], cx, pos) : null;
    if (cast) return cast;
    if (e instanceof SqlError && e.position === undefined) e.position = pos;
    throw e;
  }
  return {
    kind: 'call',
    fn: r.impl.name,
    args: args.map((a, i) => coerce(a, r.argTypes[i], 'implicit', cx.params, pos)),
    type: r.returnType,
  };
}

/**
 * `text(x)`, `numeric(x)`, `date(x)`: a call of one argument named after a type, where no
 * function matches, is a cast (func_get_detail's FUNCDETAIL_COERCION). PostgreSQL also has
 * functions of those names for most casts (int8(integer), date(timestamp)), which behave as
 * the cast does; only pg_type's own names count, not SQL spellings such as integer.
 */
function functionStyleCast(name: string, arg: Expr, cx: ExprContext, pos?: number): Expr | null {
  const id = typeIdFromName(name);
  if (!id || id !== name.toLowerCase() || id === 'unknown' || elementType(type(id))) return null;
  const target = type(id);
  if (arg.type.id !== 'unknown' && !canCast(arg.type, target, 'explicit')) return null;
  return coerce(arg, target, 'explicit', cx.params, pos);
}

function bindAggregate(name: string, n: any, cx: ExprContext, pos?: number): Expr {
  if (!cx.aggs) {
    throw new SqlError(SQLSTATE.GROUPING_ERROR, `aggregate functions are not allowed in ${cx.clause}`, { position: pos });
  }
  if (cx.aggs.inside) {
    throw new SqlError(SQLSTATE.GROUPING_ERROR, 'aggregate function calls cannot be nested', { position: pos });
  }
  if (n.agg_order) throw unsupported('ORDER BY in aggregate calls', pos);
  const argNodes: any[] = n.args ?? [];
  const inner: ExprContext = { ...cx, aggs: { ...cx.aggs, inside: true }, subqueries: undefined };
  inner.aggs!.aggs = cx.aggs.aggs; // share the list
  const filter = n.agg_filter ? coerceBoolean(bindExpr(n.agg_filter, { ...inner, clause: 'FILTER' }), 'FILTER', cx.params, pos) : null;
  let fn: AggFn;
  let arg: Expr | null = null;
  if (name === 'count' && n.agg_star) {
    if (filter) {
      // count(*) FILTER (WHERE f) counts rows where f is true: count(CASE WHEN f THEN 1 END)
      fn = 'count';
      arg = { kind: 'case', whens: [{ when: filter, then: { kind: 'literal', value: 1, type: T.int4 } }], else: { kind: 'literal', value: null, type: T.int4 }, type: T.int4 };
    } else fn = 'count_star';
  } else {
    if (argNodes.length !== 1) {
      throw new SqlError(SQLSTATE.UNDEFINED_FUNCTION, `function ${name}(${argNodes.length === 0 ? '' : '...'}) does not exist`, { position: pos });
    }
    arg = resolveUnknown(bindExpr(argNodes[0], inner), cx.params);
    if (filter) arg = { kind: 'case', whens: [{ when: filter, then: arg }], else: { kind: 'literal', value: null, type: arg.type }, type: arg.type, aggFilter: true };
    fn = name === 'every' ? 'bool_and' : (name as AggFn);
  }
  const t = aggregateType(fn, arg, name, pos);
  if (arg && (fn === 'bool_and' || fn === 'bool_or')) arg = coerce(arg, T.bool, 'implicit', cx.params, pos);
  // The same aggregate written twice (SELECT list and HAVING, say) is computed once.
  const call: AggCall = { fn, arg, distinct: !!n.agg_distinct, type: t };
  const key = structuralKey(call);
  let k = cx.aggs.aggs.findIndex((a) => structuralKey(a) === key);
  if (k < 0) {
    k = cx.aggs.aggs.length;
    cx.aggs.aggs.push(call);
  }
  return { kind: 'column', index: AGG_MARKER_BASE - k, type: t };
}

/** Result types of the built-in aggregates, as pg_aggregate declares them. */
function aggregateType(fn: AggFn, arg: Expr | null, name: string, pos?: number): SqlType {
  const at = arg?.type;
  const noFn = () =>
    new SqlError(SQLSTATE.UNDEFINED_FUNCTION, `function ${name}(${at ? formatTypeName(at) : ''}) does not exist`, {
      position: pos,
      hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
    });
  switch (fn) {
    case 'count_star':
    case 'count':
      return T.int8;
    case 'sum':
      switch (at!.id) {
        case 'int2': case 'int4': return T.int8;
        case 'int8': case 'numeric': return T.numeric;
        case 'float4': return T.float4;
        case 'float8': return T.float8;
        case 'interval': return T.interval;
        default: throw noFn();
      }
    case 'avg':
      switch (at!.id) {
        case 'int2': case 'int4': case 'int8': case 'numeric': return T.numeric;
        case 'float4': case 'float8': return T.float8;
        case 'interval': return T.interval;
        default: throw noFn();
      }
    case 'min':
    case 'max':
      if (at!.id === 'bool' || at!.id === 'jsonb') throw noFn();
      return at!.id === 'varchar' ? T.text : type(at!.id);
    case 'bool_and':
    case 'bool_or':
      if (at!.id !== 'bool' && at!.id !== 'unknown') throw noFn();
      return T.bool;
  }
}

function formatTypeName(t: SqlType): string {
  return t.id === 'unknown' ? 'unknown' : ({ int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision', bool: 'boolean', varchar: 'character varying', bpchar: 'character', timestamptz: 'timestamp with time zone', timestamp: 'timestamp without time zone' } as Record<string, string>)[t.id] ?? t.id;
}

function bindSqlValueFunction(n: any, cx: ExprContext, pos?: number): Expr {
  const call = (fn: string): Expr => {
    const r = resolveFunction(fn, []);
    return { kind: 'call', fn: r.impl.name, args: [], type: r.returnType };
  };
  switch (n.op as string) {
    case 'SVFOP_CURRENT_DATE':
      return call('current_date');
    case 'SVFOP_CURRENT_TIMESTAMP':
      return call('now');
    case 'SVFOP_LOCALTIMESTAMP':
      return coerce(call('now'), T.timestamp, 'assignment', cx.params, pos);
    // the connection's user and database (expr/functions/session_info.ts)
    case 'SVFOP_CURRENT_USER':
    case 'SVFOP_CURRENT_ROLE':
    case 'SVFOP_USER':
    case 'SVFOP_SESSION_USER':
      return call('current_user');
    case 'SVFOP_CURRENT_CATALOG':
      return call('current_database');
    case 'SVFOP_CURRENT_SCHEMA':
      return call('current_schema');
    default:
      throw unsupported(String(n.op).replace('SVFOP_', '').toLowerCase(), pos);
  }
}

// ---- window functions and SELECT-list set-returning functions ------------------------------

function postMarkerContextCheck(cx: ExprContext, what: string, pos?: number): PostCollector {
  if (!cx.post) {
    // a SELECT list or ORDER BY bound without a collector: a subquery used as an expression
    if (cx.clause === 'SELECT' || cx.clause === 'ORDER BY') throw unsupported(`${what === 'window' ? 'window' : 'set-returning'} functions in a subquery used as an expression`, pos);
    const clause = cx.clause;
    throw new SqlError(what === 'window' ? '42P20' : '0A000', what === 'window' ? `window functions are not allowed in ${clause}` : `set-returning functions are not allowed in ${clause}`, { position: pos });
  }
  return cx.post;
}

function bindWindowCall(name: string, n: any, cx: ExprContext, pos?: number): Expr {
  const post = postMarkerContextCheck(cx, 'window', pos);
  if (cx.aggs?.inside) throw new SqlError(SQLSTATE.GROUPING_ERROR, 'aggregate function calls cannot contain window function calls', { position: pos });
  if (post.insideWindow) throw new SqlError('42P20', 'window function calls cannot be nested', { position: pos });
  const w = n.over;
  if (w.name || w.refname) throw unsupported('named windows (OVER name)', pos);
  if (n.agg_distinct) throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'DISTINCT is not implemented for window functions', { position: pos });
  if (n.agg_order) throw unsupported('ORDER BY in aggregate calls', pos);
  const inner: ExprContext = { ...cx, post: { ...post, insideWindow: true }, subqueries: undefined };
  inner.post!.windows = post.windows;
  inner.post!.srfs = post.srfs;
  const argNodes: any[] = n.args ?? [];
  const bindArg = (a: any) => resolveUnknown(bindExpr(a, inner), cx.params);
  let fn: WindowFn;
  let args: Expr[];
  let t: SqlType;
  if (AGGREGATES.has(name)) {
    const filter = n.agg_filter ? coerceBoolean(bindExpr(n.agg_filter, { ...inner, clause: 'FILTER' }), 'FILTER', cx.params, pos) : null;
    if (name === 'count' && n.agg_star) {
      if (filter) {
        fn = 'count';
        args = [{ kind: 'case', whens: [{ when: filter, then: { kind: 'literal', value: 1, type: T.int4 } }], else: { kind: 'literal', value: null, type: T.int4 }, type: T.int4 }];
      } else {
        fn = 'count_star';
        args = [];
      }
    } else {
      if (argNodes.length !== 1) throw new SqlError(SQLSTATE.UNDEFINED_FUNCTION, `function ${name}(${argNodes.length === 0 ? '' : '...'}) does not exist`, { position: pos });
      let arg = bindArg(argNodes[0]);
      if (filter) arg = { kind: 'case', whens: [{ when: filter, then: arg }], else: { kind: 'literal', value: null, type: arg.type }, type: arg.type, aggFilter: true };
      fn = name === 'every' ? 'bool_and' : (name as AggFn);
      args = [arg];
    }
    t = aggregateType(fn as AggFn, args[0] ?? null, name, pos);
    if (args.length && (fn === 'bool_and' || fn === 'bool_or')) args = [coerce(args[0], T.bool, 'implicit', cx.params, pos)];
  } else if (WINDOW_ONLY.has(name)) {
    if (n.agg_star || n.agg_filter) throw unsupported(`${n.agg_star ? '*' : 'FILTER'} in a call of window function ${name}`, pos);
    fn = name as WindowFn;
    const bound = argNodes.map((a) => bindExpr(a, inner));
    const sig = (types: string) => new SqlError(SQLSTATE.UNDEFINED_FUNCTION, `function ${name}(${types}) does not exist`, {
      position: pos,
      hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
    });
    const typesText = () => bound.map((b) => formatTypeName(b.type)).join(', ');
    const asInt = (e: Expr) => {
      try {
        return coerce(e, T.int4, 'implicit', cx.params, pos);
      } catch {
        throw sig(typesText());
      }
    };
    switch (name) {
      case 'row_number': case 'rank': case 'dense_rank': case 'percent_rank': case 'cume_dist':
        if (bound.length) throw sig(typesText());
        args = [];
        t = name === 'percent_rank' || name === 'cume_dist' ? T.float8 : T.int8;
        break;
      case 'ntile':
        if (bound.length !== 1) throw sig(typesText());
        args = [asInt(bound[0])];
        t = T.int4;
        break;
      case 'first_value': case 'last_value':
        if (bound.length !== 1) throw sig(typesText());
        args = [resolveUnknown(bound[0], cx.params)];
        t = args[0].type;
        break;
      case 'nth_value':
        if (bound.length !== 2) throw sig(typesText());
        args = [resolveUnknown(bound[0], cx.params), asInt(bound[1])];
        t = args[0].type;
        break;
      default: { // lag, lead (value [, offset [, default]]): value and default are anycompatible
        if (bound.length < 1 || bound.length > 3) throw sig(typesText());
        let v = bound[0];
        if (bound.length === 3) {
          const ct = commonType([v.type, bound[2].type], name);
          const ct2 = ct.id === 'unknown' ? T.text : ct;
          args = [coerce(v, ct2, 'implicit', cx.params, pos), asInt(bound[1]), coerce(bound[2], ct2, 'implicit', cx.params, pos)];
        } else {
          v = resolveUnknown(v, cx.params);
          args = bound.length === 2 ? [v, asInt(bound[1])] : [v];
        }
        t = args[0].type;
      }
    }
  } else {
    throw new SqlError('42809', `OVER specified, but ${name} is not a window function nor an aggregate function`, { position: pos });
  }
  const partitionBy = ((w.partitionClause ?? []) as any[]).map((p) => resolveUnknown(bindExpr(p, inner), cx.params));
  const orderBy: SortKey[] = ((w.orderClause ?? []) as any[]).map((s) => {
    const sb = s.SortBy;
    if (sb.useOp) throw unsupported('ORDER BY ... USING', pos);
    const desc = sb.sortby_dir === 'SORTBY_DESC';
    const nulls: string = sb.sortby_nulls;
    return { expr: resolveUnknown(bindExpr(sb.node, inner), cx.params), desc, nullsFirst: nulls === 'SORTBY_NULLS_FIRST' ? true : nulls === 'SORTBY_NULLS_LAST' ? false : desc };
  });
  const frame = bindFrame(w, cx, pos);
  const call: WindowCall = { fn, args, partitionBy, orderBy, frame, type: t };
  // the same window call written twice is computed once (where it was written does not matter)
  const key = structuralKey(call);
  let k = post.windows.findIndex((c) => structuralKey(c) === key);
  if (k < 0) {
    k = post.windows.length;
    post.windows.push(call);
  }
  return { kind: 'column', index: WINDOW_MARKER_BASE - k, type: t };
}

// frameOptions bits (nodes/parsenodes.h)
const FO = {
  RANGE: 0x2, ROWS: 0x4, GROUPS: 0x8,
  START_UNBOUNDED_PRECEDING: 0x20, END_UNBOUNDED_FOLLOWING: 0x100,
  START_CURRENT_ROW: 0x200, END_CURRENT_ROW: 0x400,
  START_OFFSET_PRECEDING: 0x800, END_OFFSET_PRECEDING: 0x1000,
  START_OFFSET_FOLLOWING: 0x2000, END_OFFSET_FOLLOWING: 0x4000,
  EXCLUDE: 0x8000 | 0x10000 | 0x20000,
};

function bindFrame(w: any, cx: ExprContext, pos?: number): WindowCall['frame'] {
  const o: number = w.frameOptions ?? 0;
  if (o & FO.GROUPS) throw unsupported('GROUPS frames', pos);
  if (o & FO.EXCLUDE) throw unsupported('frame EXCLUDE', pos);
  const mode = o & FO.ROWS ? 'rows' : 'range';
  const offset = (node: any, which: string): Expr => {
    if (mode === 'range') throw unsupported(`RANGE with offset ${which}`, pos);
    const e = bindExpr(node, { ...cx, post: undefined, aggs: undefined, subqueries: undefined, clause: 'ROWS' });
    if (hasColumns(e)) throw new SqlError('42P10', 'argument of ROWS must not contain variables', { position: pos });
    return coerce(e, T.int8, 'implicit', cx.params, pos);
  };
  const start: FrameBound =
    o & FO.START_UNBOUNDED_PRECEDING ? { kind: 'unbounded_preceding', offset: null }
    : o & FO.START_OFFSET_PRECEDING ? { kind: 'preceding', offset: offset(w.startOffset, 'PRECEDING') }
    : o & FO.START_OFFSET_FOLLOWING ? { kind: 'following', offset: offset(w.startOffset, 'FOLLOWING') }
    : { kind: 'current_row', offset: null };
  const end: FrameBound =
    o & FO.END_UNBOUNDED_FOLLOWING ? { kind: 'unbounded_following', offset: null }
    : o & FO.END_OFFSET_PRECEDING ? { kind: 'preceding', offset: offset(w.endOffset, 'PRECEDING') }
    : o & FO.END_OFFSET_FOLLOWING ? { kind: 'following', offset: offset(w.endOffset, 'FOLLOWING') }
    : { kind: 'current_row', offset: null };
  return { mode, start, end };
}

/** unnest / generate_series / information_schema._pg_expandarray in a SELECT list. */
function bindSrfCall(fn: SrfCall['fn'], n: any, cx: ExprContext, pos?: number): Expr | null {
  if (n.agg_distinct || n.agg_order || n.agg_filter) return null;
  const argNodes: any[] = n.args ?? [];
  // (the FROM-clause forms are bound in bind_from.ts)
  const post = postMarkerContextCheck(cx, 'srf', pos);
  if (post.insideWindow || cx.aggs?.inside) {
    throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `${cx.aggs?.inside ? 'aggregate' : 'window'} function calls cannot contain set-returning function calls`, { position: pos });
  }
  const args = argNodes.map((a) => bindExpr(a, { ...cx, post: undefined }));
  let t: SqlType;
  let bound: Expr[];
  const noFn = () => new SqlError(SQLSTATE.UNDEFINED_FUNCTION, `function ${fn}(${args.map((a) => formatTypeName(a.type)).join(', ')}) does not exist`, { position: pos });
  if (fn === 'generate_series') {
    if (args.length < 2 || args.length > 3) throw noFn();
    const ids = args.map((a) => a.type.id);
    const big = ids.includes('int8');
    if (!ids.every((id) => id === 'int2' || id === 'int4' || id === 'int8' || id === 'unknown')) throw unsupported(`generate_series(${args.map((a) => formatTypeName(a.type)).join(', ')}) in a SELECT list`, pos);
    t = big ? T.int8 : T.int4;
    bound = args.map((a) => coerce(a, t, 'implicit', cx.params, pos));
  } else {
    if (args.length !== 1) throw noFn();
    const a = args[0];
    const et = elementType(a.type);
    if (!et) {
      if (a.type.id === 'unknown') throw new SqlError(SQLSTATE.AMBIGUOUS_FUNCTION, `function ${fn}(unknown) is not unique`, { position: pos });
      throw noFn();
    }
    bound = [a];
    t = fn === 'unnest' ? et : { id: 'record', typmod: recordTypmod(['x', 'n'], [et, T.int4]) };
  }
  const call: SrfCall = { fn, args: bound, type: t };
  const key = structuralKey(call);
  let k = post.srfs.findIndex((c) => structuralKey(c) === key);
  if (k < 0) {
    k = post.srfs.length;
    post.srfs.push(call);
  }
  return { kind: 'column', index: SRF_MARKER_BASE - k, type: t };
}

function hasColumns(e: Expr): boolean {
  if (e.kind === 'column') return true;
  return children(e).some(hasColumns);
}
