// Binding SELECT: FROM → WHERE → GROUP BY/aggregates → HAVING → SELECT list → DISTINCT →
// ORDER BY/LIMIT, plus VALUES, set operations and WITH, into a logical plan.

import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import { type Expr, children, conjuncts, mapChildren } from '../expr/expr.js';
import { getFunctionImpl } from '../expr/functions/registry.js';
import { andOf } from '../plan/rules/pushdown.js';
import { foldConstants } from '../plan/rules/fold_constants.js';
import type { Field, Plan, SortKey, WindowCall } from '../plan/logical.js';
import { commonType } from '../expr/cast.js';
import { nodeTag, parseSql, strVal } from './parser.js';
import { Scope, type ScopeColumn } from './scope.js';
import { AGG_MARKER_BASE, SRF_MARKER_BASE, WINDOW_MARKER_BASE, type AggCollector, type PostCollector } from './bind_expr.js';
import { bindExprIn, type BindEnv } from './bind_env.js';
import { coerce, coerceBoolean, resolveUnknown } from './coerce.js';
import { bindFromList, isEmptyPlan } from './bind_from.js';
import { SubqueryCollector, SUBQ_MARKER_BASE } from './bind_subquery.js';
import { exprKey } from './expr_key.js';
import { T } from './types.js';

export function bindQuery(stmt: any, env: BindEnv): Plan {
  let inner = env;
  if (stmt.withClause) inner = bindWith(stmt.withClause, env, stmt);
  if (stmt.op && stmt.op !== 'SETOP_NONE') return bindSetOp(stmt, inner);
  if (stmt.valuesLists) return withOrderLimit(bindValues(stmt.valuesLists, inner), stmt, inner);
  return bindSimpleSelect(stmt, inner);
}

function bindWith(w: any, env: BindEnv, stmt: any): BindEnv {
  if (w.recursive) throw unsupported('WITH RECURSIVE');
  const ctes = new Map(env.ctes);
  const next: BindEnv = { ...env, ctes, keepUnknown: false };
  for (const c of w.ctes as any[]) {
    const cte = c.CommonTableExpr;
    const q = cte.ctequery;
    if (nodeTag(q) !== 'SelectStmt') throw unsupported('data-modifying statements in WITH');
    let plan = bindQuery(q.SelectStmt, next);
    const names: string[] = (cte.aliascolnames ?? []).map(strVal);
    if (names.length) plan = { ...plan, schema: plan.schema.map((f, i) => ({ ...f, name: names[i] ?? f.name })) } as Plan;
    if (materializedCte(cte, stmt)) plan = { kind: 'project', input: plan, exprs: plan.schema.map((f, i): Expr => ({ kind: 'column', index: i, type: f.type })), schema: plan.schema, opaque: true };
    ctes.set(cte.ctename, plan);
  }
  return next;
}

/**
 * Whether PostgreSQL plans a CTE apart instead of inlining it (PostgreSQL 12+): when it is
 * MATERIALIZED, or referenced more than once and not NOT MATERIALIZED. Only constant folding
 * can tell the difference (it does not see through a materialized CTE).
 */
function materializedCte(cte: any, stmt: any): boolean {
  if (cte.ctematerialized === 'CTEMaterializeAlways') return true;
  if (cte.ctematerialized === 'CTEMaterializeNever') return false;
  let refs = 0;
  const visit = (n: any): void => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === 'object') {
      const rv = n.RangeVar;
      if (rv && rv.relname === cte.ctename && !rv.schemaname) refs++;
      for (const v of Object.values(n)) visit(v);
    }
  };
  visit(stmt);
  return refs > 1;
}

function bindValues(lists: any[], env: BindEnv): Plan {
  const scope = Scope.empty();
  const rows = lists.map((l) => (l.List.items as any[]).map((it) => bindExprIn(it, scope, env, 'VALUES')));
  const width = rows[0].length;
  if (rows.some((r) => r.length !== width)) {
    throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'VALUES lists must all be the same length');
  }
  const types = Array.from({ length: width }, (_, c) => commonType(rows.map((r) => r[c].type), 'VALUES'));
  const fixed = types.map((t) => (t.id === 'unknown' ? T.text : t));
  const out = rows.map((r) => r.map((e, c) => coerce(e, fixed[c], 'implicit', env.params)));
  const schema: Field[] = fixed.map((t, c) => ({ name: `column${c + 1}`, type: t, nullable: true }));
  return { kind: 'values', rows: out, schema };
}

