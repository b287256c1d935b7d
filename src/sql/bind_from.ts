// Binding the FROM clause: relations, subqueries, CTE references and joins, each yielding a
// plan plus the scope of columns it makes visible.

import { CHECK_EVERY, checkHeap } from '../dataflow/memory.js';
import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import type { Expr } from '../expr/expr.js';
import type { Field, JoinType, Plan } from '../plan/logical.js';
import { nodeTag, strVal } from './parser.js';
import { Scope, type ScopeColumn } from './scope.js';
import { T, elementType, formatType, isArrayType, type SqlType } from './types.js';
import { columnsUsed, conjuncts, hasParams } from '../expr/expr.js';
import { andOf, isPure } from '../plan/rules/pushdown.js';
import { foldConstants } from '../plan/rules/fold_constants.js';
import { evalConstant } from '../expr/compile.js';
import { parseValue } from '../expr/cast.js';
import { PgArray } from '../expr/array.js';
import type { Value } from '../expr/value.js';
import { applyOperator } from './bind_expr.js';
import { bindExprIn, type BindEnv } from './bind_env.js';
import { coerce, coerceBoolean, resolveUnknown } from './coerce.js';
import { commonType } from '../expr/cast.js';
import { bindQuery } from './bind_select.js';
import { findSystemRelation } from '../catalog/system/relations.js';
import { seriesRelation } from '../engine/series.js';
import { activeInfo, setActiveCatalog } from '../catalog/system/functions.js';
import { bindWindowTvf } from './bind_window_tvf.js';

/** Dependency name recorded for a system relation (views over them are refused). */
export const SYSTEM_RELATION_PREFIX = '\0system:';

/** A FROM plan that can have no rows whatever the data (an always-empty system relation). */
export function isEmptyPlan(p: Plan): boolean {
  switch (p.kind) {
    case 'values':
      return p.rows.length === 0;
    case 'filter':
    case 'project':
      return isEmptyPlan(p.input);
    case 'join':
      return p.type === 'inner' ? isEmptyPlan(p.left) || isEmptyPlan(p.right) : p.type === 'left' ? isEmptyPlan(p.left) : p.type === 'right' ? isEmptyPlan(p.right) : isEmptyPlan(p.left) && isEmptyPlan(p.right);
    default:
      return false;
  }
}

export interface FromItem {
  plan: Plan;
  columns: ScopeColumn[];
}

export function bindFromList(items: any[], env: BindEnv): FromItem {
  if (items.length === 0) return { plan: { kind: 'values', rows: [[]], schema: [] }, columns: [] };
  let acc = bindFromItem(items[0], env);
  for (let i = 1; i < items.length; i++) {
    const right = bindFromItem(items[i], env);
    checkDistinctNames(acc.columns, right.columns);
    acc = joinItems(acc, right, 'inner', null);
  }
  return acc;
}

/** PostgreSQL: two FROM items may not have the same name (alias) at one level. */
function checkDistinctNames(left: ScopeColumn[], right: ScopeColumn[]): void {
  const names = new Set(left.map((c) => c.qualifier).filter((q) => q !== null));
  for (const c of right) {
    if (c.qualifier !== null && names.has(c.qualifier)) {
      throw new SqlError(SQLSTATE.DUPLICATE_ALIAS, `table name "${c.qualifier}" specified more than once`);
    }
  }
}

function bindFromItem(node: any, env: BindEnv): FromItem {
  const tag = nodeTag(node);
  const n = node[tag];
  const pos = n.location !== undefined ? n.location + 1 : undefined;
  switch (tag) {
    case 'RangeVar':
      return bindRangeVar(n, env, pos);
    case 'RangeSubselect': {
      if (n.lateral) throw unsupported('LATERAL', pos);
      const plan = bindQuery(n.subquery.SelectStmt, { ...env, outer: null, keepUnknown: false });
      if (!n.alias) {
        // PostgreSQL 15 requires an alias for a subquery in FROM
        throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'subquery in FROM must have an alias', {
          hint: 'For example, FROM (SELECT ...) [AS] foo.',
          position: pos,
        });
      }
      return aliased(plan, n.alias, pos);
    }
    case 'JoinExpr':
      return bindJoin(n, env, pos);
    case 'RangeFunction':
      return bindRangeFunction(n, env, pos);
    default:
      throw unsupported(`FROM item ${tag}`, pos);
  }
}

/**
 * A set-returning function in FROM: unnest(array) or generate_series(start, stop[, step]) over
 * integers, [WITH ORDINALITY]; the time window functions TUMBLE and HOP (bind_window_tvf.ts). Arguments must be constant (no columns, no parameters). unnest's
 * rows are computed at bind time into a VALUES plan; generate_series is a scan of a
 * pseudo-relation made lazily where the plan is run (engine/series.ts). Outer references are allowed only where the
 * outer column is NULL in every row (see bind_subquery.ts), which makes the argument NULL.
 */
