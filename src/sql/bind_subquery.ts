// Subqueries in expressions: scalar `(SELECT …)`, `EXISTS (…)` and `x [NOT] IN (SELECT …)`,
// uncorrelated or correlated. Each becomes joins that append a few columns to the query's
// input, and the expression reads those columns — so a view over them is maintained like any
// join, and an ad-hoc read computes each subquery once, not once per row.
//
// A correlated subquery is decorrelated over the *domain* D of its outer references (the
// distinct values they take in the outer input): for every d in D it is evaluated by
// D LEFT JOIN (subquery FROM, marked) ON (its WHERE), grouped by D, and the outer input is
// joined back on D with a NULL-safe equality. Where SQL equality merges representations
// (numeric 1.5 = 1.50, float -0 = 0, interval, bpchar, jsonb) the subquery could still tell
// them apart (`a.n::text`), so D also holds each such reference's identity key (text, never
// NULL) and the join back matches on that key instead. An uncorrelated subquery is the case
// of an empty domain (one group). Per subquery, grouped by D:
//
//   scalar aggregate   the aggregates, then the SELECT expression over them
//   scalar otherwise   count of rows n, max(value) m      → CASE n > 1 → error 21000, else m
//   EXISTS             count of rows n                    → n > 0
//   x IN               count of rows, count of non-NULL values, and a left join with the
//                      distinct (D, value) pairs on x = value → PostgreSQL's 3-valued IN
//
// While a clause is bound, appended columns are markers (column indices at or below
// SUBQ_MARKER_BASE); the SELECT binder attaches the joins and rewrites markers to positions.

import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import { type Expr, children, mapChildren } from '../expr/expr.js';
import { parseValue } from '../expr/cast.js';
import type { AggCall, Field, Plan } from '../plan/logical.js';
import { AGG_MARKER_BASE, applyOperator, bindExpr, type AggCollector, type ExprContext } from './bind_expr.js';
import { bindExprIn, type BindEnv } from './bind_env.js';
import { bindFromList } from './bind_from.js';
import { bindQuery, LenientTargets } from './bind_select.js';
import { coerceBoolean, resolveUnknown } from './coerce.js';
import { nodeTag, names } from './parser.js';
import { Scope } from './scope.js';
import { type SqlType, T, arrayTypeOf, type } from './types.js';
import { PgArray } from '../expr/array.js';
import { isEmptyPlan } from './bind_from.js';
import { IDENTITY_KEY, SUBQUERY_CARDINALITY_ERROR } from '../expr/functions/internal.js';
import { identityIsEquality } from '../expr/compare.js';

export const SUBQ_MARKER_BASE = -2_000_000;
/** Outer columns that are NULL in every row, referenced from a subquery's FROM (bound as NULL). */
const NULL_MARKER_BASE = -4_000_000;

/** Whether column i of a plan is NULL in every row (constant rows, outer-join padding). */
function alwaysNull(p: Plan, i: number): boolean {
  switch (p.kind) {
    case 'values':
      return p.rows.every((r) => r[i].kind === 'literal' && r[i].value === null);
    case 'filter':
      return alwaysNull(p.input, i);
    case 'project': {
      const e = p.exprs[i];
      return (e.kind === 'literal' && e.value === null) || (e.kind === 'column' && alwaysNull(p.input, e.index));
    }
    case 'join': {
      const nl = p.left.schema.length;
      return i < nl ? alwaysNull(p.left, i) : alwaysNull(p.right, i - nl);
    }
    default:
      return false;
  }
}
/** Outer references inside a correlated subquery: marker k is the k-th distinct outer column. */
const OUTER_MARKER_BASE = -3_000_000;

/** How one subquery's columns join the outer input. */
interface SubqueryJoin {
  width: number;
  /** Whether the subquery references the outer query (else it is evaluated once). */
  correlated: boolean;
  /** Build the right-hand plan and ON condition, given the outer input it joins. */
  build(input: Plan, mapOuter: (e: Expr) => Expr): { plan: Plan; type: 'inner' | 'left'; on: Expr | null };
}