function bindSetOp(stmt: any, env: BindEnv): Plan {
  const op: string = stmt.op;
  const word = op === 'SETOP_UNION' ? 'UNION' : op === 'SETOP_INTERSECT' ? 'INTERSECT' : 'EXCEPT';
  // A leaf SELECT keeps its untyped literals untyped, so that the set operation's common type
  // decides them (`SELECT 1 UNION SELECT NULL` is integer), as PostgreSQL's
  // transformSetOperationTree does; a nested set operation has already resolved them to text.
  const side = (n: any) => bindQuery(n, n.op && n.op !== 'SETOP_NONE' ? env : { ...env, keepUnknown: true });
  const left = side(stmt.larg);
  const right = side(stmt.rarg);
  if (left.schema.length !== right.schema.length) {
    throw new SqlError(SQLSTATE.SYNTAX_ERROR, `each ${word} query must have the same number of columns`);
  }
  const types = left.schema.map((f, i) => {
    const t = commonType([f.type, right.schema[i].type], word);
    return t.id === 'unknown' ? T.text : t;
  });
  const conform = (p: Plan): Plan => {
    if (p.schema.every((f, i) => f.type.id === types[i].id && f.type.typmod === types[i].typmod)) return p;
    const exprs = p.schema.map((f, i) => coerce({ kind: 'column', index: i, type: f.type }, types[i], 'implicit', env.params));
    return { kind: 'project', input: p, exprs, schema: p.schema.map((f, i) => ({ ...f, type: types[i] })) };
  };
  const schema: Field[] = left.schema.map((f, i) => ({ name: f.name, type: types[i], nullable: f.nullable || right.schema[i].nullable }));
  let plan: Plan;
  if (word === 'UNION') {
    plan = { kind: 'union', inputs: [conform(left), conform(right)], schema };
    if (!stmt.all) plan = { kind: 'distinct', input: plan, schema };
  } else {
    const kind = `${word.toLowerCase()}${stmt.all ? '_all' : ''}` as 'intersect' | 'intersect_all' | 'except' | 'except_all';
    plan = { kind: 'setop', op: kind, left: conform(left), right: conform(right), schema };
  }
  return withOrderLimit(plan, stmt, env);
}

/** ORDER BY / LIMIT over a finished result (set operations, VALUES): by output column only. */
function withOrderLimit(plan: Plan, stmt: any, env: BindEnv): Plan {
  const scope = new Scope(plan.schema.map((f) => ({ qualifier: null, name: f.name, type: f.type, nullable: f.nullable })));
  let out = plan;
  if (stmt.sortClause?.length) {
    const keys = (stmt.sortClause as any[]).map((s) => {
      const sb = s.SortBy;
      const expr = ordinalOrExpr(sb.node, plan.schema.map((f, i): Expr => ({ kind: 'column', index: i, type: f.type })), () =>
        bindExprIn(sb.node, scope, env, 'ORDER BY'),
      );
      return sortKey(expr, sb);
    });
    out = { kind: 'sort', input: out, keys, schema: out.schema };
  }
  return withLimit(out, stmt, env);
}

function withLimit(plan: Plan, stmt: any, env: BindEnv): Plan {
  if (!stmt.limitCount && !stmt.limitOffset) return plan;
  if (stmt.limitOption === 'LIMIT_OPTION_WITH_TIES') throw unsupported('FETCH ... WITH TIES');
  const scope = Scope.empty();
  const bindCount = (n: any) => {
    if (!n) return null;
    if (nodeTag(n) === 'A_Const' && n.A_Const.isnull) return null;
    return coerce(bindExprIn(n, scope, env, 'LIMIT'), T.int8, 'implicit', env.params);
  };
  return { kind: 'limit', input: plan, limit: bindCount(stmt.limitCount), offset: bindCount(stmt.limitOffset), schema: plan.schema };
}

/** A WHERE conjunct PostgreSQL makes a one-time (gating) filter: no column of this query's FROM, no correlated subquery, nothing volatile. */
function isGatingQual(e: Expr, subs: SubqueryCollector): boolean {
  switch (e.kind) {
    case 'column':
      return e.index <= SUBQ_MARKER_BASE && !subs.correlatedMarker(e.index) && !isOtherMarker(e.index);
    case 'call':
      if (getFunctionImpl(e.fn).volatile) return false;
      break;
    case 'literal':
      // WHERE true / false: folded by the optimizer anyway
      return e.value !== true && e.value !== false;
    default:
      break;
  }
  return children(e).every((c) => c.kind === 'literal' || isGatingQual(c, subs));
}

/** Marker ranges below the subquery columns' (outer references of an enclosing subquery, …). */
function isOtherMarker(index: number): boolean {
  return index <= SUBQ_MARKER_BASE - 1_000_000;
}