function bindRangeFunction(n: any, env: BindEnv, pos?: number): FromItem {
  if (n.lateral) throw unsupported('LATERAL', pos);
  if (n.is_rowsfrom || (n.functions ?? []).length !== 1) throw unsupported('ROWS FROM', pos);
  const [call, coldefs] = n.functions[0].List.items;
  if (coldefs && Object.keys(coldefs).length) throw unsupported('column definition lists', pos);
  if (nodeTag(call) !== 'FuncCall') throw unsupported('this function in FROM', pos);
  const fc = call.FuncCall;
  const parts: string[] = fc.funcname.map(strVal);
  const fname = parts[parts.length - 1];
  if (parts.length > 1 && parts[0] !== 'pg_catalog') throw unsupported(`function ${parts.join('.')} in FROM`, pos);
  if ((fname === 'tumble' || fname === 'hop') && parts.length === 1) {
    if (n.ordinality) throw unsupported(`${fname}() WITH ORDINALITY`, pos);
    return bindWindowTvf(fname, fc, n.alias, env, (name) => bindRangeVar(name, env, pos), pos);
  }
  const scope = new Scope([], env.outer);
  const args = ((fc.args ?? []) as any[]).map((a) => {
    try {
      return bindExprIn(a, scope, env, 'FROM');
    } catch (e) {
      // PostgreSQL makes a function in FROM implicitly LATERAL: other FROM items are visible
      if (e instanceof SqlError && (e.code === SQLSTATE.UNDEFINED_TABLE || e.code === SQLSTATE.UNDEFINED_COLUMN)) throw unsupported(`${fname}() over columns of other FROM items (LATERAL)`, pos);
      throw e;
    }
  });
  const constant = (e: Expr): Value => {
    if (columnsUsed(e).size > 0 || hasParams(e)) throw unsupported(`${fname}() over columns or parameters in FROM`, pos);
    return evalConstant(e);
  };
  let elemType: SqlType;
  let values: Value[];
  if (fname === 'unnest' && args.length === 1) {
    const t = args[0].type;
    if (t.id === 'unknown') {
      throw new SqlError(SQLSTATE.AMBIGUOUS_FUNCTION, 'function unnest(unknown) is not unique', {
        position: pos,
        hint: 'Could not choose a best candidate function. You might need to add explicit type casts.',
      });
    }
    const et = elementType(t);
    if (!et || t.id.endsWith('vector')) {
      throw new SqlError(SQLSTATE.UNDEFINED_FUNCTION, `function unnest(${formatType(t)}) does not exist`, { position: pos });
    }
    elemType = et;
    const v = constant(args[0]);
    values = v === null ? [] : [...(v as PgArray).elems];
  } else if (fname === 'generate_series' && (args.length === 2 || args.length === 3)) {
    const types = args.map((a) => (a.type.id === 'unknown' ? T.int4 : a.type));
    const big = types.some((t) => t.id === 'int8');
    if (!types.every((t) => t.id === 'int2' || t.id === 'int4' || t.id === 'int8')) {
      throw unsupported(`generate_series(${types.map(formatType).join(', ')})`, pos);
    }
    elemType = big ? T.int8 : T.int4;
    const vs = args.map((a) => coerce(a, elemType, 'implicit', env.params, pos)).map(constant);
    values = [];
    if (!vs.some((x) => x === null)) {
      const [start, stop, step] = vs.map((x) => BigInt(x as number | bigint));
      const st = step ?? 1n;
      if (st === 0n) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'step size cannot equal zero');
      const name = fname;
      const schema: Field[] = [{ name: n.alias && !(n.alias.colnames?.length) ? n.alias.aliasname : name, type: elemType, nullable: true }];
      if (n.ordinality) schema.push({ name: 'ordinality', type: T.int8, nullable: false });
      const relation = seriesRelation({ big, start, stop, step: st, ordinality: !!n.ordinality });
      return aliased({ kind: 'scan', relation, relKind: 'table', schema }, n.alias ?? { aliasname: fname }, pos);
    }
  } else {
    // a function returning one value is a relation of one row (PostgreSQL's FROM f(x) AS s)
    const e = resolveUnknown(bindExprIn(call, scope, env, 'FROM'), env.params);
    if (e.kind !== 'call') throw unsupported(`function ${fname}() in FROM`, pos);
    elemType = e.type;
    values = [constant(e)];
  }
  const alias = n.alias ?? { aliasname: fname };
  const schema: Field[] = [{ name: n.alias && !(n.alias.colnames?.length) ? n.alias.aliasname : fname, type: elemType, nullable: true }];
  if (n.ordinality) schema.push({ name: 'ordinality', type: T.int8, nullable: false });
  const rows = values.map((v, i): Expr[] => {
    const r: Expr[] = [{ kind: 'literal', value: v, type: elemType }];
    if (n.ordinality) r.push({ kind: 'literal', value: BigInt(i + 1), type: T.int8 });
    return r;
  });
  return aliased({ kind: 'values', rows, schema }, alias, pos);
}