/** A subquery bound over its own FROM, with outer references as markers. */
interface BoundSub {
  from: Plan;
  pred: Expr | null;
  targets: Expr[];
  aggs: AggCall[];
  /** Outer input columns referenced, in marker order. */
  refs: number[];
  refTypes: SqlType[];
}

export class SubqueryCollector {
  readonly joins: SubqueryJoin[] = [];
  /** Columns appended so far. */
  width = 0;
  /** Whether any collected subquery references the outer query. */
  correlated = false;

  /** outerPlan: the outer query's FROM plan, when known (to see which outer columns are always NULL). */
  constructor(private readonly env: BindEnv, private readonly outerPlan?: Plan) {}

  private marker(col: number, type: SqlType): Expr {
    return { kind: 'column', index: SUBQ_MARKER_BASE - col, type };
  }

  private add(j: SubqueryJoin): number {
    const first = this.width;
    this.joins.push(j);
    this.width += j.width;
    return first;
  }

  /** Bind a SubLink node; returns the expression standing for it. */
  bind(n: any, cx: ExprContext, pos?: number): Expr {
    const kind: string = n.subLinkType;
    if (kind === 'ALL_SUBLINK') throw unsupported('ALL (subquery)', pos);
    if (kind !== 'EXPR_SUBLINK' && kind !== 'EXISTS_SUBLINK' && kind !== 'ANY_SUBLINK' && kind !== 'ARRAY_SUBLINK') throw unsupported(`subquery (${kind})`, pos);
    // checked before the subquery's columns are counted: (a, b) IN (SELECT x, y) is valid SQL
    if (n.testexpr && nodeTag(n.testexpr) === 'RowExpr') throw unsupported('row-valued IN (subquery)', pos);
    const sub = this.bindSub(n.subselect.SelectStmt, cx.scope, kind === 'EXISTS_SUBLINK', pos);
    if (kind === 'ARRAY_SUBLINK') {
      // ARRAY(subquery): exact only where the subquery can have no rows whatever the data (an
      // always-empty system relation, unnest of an always-NULL catalog column): then '{}'.
      if (sub.targets.length !== 1) throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'subquery must return only one column', { position: pos });
      const at = arrayTypeOf(sub.targets[0].type.id === 'unknown' ? T.text : sub.targets[0].type);
      if (!at) throw unsupported(`arrays of type ${sub.targets[0].type.id}`, pos);
      if (sub.aggs.length === 0 && isEmptyPlan(sub.from)) return { kind: 'literal', value: new PgArray([]), type: type(at.id) };
      throw unsupported('ARRAY(subquery) over a relation that may have rows', pos);
    }
    const r = domainWidth(sub);
    if (kind === 'EXISTS_SUBLINK') {
      const c = this.add(this.grouped(sub, () => [{ fn: 'count', arg: MARK, distinct: false, type: T.int8 }], 1, false));
      return applyOperator('>', this.marker(c + r, T.int8), lit(0n, T.int8), cx, pos);
    }
    if (sub.targets.length !== 1) {
      throw new SqlError(SQLSTATE.SYNTAX_ERROR, kind === 'EXPR_SUBLINK' ? 'subquery must return only one column' : 'subquery has too many columns', { position: pos });
    }
    const v = sub.targets[0];
    if (kind === 'EXPR_SUBLINK') {
      if (sub.aggs.length > 0) {
        // one row per outer value: the aggregates, then the SELECT expression over them
        const c = this.add(this.grouped(sub, (arg) => sub.aggs.map((a) => rewriteAgg(a, arg)), 1, true, v));
        return this.marker(c + r, v.type);
      }
      const c = this.add(this.grouped(sub, (arg) => [
        { fn: 'count', arg: MARK, distinct: false, type: T.int8 },
        { fn: 'max', arg: arg(v), distinct: false, type: v.type },
      ], 2, true));
      const tooMany = applyOperator('>', this.marker(c + r, T.int8), lit(1n, T.int8), cx, pos);
      return {
        kind: 'case',
        whens: [{ when: tooMany, then: { kind: 'call', fn: SUBQUERY_CARDINALITY_ERROR, args: [], type: v.type } }],
        else: this.marker(c + r + 1, v.type),
        type: v.type,
      };
    }
    // x IN (SELECT v …)
    const op = n.operName ? names(n.operName).pop() : '=';
    if (op !== '=') throw unsupported(`${op} ANY (subquery)`, pos);
    if (n.testexpr && nodeTag(n.testexpr) === 'RowExpr') throw unsupported('row-valued IN (subquery)', pos);
    if (sub.aggs.length > 0) throw unsupported('IN (subquery with aggregates)', pos);
    const x = bindExpr(n.testexpr, cx);
    if (hasMarker(x)) throw unsupported('a subquery on the left of IN (subquery)', pos);
    const eq = applyOperator('=', x, { ...v, kind: 'column', index: 0 } as Expr, cx, pos) as Extract<Expr, { kind: 'call' }>;
    const [outerKey] = eq.args;
    // the value side, coerced as the '=' wants it, over the subquery's own columns
    const vEq = eq.args[1].kind === 'cast' ? { ...eq.args[1], arg: v } : v;
    const s = this.add(this.grouped(sub, (arg) => [
      { fn: 'count', arg: MARK, distinct: false, type: T.int8 },
      { fn: 'count', arg: arg(vEq), distinct: false, type: T.int8 },
    ], 2, false));
    const m = this.add(this.pairs(sub, vEq, outerKey, eq.fn));
    const total = this.marker(s + r, T.int8);
    const nonNull = this.marker(s + r + 1, T.int8);
    const matched = this.marker(m + r + 1, T.bool);
    return {
      kind: 'case',
      whens: [
        { when: { kind: 'isnull', arg: matched, negated: true, type: T.bool }, then: lit(true, T.bool) },
        { when: applyOperator('=', total, lit(0n, T.int8), cx, pos), then: lit(false, T.bool) },
        {
          when: { kind: 'or', args: [{ kind: 'isnull', arg: outerKey, negated: false, type: T.bool }, applyOperator('>', total, nonNull, cx, pos)], type: T.bool },
          then: lit(null, T.bool),
        },
      ],
      else: lit(false, T.bool),
      type: T.bool,
    };
  }

  /** Bind the subquery; outer references become markers when correlation is allowed. */
  private bindSub(stmt: any, outerScope: Scope, isExists: boolean, pos?: number): BoundSub {
    const refs: number[] = [];
    const refTypes: SqlType[] = [];
    const outer = new Scope(outerScope.columns, null);
    outer.correlate = (name, qualifier, location) => {
      this.correlated = true;
      const idx = outerScope.resolve(name, qualifier, location);
      if (idx < 0) throw unsupported('references to a query two levels out', pos);
      let k = refs.indexOf(idx);
      if (k < 0) {
        k = refs.length;
        refs.push(idx);
        refTypes.push(outerScope.columns[idx].type);
        outer.markerTypes.set(OUTER_MARKER_BASE - k, outerScope.columns[idx].type);
      }
      return OUTER_MARKER_BASE - k;
    };
    // Nested subqueries are bound by the whole-query path too (they must then be uncorrelated).
    const simple = (!stmt.op || stmt.op === 'SETOP_NONE') && !stmt.valuesLists && !stmt.withClause && !stmt.groupClause?.length &&
      !stmt.havingClause && !stmt.distinctClause && !stmt.limitCount && !stmt.limitOffset && !stmt.windowClause?.length &&
      !containsNode([stmt.whereClause, stmt.targetList], 'SubLink');
    if (!simple) {
      // anything beyond SELECT … FROM … WHERE is bound as a whole query: it must be uncorrelated
      const plan = bindQuery(stmt, { ...this.env, outer: outerScope, keepUnknown: false });
      const targets = plan.schema.map((f, i): Expr => ({ kind: 'column', index: i, type: f.type }));
      return { from: plan, pred: null, targets, aggs: [], refs: [], refTypes: [] };
    }
    const env: BindEnv = { ...this.env, outer, keepUnknown: false };
    // outer references are decorrelated from WHERE and the SELECT list only
    const fromOuter = new Scope(outerScope.columns, null);
    fromOuter.correlate = (name, qualifier, location) => {
      // an outer column that is NULL in every outer row binds as NULL (unnest(tc.reloptions) in psql)
      const idx = outerScope.resolve(name, qualifier, location);
      if (idx >= 0 && this.outerPlan && alwaysNull(this.outerPlan, idx)) {
        const k = NULL_MARKER_BASE - idx;
        fromOuter.nullMarkers.add(k);
        fromOuter.markerTypes.set(k, outerScope.columns[idx].type);
        return k;
      }
      throw unsupported("outer references in a subquery's FROM clause", pos);
    };
    const from = bindFromList(stmt.fromClause ?? [], { ...env, outer: fromOuter });
    const scope = new Scope(from.columns, outer);
    const pred = stmt.whereClause ? coerceBoolean(bindExprIn(stmt.whereClause, scope, env, 'WHERE'), 'WHERE', env.params) : null;
    const collector: AggCollector = { aggs: [], inside: false };
    const targets: Expr[] = [];
    const lenient = new LenientTargets((stmt.groupClause ?? []).length > 0);
    if (!isExists) {
      for (const item of stmt.targetList ?? []) {
        const val = item.ResTarget.val;
        const cr = val.ColumnRef;
        if (cr && nodeTag(cr.fields[cr.fields.length - 1]) === 'A_Star') {
          from.columns.forEach((c, i) => {
            if (!c.hidden) targets.push({ kind: 'column', index: i, type: c.type });
          });
          continue;
        }
        try {
          targets.push(resolveUnknown(bindExprIn(val, scope, env, 'SELECT', collector), env.params));
        } catch (e) {
          // over a provably empty FROM (pg_inherits, say) an unsupported item may be NULL when
          // it is never evaluated (array_agg in DBeaver's table query): see LenientTargets
          if (!isEmptyPlan(from.plan)) throw e;
          targets.push(lenient.replace(val, e, (node) => resolveUnknown(bindExprIn(node, scope, env, 'SELECT', collector), env.params)));
        }
      }
    }
    lenient.check(collector.aggs.length > 0);
    return { from: from.plan, pred, targets, aggs: collector.aggs, refs, refTypes };
  }

  /**
   * The subquery grouped by its domain: D LEFT JOIN (FROM + marker) ON WHERE, GROUP BY D,
   * with the given aggregates (their arguments read only rows that really matched) and,
   * when `select` is given, projected through it. Output: D columns, then `width` values.
   */
  private grouped(sub: BoundSub, makeAggs: (arg: (e: Expr) => Expr) => AggCall[], width: number, scalar: boolean, select?: Expr): SubqueryJoin {
    const r = domainWidth(sub);
    return {
      width: r + width,
      correlated: r > 0,
      build: (input) => {
        // a correlated scalar subquery is PostgreSQL's SubPlan, run per outer row: its WHERE is
        // checked on the rows the correlation selects, so it stays on the join (see keepOn)
        const { joined, nf, toJoined } = domainJoin(sub, input, 'left', scalar && r > 0);
        const marker: Expr = { kind: 'column', index: r + nf, type: T.bool };
        // a NULL-padded row (no match for this d) must not count: arguments become NULL there
        const arg = (e: Expr): Expr => ({ kind: 'case', whens: [{ when: { kind: 'isnull', arg: marker, negated: true, type: T.bool }, then: toJoined(e) }], else: lit(null, e.type), type: e.type });
        const aggs = makeAggs(arg).map((a) => (a.arg === MARK ? { ...a, arg: marker } : a));
        const groupBy = domainColumns(sub);
        const agg: Plan = {
          kind: 'aggregate',
          input: joined,
          groupBy,
          aggs,
          schema: [...domainFields(sub), ...aggs.map((a, i) => ({ name: `?agg${i}`, type: a.type, nullable: true }))],
        };
        let plan: Plan = agg;
        if (select) {
          // the SELECT expression over (D, aggregates): aggregate markers and outer references
          const value = liftSelect(select, r);
          plan = {
            kind: 'project',
            input: agg,
            exprs: [...groupBy, value],
            schema: [...domainFields(sub), { name: '?value', type: value.type, nullable: true }],
          };
        }
        return { plan, type: 'inner', on: nullSafeDomainOn(sub, input.schema.length) };
      },
    };
  }

  /** Distinct (D, value, true) pairs of an IN subquery, left-joined on D and x = value. */
  private pairs(sub: BoundSub, v: Expr, outerKey: Expr, eqFn: string): SubqueryJoin {
    const r = domainWidth(sub);
    return {
      width: r + 2,
      correlated: r > 0,
      build: (input, mapOuter) => {
        const { joined, toJoined } = domainJoin(sub, input, 'inner');
        const value = toJoined(v);
        const fields: Field[] = [...domainFields(sub), { name: '?in', type: value.type, nullable: true }, { name: '?matched', type: T.bool, nullable: false }];
        const proj: Plan = {
          kind: 'project',
          input: joined,
          exprs: [...domainColumns(sub), value, lit(true, T.bool)],
          schema: fields,
        };
        const plan: Plan = { kind: 'distinct', input: proj, schema: fields };
        const nl = input.schema.length;
        const conds: Expr[] = [];
        const dom = nullSafeDomainOn(sub, nl);
        if (dom) conds.push(dom);
        conds.push({ kind: 'call', fn: eqFn, args: [mapOuter(outerKey), { kind: 'column', index: nl + r, type: value.type }], type: T.bool });
        return { plan, type: 'left', on: conds.length === 1 ? conds[0] : { kind: 'and', args: conds, type: T.bool } };
      },
    };
  }

  /**
   * Join the collected subqueries to the right of `input`. `mapOuter` rewrites an IN's outer
   * expression to `input`'s layout (identity, or lifting over an aggregate).
   */
  attach(input: Plan, mapOuter: (e: Expr) => Expr = (e) => e): Plan {
    let plan = input;
    for (const j of this.joins) {
      const built = j.build(input, mapOuter);
      const nl = plan.schema.length;
      // ON conditions were built against `input`; shift their right-hand columns past earlier joins
      const on = built.on ? shiftRight(built.on, input.schema.length, nl - input.schema.length) : null;
      // PostgreSQL reads a subquery only when an outer row needs it (a semi-join's inner side,
      // a SubPlan, an initPlan run on first use): its errors count while `input` has rows
      plan = {
        kind: 'join',
        type: built.type,
        left: plan,
        right: built.plan,
        on,
        leftKeys: [],
        rightKeys: [],
        schema: [...plan.schema, ...built.plan.schema.map((f) => ({ ...f, nullable: true }))],
        gate: 'right',
      };
    }
    return plan;
  }

  /** Whether marker column `index` belongs to a subquery that references the outer query. */
  correlatedMarker(index: number): boolean {
    let col = SUBQ_MARKER_BASE - index;
    for (const j of this.joins) {
      if (col < j.width) return j.correlated;
      col -= j.width;
    }
    return false;
  }

  /**
   * Move the subqueries whose columns `markers` (marker column indices) reads into a collector
   * of their own, to be attached elsewhere (PostgreSQL's gating quals: see bind_select.ts).
   * Returns it and a function renumbering markers of either collector's expressions.
   */
  split(markers: ReadonlySet<number>): { taken: SubqueryCollector; renumber: (e: Expr) => Expr } {
    const taken = new SubqueryCollector(this.env, this.outerPlan);
    const kept: SubqueryJoin[] = [];
    const moved = new Map<number, number>(); // old appended column → new one (in its collector)
    let old = 0;
    let keptWidth = 0;
    for (const j of this.joins) {
      const take = [...markers].some((m) => SUBQ_MARKER_BASE - m >= old && SUBQ_MARKER_BASE - m < old + j.width);
      const into = take ? taken.width : keptWidth;
      for (let k = 0; k < j.width; k++) moved.set(old + k, into + k);
      if (take) taken.add(j);
      else {
        kept.push(j);
        keptWidth += j.width;
      }
      old += j.width;
    }
    this.joins.splice(0, this.joins.length, ...kept);
    this.width = keptWidth;
    const renumber = (e: Expr): Expr => {
      if (e.kind === 'column') {
        if (e.index <= SUBQ_MARKER_BASE && e.index > OUTER_MARKER_BASE) return { ...e, index: SUBQ_MARKER_BASE - moved.get(SUBQ_MARKER_BASE - e.index)! };
        return e;
      }
      return mapChildren(e, renumber);
    };
    return { taken, renumber };
  }

  /** Replace markers by positions: appended column k sits at `base + k`. */
  static place(e: Expr, base: number): Expr {
    if (e.kind === 'column') return e.index <= SUBQ_MARKER_BASE && e.index > OUTER_MARKER_BASE ? { ...e, index: base + (SUBQ_MARKER_BASE - e.index) } : e;
    return mapChildren(e, (c) => SubqueryCollector.place(c, base));
  }
}