function subqueryMarkers(e: Expr, out: Set<number>): void {
  if (e.kind === 'column') {
    if (e.index <= SUBQ_MARKER_BASE) out.add(e.index);
    return;
  }
  for (const c of children(e)) subqueryMarkers(c, out);
}

/**
 * The one-time filter: the gating conjuncts over their subqueries, evaluated over one row (so
 * whatever the FROM holds), projected to no column. The query joins it with `gate: 'left'`.
 */
function gatingPlan(subs: SubqueryCollector, preds: Expr[]): Plan {
  let plan: Plan = subs.attach({ kind: 'values', rows: [[]], schema: [] });
  plan = { kind: 'filter', input: plan, predicate: SubqueryCollector.place(andOf(preds)!, 0), schema: plan.schema };
  return { kind: 'project', input: plan, exprs: [], schema: [] };
}

function sortKey(expr: Expr, sb: any): SortKey {
  if (sb.useOp) throw unsupported('ORDER BY ... USING');
  const desc = sb.sortby_dir === 'SORTBY_DESC';
  const nulls: string = sb.sortby_nulls;
  // PostgreSQL: NULLs sort as larger than any value, so first under DESC by default.
  const nullsFirst = nulls === 'SORTBY_NULLS_FIRST' ? true : nulls === 'SORTBY_NULLS_LAST' ? false : desc;
  return { expr, desc, nullsFirst };
}

function ordinalOrExpr(node: any, outputs: Expr[], bind: () => Expr): Expr {
  const k = outputOrdinal(node, 'ORDER BY', outputs.length);
  return k >= 0 ? outputs[k] : bind();
}

/**
 * A constant written as a GROUP BY or ORDER BY item names an output column by its position
 * (findTargetlistEntrySQL92): the 0-based column, or -1 when the item is not a constant. Only
 * an integer is a position (`2.5`, `'a'`, NULL, true are errors); parentheses do not matter,
 * a cast or an expression (`1::int`, `+1`) is an ordinary expression.
 */
function outputOrdinal(node: any, clause: 'GROUP BY' | 'ORDER BY' | 'DISTINCT ON', count: number): number {
  const c = node.A_Const;
  if (!c) return -1;
  const position = c.location !== undefined ? c.location + 1 : undefined;
  if (c.ival === undefined) throw new SqlError(SQLSTATE.SYNTAX_ERROR, `non-integer constant in ${clause}`, { position });
  const k: number = c.ival.ival ?? 0;
  if (k < 1 || k > count) throw new SqlError(SQLSTATE.INVALID_COLUMN_REFERENCE, `${clause} position ${k} is not in select list`, { position });
  return k - 1;
}

interface Target {
  expr: Expr;
  name: string;
  nullable: boolean;
}