function bindRangeVar(n: any, env: BindEnv, pos?: number): FromItem {
  const name: string = n.relname;
  if (!n.schemaname) {
    const cte = env.ctes.get(name);
    if (cte) return aliased(cte, n.alias ?? { aliasname: name }, pos);
  }
  const sys = findSystemRelation(name, n.schemaname);
  if (sys) {
    // a snapshot of the live catalog, as constant rows (system relations are not incremental)
    env.dependencies.add(SYSTEM_RELATION_PREFIX + sys.name);
    setActiveCatalog(env.catalog);
    const schema: Field[] = sys.columns.map(([cname, type]) => ({ name: cname, type, nullable: true }));
    // array columns may be given in their text form
    const rows = sys.rows(activeInfo()).map((r) =>
      r.map((value, i): Expr => ({ kind: 'literal', value: typeof value === 'string' && isArrayType(schema[i].type) ? parseValue(value, schema[i].type) : value, type: schema[i].type })),
    );
    return aliased({ kind: 'values', rows, schema }, n.alias ?? { aliasname: name }, pos);
  }
  let entry;
  try {
    entry = env.catalog.resolve(name, n.schemaname);
  } catch (e) {
    if (e instanceof SqlError) e.position = pos;
    throw e;
  }
  if (entry.kind === 'materialized view' && entry.broken) throw entry.broken;
  env.dependencies.add(entry.name);
  let plan: Plan;
  if (entry.kind === 'view') plan = entry.plan;
  else {
    const schema: Field[] =
      entry.kind === 'table'
        ? entry.columns.map((c) => ({ name: c.name, type: c.type, nullable: !c.notNull }))
        : entry.columns;
    plan = { kind: 'scan', relation: entry.name, relKind: entry.kind, schema };
  }
  return aliased(plan, n.alias ?? { aliasname: name }, pos);
}

/** Expose a plan's columns under an alias, optionally renaming them: `AS x(a, b)`. */
function aliased(plan: Plan, alias: any, pos?: number): FromItem {
  const q: string = alias.aliasname;
  const renames: string[] = (alias.colnames ?? []).map(strVal);
  if (renames.length > plan.schema.length) {
    throw new SqlError(SQLSTATE.INVALID_COLUMN_REFERENCE, `table "${q}" has ${plan.schema.length} columns available but ${renames.length} columns specified`, { position: pos });
  }
  const schema = plan.schema.map((f, i) => ({ ...f, name: renames[i] ?? f.name }));
  return {
    plan: renames.length ? { ...plan, schema } as Plan : plan,
    columns: schema.map((f) => ({ qualifier: q, name: f.name, type: f.type, nullable: f.nullable })),
  };
}

function joinItems(left: FromItem, right: FromItem, type: JoinType, on: Expr | null): FromItem {
  const nl = left.columns.map((c) => ({ ...c, nullable: c.nullable || type === 'right' || type === 'full' }));
  const nr = right.columns.map((c) => ({ ...c, nullable: c.nullable || type === 'left' || type === 'full' }));
  const columns = [...nl, ...nr];
  const schema: Field[] = columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }));
  return {
    plan: { kind: 'join', type, left: left.plan, right: right.plan, on, leftKeys: [], rightKeys: [], schema },
    columns,
  };
}

/** No column (of this query or an outer one), nothing volatile, not already TRUE or FALSE. */
function isConstantQual(e: Expr): boolean {
  if (e.kind === 'literal') return e.value !== true && e.value !== false;
  return columnsUsed(e).size === 0 && isPure(e);
}