/** Placeholder for "the matched-row marker column" in aggregate lists. */
const MARK: Expr = { kind: 'literal', value: null, type: T.bool };

function lit(value: boolean | bigint | null, type: SqlType): Expr {
  return { kind: 'literal', value, type };
}

/** References whose type has representations that SQL equality merges: keyed by identity. */
function keyedRefs(sub: BoundSub): number[] {
  const out: number[] = [];
  sub.refTypes.forEach((t, k) => {
    if (!identityIsEquality(t)) out.push(k);
  });
  return out;
}

/** D's columns: the references' values (column k is reference k), then their identity keys. */
function domainWidth(sub: BoundSub): number {
  return sub.refs.length + keyedRefs(sub).length;
}

function domainFields(sub: BoundSub): Field[] {
  return [
    ...sub.refTypes.map((t, k): Field => ({ name: `?d${k}`, type: t, nullable: true })),
    ...keyedRefs(sub).map((k): Field => ({ name: `?id${k}`, type: T.text, nullable: false })),
  ];
}

function domainColumns(sub: BoundSub): Expr[] {
  return domainFields(sub).map((f, i): Expr => ({ kind: 'column', index: i, type: f.type }));
}

function identityKey(e: Expr): Expr {
  return { kind: 'call', fn: IDENTITY_KEY, args: [e], type: T.text };
}