function bindSimpleSelect(stmt: any, env: BindEnv): Plan {
  if (stmt.intoClause) throw unsupported('SELECT INTO');
  if (stmt.lockingClause?.length) throw unsupported('FOR UPDATE/SHARE');
  if (stmt.windowClause?.length) throw unsupported('WINDOW clauses');
  if (stmt.groupDistinct) throw unsupported('GROUP BY DISTINCT');
  const from = bindFromList(stmt.fromClause ?? [], env);
  const scope = new Scope(from.columns, env.outer);
  let plan = from.plan;

  if (stmt.whereClause) {
    const subs = new SubqueryCollector(env, from.plan);
    const pred = coerceBoolean(bindExprIn(stmt.whereClause, scope, env, 'WHERE', undefined, subs), 'WHERE', env.params);
    let rest = conjuncts(pred);
    // PostgreSQL evaluates a conjunct that reads no column of this query (and no volatile
    // function) once, as a one-time filter above the whole FROM: its uncorrelated subqueries
    // run even when the FROM has no rows, and a false one means the FROM is never read
    // (unless it simplifies to FALSE first: then nothing after the FALSE is looked at)
    const alwaysFalse = rest.length > 1 && foldConstants(pred).kind === 'literal';
    const gating = alwaysFalse ? [] : rest.filter((c) => isGatingQual(c, subs));
    let gate: Plan | null = null;
    if (gating.length) {
      rest = rest.filter((c) => !gating.includes(c));
      const markers = new Set<number>();
      for (const c of gating) subqueryMarkers(c, markers);
      const { taken, renumber } = subs.split(markers);
      rest = rest.map(renumber);
      gate = gatingPlan(taken, gating.map(renumber));
    }
    let restPred = andOf(rest);
    if (subs.joins.length) {
      const base = plan.schema.length;
      plan = subs.attach(plan);
      restPred = restPred && SubqueryCollector.place(restPred, base);
    }
    if (gate) plan = { kind: 'join', type: 'inner', left: plan, right: gate, on: null, leftKeys: [], rightKeys: [], schema: plan.schema, gate: 'left' };
    if (restPred) plan = { kind: 'filter', input: plan, predicate: restPred, schema: plan.schema };
  }

  // SELECT list (aggregates and subqueries collected as markers; laid out after grouping).
  const collector: AggCollector = { aggs: [], inside: false };
  const postSubs = new SubqueryCollector(env, from.plan);
  const post: PostCollector = { windows: [], srfs: [], insideWindow: false };
  const targets = bindTargets(stmt.targetList ?? [], scope, env, collector, postSubs, isEmptyPlan(from.plan), post, (stmt.groupClause ?? []).length > 0);
  const groupNodes: any[] = stmt.groupClause ?? [];
  for (const g of groupNodes) {
    const t = nodeTag(g);
    if (t === 'GroupingSet') throw unsupported('GROUPING SETS, ROLLUP and CUBE');
  }
  const groupBy = groupNodes.map((g) => bindGroupItem(g, targets, scope, env));
  const having = stmt.havingClause
    ? coerceBoolean(bindExprIn(stmt.havingClause, scope, env, 'HAVING', collector, postSubs), 'HAVING', env.params)
    : null;

  // ORDER BY keys (and DISTINCT ON's): an output column (ordinal, alias) or an expression over the input.
  const distinctOn: any[] | null = stmt.distinctClause?.some((d: any) => d && Object.keys(d).length > 0) ? stmt.distinctClause : null;
  const distinct = !!stmt.distinctClause && distinctOn === null;
  const resolveItem = (node: any, clause: 'ORDER BY' | 'DISTINCT ON') => {
    const k = outputOrdinal(node, clause, targets.length);
    if (k >= 0) return { output: k, expr: null as Expr | null };
    const cr = node.ColumnRef;
    if (cr && cr.fields.length === 1 && nodeTag(cr.fields[0]) === 'String') {
      const name = strVal(cr.fields[0]);
      const hits = targets.map((t, i) => (t.name === name ? i : -1)).filter((i) => i >= 0);
      if (hits.length > 1 && !hits.every((h) => exprKey(targets[h].expr) === exprKey(targets[hits[0]].expr))) {
        throw new SqlError(SQLSTATE.AMBIGUOUS_COLUMN, `${clause} "${name}" is ambiguous`);
      }
      if (hits.length >= 1) return { output: hits[0], expr: null };
    }
    return { output: -1, expr: bindExprIn(node, scope, env, clause, collector, postSubs, post) as Expr | null };
  };
  const sortNodes: any[] = stmt.sortClause ?? [];
  const order = sortNodes.map((s) => ({ sb: s.SortBy, ...resolveItem(s.SortBy.node, 'ORDER BY') }));
  const onItems = (distinctOn ?? []).map((node) => ({ node, ...resolveItem(node, 'DISTINCT ON') }));

  const grouped = groupBy.length > 0 || collector.aggs.length > 0 || having !== null;
  let targetExprs = targets.map((t) => t.expr);
  let orderExprs = order.map((o) => o.expr);
  let onExprs = onItems.map((o) => o.expr);
  let havingExpr = having;
  if (having && groupBy.length > 0) {
    // PostgreSQL moves a HAVING conjunct without aggregates into WHERE; one that reads no
    // column then gates the FROM like a WHERE one (see isGatingQual)
    const parts = conjuncts(having);
    const gating = parts.filter((c) => isGatingQual(c, postSubs));
    if (gating.length) {
      const markers = new Set<number>();
      for (const c of gating) subqueryMarkers(c, markers);
      const { taken, renumber } = postSubs.split(markers);
      havingExpr = andOf(parts.filter((c) => !gating.includes(c)).map(renumber));
      targetExprs = targetExprs.map(renumber);
      orderExprs = orderExprs.map((e) => (e ? renumber(e) : null));
      onExprs = onExprs.map((e) => (e ? renumber(e) : null));
      const gate = gatingPlan(taken, gating.map(renumber));
      plan = { kind: 'join', type: 'inner', left: plan, right: gate, on: null, leftKeys: [], rightKeys: [], schema: plan.schema, gate: 'left' };
    }
  }
  // how an expression bound over the FROM columns reads the plan built so far
  let adjust = (e: Expr): Expr => e;
  if (grouped) {
    const aggInput = plan;
    const groupKeys = groupBy.map(exprKey);
    const lift = (e: Expr) => liftOverAggregate(e, groupKeys, groupBy.length, from.columns, scope);
    targetExprs = targetExprs.map(lift);
    orderExprs = orderExprs.map((e) => (e ? lift(e) : null));
    onExprs = onExprs.map((e) => (e ? lift(e) : null));
    havingExpr = havingExpr ? lift(havingExpr) : null;
    const schema: Field[] = [
      ...groupBy.map((g, i) => ({ name: `group${i}`, type: g.type, nullable: true })),
      ...collector.aggs.map((a, i) => ({ name: `agg${i}`, type: a.type, nullable: a.fn !== 'count' && a.fn !== 'count_star' })),
    ];
    plan = { kind: 'aggregate', input: aggInput, groupBy, aggs: collector.aggs, schema };
    if (postSubs.correlated) throw unsupported('correlated subqueries in the SELECT list, HAVING or ORDER BY of a grouped query');
    if (postSubs.joins.length) {
      const base = plan.schema.length;
      plan = postSubs.attach(plan, lift);
      const place = (e: Expr) => SubqueryCollector.place(e, base);
      adjust = (e) => place(lift(e));
      targetExprs = targetExprs.map(place);
      orderExprs = orderExprs.map((e) => (e ? place(e) : null));
      onExprs = onExprs.map((e) => (e ? place(e) : null));
      havingExpr = havingExpr ? place(havingExpr) : null;
    }
    else adjust = lift;
    if (havingExpr) plan = { kind: 'filter', input: plan, predicate: havingExpr, schema: plan.schema };
  } else {
    for (const e of targetExprs) checkNoMarkers(e);
    if (postSubs.joins.length) {
      const base = plan.schema.length;
      plan = postSubs.attach(plan);
      targetExprs = targetExprs.map((e) => SubqueryCollector.place(e, base));
      orderExprs = orderExprs.map((e) => (e ? SubqueryCollector.place(e, base) : null));
      onExprs = onExprs.map((e) => (e ? SubqueryCollector.place(e, base) : null));
      adjust = (e) => SubqueryCollector.place(e, base);
    }
  }

  // Window functions, then SELECT-list set-returning functions (ad-hoc reads only: see
  // engine/window.ts), over the grouped rows; their markers become the appended columns.
  if (post.windows.length || post.srfs.length) {
    if (env.outer) throw unsupported('window functions and set-returning functions in a subquery used as an expression');
    let winBase = 0;
    let srfBase = 0;
    const placePost = (e: Expr): Expr => {
      if (e.kind === 'column') {
        if (e.index <= SRF_MARKER_BASE) return { ...e, index: srfBase + (SRF_MARKER_BASE - e.index) };
        if (e.index <= WINDOW_MARKER_BASE) return { ...e, index: winBase + (WINDOW_MARKER_BASE - e.index) };
        return e;
      }
      return mapChildren(e, placePost);
    };
    if (post.windows.length) {
      const calls: WindowCall[] = post.windows.map((c) => ({
        ...c,
        args: c.args.map(adjust),
        partitionBy: c.partitionBy.map(adjust),
        orderBy: c.orderBy.map((k) => ({ ...k, expr: adjust(k.expr) })),
      }));
      winBase = plan.schema.length;
      plan = { kind: 'window', input: plan, calls, schema: [...plan.schema, ...calls.map((c, i) => ({ name: `?window${i}`, type: c.type, nullable: true }))] };
    }
    if (post.srfs.length) {
      const calls = post.srfs.map((c) => ({ ...c, args: c.args.map((a) => placePost(adjust(a))) }));
      srfBase = plan.schema.length;
      plan = { kind: 'project_set', input: plan, calls, schema: [...plan.schema, ...calls.map((c, i) => ({ name: `?srf${i}`, type: c.type, nullable: true }))] };
    }
    targetExprs = targetExprs.map(placePost);
    orderExprs = orderExprs.map((e) => (e ? placePost(e) : null));
    onExprs = onExprs.map((e) => (e ? placePost(e) : null));
  }

  // Projection, with hidden trailing columns for ORDER BY expressions not in the list.
  const outputs = env.keepUnknown ? targetExprs : targetExprs.map((e) => resolveUnknown(e, env.params));
  const schema: Field[] = targets.map((t, i) => ({ name: t.name, type: outputs[i].type, nullable: t.nullable }));
  const keys: SortKey[] = [];
  const hidden: Expr[] = [];
  /** The projection's column of an ORDER BY or DISTINCT ON item: an output, or a hidden column after them. */
  const columnOf = (o: { output: number }, bound: Expr | null): number => {
    if (o.output >= 0) return o.output;
    const e = resolveUnknown(bound!, env.params);
    const k = exprKey(e);
    const same = outputs.findIndex((x) => exprKey(x) === k);
    if (same >= 0) return same;
    if (distinct) {
      throw new SqlError(SQLSTATE.INVALID_COLUMN_REFERENCE, 'for SELECT DISTINCT, ORDER BY expressions must appear in select list');
    }
    const seen = hidden.findIndex((x) => exprKey(x) === k);
    if (seen >= 0) return outputs.length + seen;
    hidden.push(e);
    return outputs.length + hidden.length - 1;
  };
  order.forEach((o, i) => {
    const c = columnOf(o, orderExprs[i]);
    keys.push(sortKey({ kind: 'column', index: c, type: c < outputs.length ? outputs[c].type : hidden[c - outputs.length].type }, o.sb));
  });
  const onCols = onItems.map((o, i) => columnOf(o, onExprs[i]));
  const allExprs = [...outputs, ...hidden];
  const fullSchema: Field[] = [...schema, ...hidden.map((e, i) => ({ name: `?sort${i}`, type: e.type, nullable: true }))];
  plan = { kind: 'project', input: plan, exprs: allExprs, schema: fullSchema };
  if (distinct) plan = { kind: 'distinct', input: plan, schema: fullSchema };
  if (distinctOn) plan = distinctOnPlan(plan, onCols, keys, onItems.map((o) => o.node), env);
  if (keys.length) plan = { kind: 'sort', input: plan, keys, schema: fullSchema };
  plan = withLimit(plan, stmt, env);
  if (hidden.length) {
    plan = { kind: 'project', input: plan, exprs: outputs.map((e, i) => ({ kind: 'column', index: i, type: e.type })), schema };
  }
  return plan;
}