function bindJoin(n: any, env: BindEnv, pos?: number): FromItem {
  const left = bindFromItem(n.larg, env);
  const right = bindFromItem(n.rarg, env);
  checkDistinctNames(left.columns, right.columns);
  const jt: string = n.jointype;
  const type: JoinType = jt === 'JOIN_LEFT' ? 'left' : jt === 'JOIN_RIGHT' ? 'right' : jt === 'JOIN_FULL' ? 'full' : 'inner';
  if (jt !== 'JOIN_INNER' && type === 'inner') throw unsupported(jt, pos);

  let using: string[] = (n.usingClause ?? []).map(strVal);
  if (n.isNatural) {
    const rightNames = new Set(right.columns.filter((c) => !c.hidden).map((c) => c.name));
    using = left.columns.filter((c) => !c.hidden && rightNames.has(c.name)).map((c) => c.name);
  }

  if (using.length === 0 && !n.isNatural) {
    const scope = new Scope([...left.columns, ...right.columns], env.outer);
    let on = n.quals ? coerceBoolean(bindExprIn(n.quals, scope, env, 'JOIN/ON'), 'JOIN/ON', env.params, pos) : null;
    // PostgreSQL checks an inner join's ON conjunct that reads no column once, as a one-time
    // filter above the join (an outer join checks it on pairs of rows, like the rest)
    const gating = type === 'inner' && on && foldConstants(on).kind !== 'literal' ? conjuncts(on).filter(isConstantQual) : [];
    if (gating.length) on = andOf(conjuncts(on!).filter((c) => !gating.includes(c)));
    let item = joinItems(left, right, type, on);
    if (gating.length) {
      const filter: Plan = { kind: 'filter', input: { kind: 'values', rows: [[]], schema: [] }, predicate: andOf(gating)!, schema: [] };
      const gate: Plan = { kind: 'project', input: filter, exprs: [], schema: [] };
      item = { ...item, plan: { kind: 'join', type: 'inner', left: item.plan, right: gate, on: null, leftKeys: [], rightKeys: [], schema: item.plan.schema, gate: 'left' } };
    }
    if (n.alias) item = aliased(item.plan, n.alias, pos);
    return item;
  }

  // USING / NATURAL: equality on the named columns, and merged output columns first.
  const lscope = new Scope(left.columns);
  const rscope = new Scope(right.columns);
  const nl = left.columns.length;
  const conds: Expr[] = [];
  const merged: { expr: Expr; name: string; nullable: boolean }[] = [];
  const hideL = new Set<number>();
  const hideR = new Set<number>();
  for (const name of using) {
    const li = resolveUsing(lscope, name, 'left', pos);
    const ri = resolveUsing(rscope, name, 'right', pos);
    hideL.add(li);
    hideR.add(ri);
    const lc = left.columns[li];
    const rc = right.columns[ri];
    const t = commonType([lc.type, rc.type], 'JOIN/USING');
    const le = coerce({ kind: 'column', index: li, type: lc.type }, t, 'implicit', env.params);
    const re = coerce({ kind: 'column', index: nl + ri, type: rc.type }, t, 'implicit', env.params);
    conds.push(applyOperator('=', le, re, env, pos));
    const expr: Expr =
      type === 'full' ? { kind: 'coalesce', args: [le, re], type: t } : type === 'right' ? re : le;
    merged.push({ expr, name, nullable: type === 'full' ? lc.nullable && rc.nullable : type === 'right' ? rc.nullable : lc.nullable });
  }
  const on: Expr | null = conds.length === 0 ? null : conds.length === 1 ? conds[0] : { kind: 'and', args: conds, type: T.bool };
  const joined = joinItems(left, right, type, on);
  const exprs: Expr[] = [
    ...merged.map((m) => m.expr),
    ...joined.columns.map((c, i): Expr => ({ kind: 'column', index: i, type: c.type })),
  ];
  const columns: ScopeColumn[] = [
    ...merged.map((m) => ({ qualifier: null, name: m.name, type: m.expr.type, nullable: m.nullable })),
    ...joined.columns.map((c, i) => ({ ...c, hidden: i < nl ? hideL.has(i) : hideR.has(i - nl) })),
  ];
  const schema: Field[] = columns.map((c) => ({ name: c.name, type: c.type, nullable: c.nullable }));
  let item: FromItem = { plan: { kind: 'project', input: joined.plan, exprs, schema }, columns };
  if (n.alias) {
    // An alias on a USING join exposes only the visible columns under the new name.
    const visible = columns.map((c, i) => (c.hidden ? -1 : i)).filter((i) => i >= 0);
    const plan: Plan = {
      kind: 'project',
      input: item.plan,
      exprs: visible.map((i) => ({ kind: 'column', index: i, type: columns[i].type })),
      schema: visible.map((i) => schema[i]),
    };
    item = aliased(plan, n.alias, pos);
  }
  return item;
}

function resolveUsing(scope: Scope, name: string, side: string, pos?: number): number {
  const matches = scope.columns.map((c, i) => (c.name === name && !c.hidden ? i : -1)).filter((i) => i >= 0);
  if (matches.length === 0) {
    throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${name}" specified in USING clause does not exist in ${side} table`, { position: pos });
  }
  if (matches.length > 1) {
    throw new SqlError(SQLSTATE.AMBIGUOUS_COLUMN, `common column name "${name}" appears more than once in ${side} table`, { position: pos });
  }
  return matches[0];
}