/**
 * D (distinct outer-reference values of `input`) joined with the subquery's FROM plus a
 * marker column (true on real rows), on the subquery's WHERE. Layout: D, FROM columns, marker.
 */
function domainJoin(sub: BoundSub, input: Plan, type: 'left' | 'inner', keepOn = false) {
  const r = domainWidth(sub);
  const nf = sub.from.schema.length;
  const toJoined = (e: Expr): Expr => remapSub(e, r);
  const dFields = domainFields(sub);
  const refs = sub.refs.map((i, k): Expr => ({ kind: 'column', index: i, type: sub.refTypes[k] }));
  const domain: Plan = {
    kind: 'distinct',
    input: { kind: 'project', input, exprs: [...refs, ...keyedRefs(sub).map((k) => identityKey(refs[k]))], schema: dFields },
    schema: dFields,
  };
  const marked: Plan = {
    kind: 'project',
    input: sub.from,
    exprs: [...sub.from.schema.map((f, i): Expr => ({ kind: 'column', index: i, type: f.type })), lit(true, T.bool)],
    schema: [...sub.from.schema, { name: '?m', type: T.bool, nullable: false }],
  };
  const joined: Plan = {
    kind: 'join',
    type,
    left: domain,
    right: marked,
    on: sub.pred ? toJoined(sub.pred) : null,
    leftKeys: [],
    rightKeys: [],
    schema: [...dFields, ...marked.schema.map((f) => ({ ...f, nullable: true }))],
    ...(keepOn ? { keepOn } : {}),
  };
  return { joined, nf, toJoined };
}