/**
 * SELECT DISTINCT ON (…): the first row of each class of equal DISTINCT ON values in ORDER BY
 * order, as `row_number() OVER (PARTITION BY on ORDER BY keys) = 1` (which a view maintains as
 * a top-k). PostgreSQL's rule (transformDistinctOnClause): the DISTINCT ON items must be the
 * leftmost ORDER BY items, in any order.
 */
function distinctOnPlan(input: Plan, onCols: number[], keys: SortKey[], nodes: any[], env: BindEnv): Plan {
  if (env.outer) throw unsupported('DISTINCT ON in a subquery used as an expression');
  const on = new Set(onCols);
  let skipped = false;
  const matched = new Set<number>();
  const mismatch = (k: number) => {
    const location = firstLocation(nodes[onCols.indexOf(k)]);
    return new SqlError(SQLSTATE.INVALID_COLUMN_REFERENCE, 'SELECT DISTINCT ON expressions must match initial ORDER BY expressions', {
      position: location !== undefined ? location + 1 : undefined,
    });
  };
  for (const k of keys) {
    const c = (k.expr as { index: number }).index;
    if (!on.has(c)) skipped = true;
    else if (skipped) throw mismatch(c);
    else matched.add(c);
  }
  for (const c of onCols) if (!matched.has(c) && skipped) throw mismatch(c);
  const n = input.schema.length;
  const col = (c: number): Expr => ({ kind: 'column', index: c, type: input.schema[c].type });
  const call: WindowCall = {
    fn: 'row_number',
    args: [],
    partitionBy: [...on].map(col),
    orderBy: keys,
    frame: { mode: 'range', start: { kind: 'unbounded_preceding', offset: null }, end: { kind: 'current_row', offset: null } },
    type: T.int8,
  };
  const window: Plan = { kind: 'window', input, calls: [call], schema: [...input.schema, { name: '?distinct_on', type: T.int8, nullable: false }] };
  const first: Expr = { kind: 'call', fn: 'int8eq', args: [{ kind: 'column', index: n, type: T.int8 }, { kind: 'literal', value: 1n, type: T.int8 }], type: T.bool };
  const filtered: Plan = { kind: 'filter', input: window, predicate: first, schema: window.schema };
  return { kind: 'project', input: filtered, exprs: input.schema.map((_, c) => col(c)), schema: input.schema };
}

/** The first parse location inside a node (for an error's position). */
function firstLocation(node: any): number | undefined {
  if (!node || typeof node !== 'object') return undefined;
  if (typeof node.location === 'number') return node.location;
  for (const v of Object.values(node)) {
    const l = firstLocation(v);
    if (l !== undefined) return l;
  }
  return undefined;
}

/**
 * `lenient`: the FROM clause is provably empty (an always-empty system relation such as
 * pg_policy, inner-joined), so no output expression is ever evaluated; one we cannot bind
 * because it uses something unsupported (arrays, say) becomes a NULL text column instead of
 * failing the whole query. Tools' catalog queries are often of this shape.
 */
function bindTargets(list: any[], scope: Scope, env: BindEnv, aggs: AggCollector, subs: SubqueryCollector, lenient = false, post?: PostCollector, grouped = false): Target[] {
  const out: Target[] = [];
  const lenientItems = new LenientTargets(grouped);
  for (const item of list) {
    const rt = item.ResTarget;
    const val = rt.val;
    const cr = val.ColumnRef;
    if (cr && nodeTag(cr.fields[cr.fields.length - 1]) === 'A_Star') {
      out.push(...expandStar(cr.fields.slice(0, -1).map(strVal), scope, cr.location));
      continue;
    }
    let expr: Expr;
    try {
      expr = bindExprIn(val, scope, env, 'SELECT', aggs, subs, post);
    } catch (e) {
      if (!lenient) throw e;
      expr = lenientItems.replace(val, e, (node) => bindExprIn(node, scope, env, 'SELECT', aggs, subs, post));
    }
    const nullable = !(expr.kind === 'column' && expr.index >= 0 && !scope.columns[expr.index].nullable);
    out.push({ expr, name: rt.name ?? figureName(val), nullable });
  }
  lenientItems.check(aggs.aggs.length > 0);
  return out;
}