/** Subquery expression → over (D, FROM…): FROM columns shift by r (D's width), outer marker k becomes D column k. */
function remapSub(e: Expr, r: number): Expr {
  if (e.kind === 'column') {
    if (e.index <= OUTER_MARKER_BASE) return { ...e, index: OUTER_MARKER_BASE - e.index };
    if (e.index >= 0) return { ...e, index: e.index + r };
    return e;
  }
  return mapChildren(e, (c) => remapSub(c, r));
}

/** The SELECT expression of an aggregate subquery over (D, aggregates); r is D's width. */
function liftSelect(e: Expr, r: number): Expr {
  if (e.kind === 'column') {
    if (e.index <= OUTER_MARKER_BASE) return { ...e, index: OUTER_MARKER_BASE - e.index };
    if (e.index <= AGG_MARKER_BASE) return { ...e, index: r + (AGG_MARKER_BASE - e.index) };
    throw new SqlError(SQLSTATE.GROUPING_ERROR, 'subquery uses ungrouped column from its own FROM together with aggregates');
  }
  return mapChildren(e, (c) => liftSelect(c, r));
}

function rewriteAgg(a: AggCall, arg: (e: Expr) => Expr): AggCall {
  // count(*) counts matched rows only; other arguments read NULL on unmatched ones
  if (a.fn === 'count_star') return { fn: 'count', arg: MARK, distinct: false, type: T.int8 };
  return { ...a, arg: a.arg ? arg(a.arg) : null };
}