let NULL_AGGREGATE: any;

/** Aggregates whose value over no rows is NULL (so an unsupported one over no rows is NULL too). */
const NULL_WHEN_EMPTY = new Set(['array_agg', 'string_agg', 'json_agg', 'jsonb_agg', 'json_object_agg', 'jsonb_object_agg', 'xmlagg', 'bit_and', 'bit_or', 'bit_xor', 'every']);

/**
 * SELECT items over a provably empty FROM that could not be bound (0A000) become NULL, but only
 * where no item is ever evaluated: without aggregation there are no rows (nor with GROUP BY);
 * with aggregation there is one row, where only an aggregate that is NULL over no rows may stand
 * in as NULL. Anything else re-raises the original error.
 */
export class LenientTargets {
  private firstError: SqlError | null = null;
  private nonAggregate = false;
  private aggregate = false;
  constructor(private readonly grouped: boolean) {}

  /** The stand-in for item `val` that failed with `e`; `bind` binds a parse tree in its place. */
  replace(val: any, e: unknown, bind: (node: any) => Expr): Expr {
    if (!(e instanceof SqlError) || e.code !== SQLSTATE.FEATURE_NOT_SUPPORTED) throw e;
    this.firstError ??= e;
    const f = val.FuncCall;
    const name = f ? strVal(f.funcname[f.funcname.length - 1]).toLowerCase() : '';
    if (f && NULL_WHEN_EMPTY.has(name) && !f.over) {
      // still an aggregate, so the query still gives its one row: max(NULL::text), NULL over no rows
      this.aggregate = true;
      return bind((NULL_AGGREGATE ??= parseSql('SELECT max(NULL::text)')[0].node.SelectStmt.targetList[0].ResTarget.val));
    }
    this.nonAggregate = true;
    return { kind: 'literal', value: null, type: T.text };
  }

  /** After all items: `aggregated` = some other item is an aggregate. */
  check(aggregated: boolean): void {
    if (this.firstError === null || this.grouped) return;
    if ((aggregated || this.aggregate) && this.nonAggregate) throw this.firstError;
  }
}

function expandStar(qual: string[], scope: Scope, location?: number): Target[] {
  const q = qual.length ? qual[qual.length - 1] : null;
  const cols = scope.columns
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => (q === null ? !c.hidden : c.qualifier === q));
  if (q !== null && cols.length === 0) {
    throw new SqlError(SQLSTATE.UNDEFINED_TABLE, `missing FROM-clause entry for table "${q}"`, { position: location !== undefined ? location + 1 : undefined });
  }
  if (q === null && scope.columns.length === 0) {
    throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'SELECT * with no tables specified is not valid', { position: location !== undefined ? location + 1 : undefined });
  }
  return cols.map(({ c, i }) => ({ expr: { kind: 'column', index: i, type: c.type }, name: c.name, nullable: c.nullable }));
}