/**
 * Outer input column refs[k] = D column k, NULL-safe: (x IS NULL) = (d IS NULL) and
 * COALESCE(x, c) = COALESCE(d, c) are both plain equi-join keys and match NULL with NULL.
 * A reference keyed by identity matches on identity_key(x) = its key column instead.
 */
function nullSafeDomainOn(sub: BoundSub, nl: number): Expr | null {
  const conds: Expr[] = [];
  const keyed = keyedRefs(sub);
  sub.refs.forEach((i, k) => {
    const t = sub.refTypes[k];
    const o: Expr = { kind: 'column', index: i, type: t };
    const j = keyed.indexOf(k);
    if (j >= 0) {
      const key: Expr = { kind: 'column', index: nl + sub.refs.length + j, type: T.text };
      conds.push(applyOperator('=', identityKey(o), key, { params: NO_PARAMS }));
      return;
    }
    const d: Expr = { kind: 'column', index: nl + k, type: t };
    const isNull = (x: Expr): Expr => ({ kind: 'isnull', arg: x, negated: false, type: T.bool });
    const filler: Expr = { kind: 'literal', value: fillerValue(t), type: t };
    const co = (x: Expr): Expr => ({ kind: 'coalesce', args: [x, filler], type: t });
    conds.push(applyOperator('=', isNull(o), isNull(d), { params: NO_PARAMS }));
    conds.push(applyOperator('=', co(o), co(d), { params: NO_PARAMS }));
  });
  if (conds.length === 0) return null;
  return conds.length === 1 ? conds[0] : { kind: 'and', args: conds, type: T.bool };
}

const NO_PARAMS = undefined as never;

function fillerValue(t: SqlType) {
  const text: Record<string, string> = { bool: 'false', text: '', varchar: '', bpchar: '', date: '2000-01-01', timestamp: '2000-01-01', timestamptz: '2000-01-01', interval: '0', jsonb: 'null' };
  return parseValue(text[t.id] ?? '0', { id: t.id, typmod: -1 });
}

function shiftRight(e: Expr, from: number, by: number): Expr {
  if (by === 0) return e;
  if (e.kind === 'column') return e.index >= from ? { ...e, index: e.index + by } : e;
  return mapChildren(e, (c) => shiftRight(c, from, by));
}

/** Whether a parse tree holds a node of this kind (as a key: a string constant with its name is not one). */
function containsNode(tree: unknown, tag: string): boolean {
  if (tree === null || typeof tree !== 'object') return false;
  if (Array.isArray(tree)) return tree.some((x) => containsNode(x, tag));
  for (const [k, v] of Object.entries(tree)) if (k === tag || containsNode(v, tag)) return true;
  return false;
}

export function hasMarker(e: Expr): boolean {
  if (e.kind === 'column') return e.index <= SUBQ_MARKER_BASE;
  return children(e).some(hasMarker);
}