/** GROUP BY item: an ordinal, an output alias, or an expression over the FROM columns. */
function bindGroupItem(node: any, targets: Target[], scope: Scope, env: BindEnv): Expr {
  const k = outputOrdinal(node, 'GROUP BY', targets.length);
  if (k >= 0) {
    const e = targets[k].expr;
    if (containsMarker(e)) throw new SqlError(SQLSTATE.GROUPING_ERROR, 'aggregate functions are not allowed in GROUP BY');
    return resolveUnknown(e, env.params);
  }
  const cr = node.ColumnRef;
  if (cr && cr.fields.length === 1 && nodeTag(cr.fields[0]) === 'String') {
    const name = strVal(cr.fields[0]);
    // An input column wins over an output alias of the same name (SQL92 rule as in PostgreSQL).
    if (!scope.columns.some((col) => col.name === name && !col.hidden)) {
      const t = targets.find((x) => x.name === name);
      if (t) {
        if (containsMarker(t.expr)) throw new SqlError(SQLSTATE.GROUPING_ERROR, 'aggregate functions are not allowed in GROUP BY');
        return resolveUnknown(t.expr, env.params);
      }
    }
  }
  return resolveUnknown(bindExprIn(node, scope, env, 'GROUP BY'), env.params);
}

/**
 * Rewrite an expression bound over the aggregate's input so it reads the aggregate's output:
 * grouped subexpressions become group columns, aggregate markers become aggregate columns,
 * and any other input column is an error (42803).
 */
function liftOverAggregate(e: Expr, groupKeys: string[], nGroups: number, cols: ScopeColumn[], scope: Scope): Expr {
  const k = groupKeys.indexOf(exprKey(e));
  if (k >= 0) return { kind: 'column', index: k, type: e.type };
  if (e.kind === 'column' && e.index <= SUBQ_MARKER_BASE) return e; // placed after the aggregate
  if (e.kind === 'column') {
    if (e.index <= AGG_MARKER_BASE) return { kind: 'column', index: nGroups + (AGG_MARKER_BASE - e.index), type: e.type };
    const c = cols[e.index] ?? scope.columns[e.index];
    const name = c.qualifier ? `${c.qualifier}.${c.name}` : c.name;
    throw new SqlError(SQLSTATE.GROUPING_ERROR, `column "${name}" must appear in the GROUP BY clause or be used in an aggregate function`, { position: e.position });
  }
  return mapChildren(e, (ch) => liftOverAggregate(ch, groupKeys, nGroups, cols, scope));
}

function containsMarker(e: Expr): boolean {
  if (e.kind === 'column') return e.index <= AGG_MARKER_BASE && e.index > SUBQ_MARKER_BASE;
  let found = false;
  mapChildren(e, (c) => {
    if (containsMarker(c)) found = true;
    return c;
  });
  return found;
}

function checkNoMarkers(e: Expr): void {
  if (containsMarker(e)) throw new SqlError(SQLSTATE.INTERNAL_ERROR, 'aggregate outside a grouped query');
}

/** PostgreSQL's FigureColname: the default name of a SELECT list item. */
export function figureName(node: any): string {
  const tag = nodeTag(node);
  const n = node[tag];
  switch (tag) {
    case 'ColumnRef': {
      const last = n.fields[n.fields.length - 1];
      return nodeTag(last) === 'String' ? strVal(last) : '?column?';
    }
    case 'FuncCall':
      return strVal(n.funcname[n.funcname.length - 1]);
    case 'TypeCast': {
      const inner = figureName(n.arg);
      if (inner !== '?column?') return inner;
      const names = n.typeName.names as any[];
      return strVal(names[names.length - 1]);
    }
    case 'CaseExpr':
      return 'case';
    case 'A_Indirection': {
      const last = n.indirection[n.indirection.length - 1];
      return nodeTag(last) === 'String' ? strVal(last) : figureName(n.arg);
    }
    case 'CoalesceExpr':
      return 'coalesce';
    case 'MinMaxExpr':
      return n.op === 'IS_GREATEST' ? 'greatest' : 'least';
    case 'A_Expr':
      return n.kind === 'AEXPR_NULLIF' ? 'nullif' : '?column?';
    case 'SQLValueFunction':
      return sqlValueFunctionName(n.op);
    case 'SubLink':
      return n.subLinkType === 'EXISTS_SUBLINK' ? 'exists' : '?column?';
    default:
      return '?column?';
  }
}

function sqlValueFunctionName(op: string): string {
  const m: Record<string, string> = {
    SVFOP_CURRENT_DATE: 'current_date',
    SVFOP_CURRENT_TIMESTAMP: 'current_timestamp',
    SVFOP_LOCALTIMESTAMP: 'localtimestamp',
    SVFOP_CURRENT_USER: 'current_user',
    SVFOP_CURRENT_ROLE: 'current_role',
    SVFOP_USER: 'user',
    SVFOP_SESSION_USER: 'session_user',
    SVFOP_CURRENT_CATALOG: 'current_catalog',
    SVFOP_CURRENT_SCHEMA: 'current_schema',
  };
  return m[op] ?? '?column?';
}

