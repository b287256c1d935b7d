// Uncorrelated subqueries in expressions: scalar `(SELECT …)`, `EXISTS (…)` and
// `x [NOT] IN (SELECT …)`. Each becomes a join that appends a few columns to the query's
// input, and the expression reads those columns — so views over them are maintained like any
// join, and an ad-hoc read computes them once.
//
//   scalar   cross join  (SELECT count(*) AS n, max(v) AS m FROM sub)      → CASE n > 1 → error, else m
//   EXISTS   cross join  (SELECT count(*) AS n FROM sub)                   → n > 0
//   x IN     cross join  (SELECT count(*), count(v) FROM sub)  and
//            left join   (SELECT DISTINCT v, true FROM sub) ON x = v       → PostgreSQL's 3-valued IN
//
// While a clause is bound, the subquery's columns are markers (column indices at or below
// SUBQ_MARKER_BASE); the SELECT binder attaches the joins and rewrites markers to positions.

import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import { type Expr, children, mapChildren, remapColumns } from '../expr/expr.js';
import type { AggCall, Field, Plan } from '../plan/logical.js';
import { applyOperator, bindExpr, type ExprContext } from './bind_expr.js';
import type { BindEnv } from './bind_env.js';
import { bindQuery } from './bind_select.js';
import { T } from './types.js';
import { names } from './parser.js';
import { SUBQUERY_CARDINALITY_ERROR } from '../expr/functions/internal.js';

export const SUBQ_MARKER_BASE = -2_000_000;

interface SubqueryJoin {
  plan: Plan;
  type: 'inner' | 'left';
  /** For IN: the outer expression (over the outer input) and the inner key column of `plan`. */
  outerKey: Expr | null;
  innerKey: Expr | null;
  /** The resolved '=' implementation joining them. */
  eq?: string;
}

export class SubqueryCollector {
  readonly joins: SubqueryJoin[] = [];
  /** Columns appended so far. */
  width = 0;

  constructor(private readonly env: BindEnv) {}

  private marker(col: number, type: Field['type']): Expr {
    return { kind: 'column', index: SUBQ_MARKER_BASE - col, type };
  }

  private add(j: SubqueryJoin): number {
    const first = this.width;
    this.joins.push(j);
    this.width += j.plan.schema.length;
    return first;
  }

  /** Bind a SubLink node; returns the expression standing for it. */
  bind(n: any, cx: ExprContext, pos?: number): Expr {
    const kind: string = n.subLinkType;
    const sub = bindQuery(n.subselect.SelectStmt, { ...this.env, outer: cx.scope, keepUnknown: false });
    switch (kind) {
      case 'EXPR_SUBLINK': {
        if (sub.schema.length !== 1) throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'subquery must return only one column', { position: pos });
        const v = sub.schema[0];
        const plan = globalAggregate(sub, [
          { fn: 'count_star', arg: null, distinct: false, type: T.int8 },
          { fn: 'max', arg: { kind: 'column', index: 0, type: v.type }, distinct: false, type: v.type },
        ]);
        const c = this.add({ plan, type: 'inner', outerKey: null, innerKey: null });
        const n1 = this.marker(c, T.int8);
        const tooMany = applyOperator('>', n1, { kind: 'literal', value: 1n, type: T.int8 }, cx, pos);
        return {
          kind: 'case',
          whens: [{ when: tooMany, then: { kind: 'call', fn: SUBQUERY_CARDINALITY_ERROR, args: [], type: v.type } }],
          else: this.marker(c + 1, v.type),
          type: v.type,
        };
      }
      case 'EXISTS_SUBLINK': {
        const plan = globalAggregate(sub, [{ fn: 'count_star', arg: null, distinct: false, type: T.int8 }]);
        const c = this.add({ plan, type: 'inner', outerKey: null, innerKey: null });
        return applyOperator('>', this.marker(c, T.int8), { kind: 'literal', value: 0n, type: T.int8 }, cx, pos);
      }
      case 'ANY_SUBLINK': {
        const op = n.operName ? names(n.operName).pop() : '=';
        if (op !== '=') throw unsupported(`${op} ANY (subquery)`, pos);
        if (n.testexpr && 'RowExpr' in n.testexpr) throw unsupported('row-valued IN (subquery)', pos);
        if (sub.schema.length !== 1) throw new SqlError(SQLSTATE.SYNTAX_ERROR, 'subquery has too many columns', { position: pos });
        const x = bindExpr(n.testexpr, cx);
        if (hasMarker(x)) throw unsupported('a subquery on the left of IN (subquery)', pos);
        const v = sub.schema[0];
        // x = v resolved as PostgreSQL would, giving both sides their comparison types
        const eq = applyOperator('=', x, { kind: 'column', index: 0, type: v.type }, cx, pos) as Extract<Expr, { kind: 'call' }>;
        const [outerKey, innerOnSub] = eq.args;
        const eqFn = eq.fn;
        const stats = globalAggregate(sub, [
          { fn: 'count_star', arg: null, distinct: false, type: T.int8 },
          { fn: 'count', arg: { kind: 'column', index: 0, type: v.type }, distinct: false, type: T.int8 },
        ]);
        const s = this.add({ plan: stats, type: 'inner', outerKey: null, innerKey: null });
        const keyField: Field = { name: '?in', type: innerOnSub.type, nullable: true };
        const matchField: Field = { name: '?matched', type: T.bool, nullable: false };
        const keys: Plan = {
          kind: 'distinct',
          input: {
            kind: 'project',
            input: sub,
            exprs: [innerOnSub, { kind: 'literal', value: true, type: T.bool }],
            schema: [keyField, matchField],
          },
          schema: [keyField, matchField],
        };
        const m = this.add({ plan: keys, type: 'left', outerKey, innerKey: { kind: 'column', index: 0, type: innerOnSub.type }, eq: eqFn });
        const total = this.marker(s, T.int8);
        const nonNull = this.marker(s + 1, T.int8);
        const matched = this.marker(m + 1, T.bool);
        const lit = (value: boolean | null): Expr => ({ kind: 'literal', value, type: T.bool });
        return {
          kind: 'case',
          whens: [
            { when: { kind: 'isnull', arg: matched, negated: true, type: T.bool }, then: lit(true) },
            { when: applyOperator('=', total, { kind: 'literal', value: 0n, type: T.int8 }, cx, pos), then: lit(false) },
            {
              when: { kind: 'or', args: [{ kind: 'isnull', arg: outerKey, negated: false, type: T.bool }, applyOperator('>', total, nonNull, cx, pos)], type: T.bool },
              then: lit(null),
            },
          ],
          else: lit(false),
          type: T.bool,
        };
      }
      case 'ALL_SUBLINK':
        throw unsupported('ALL (subquery)', pos);
      default:
        throw unsupported(`subquery (${kind})`, pos);
    }
  }

  /**
   * Join the collected subqueries to the right of `input`. `mapOuter` rewrites an IN's outer
   * expression to `input`'s layout (identity, or lifting over an aggregate).
   */
  attach(input: Plan, mapOuter: (e: Expr) => Expr = (e) => e): Plan {
    let plan = input;
    for (const j of this.joins) {
      const nl = plan.schema.length;
      let on: Expr | null = null;
      if (j.outerKey && j.innerKey) {
        const inner = remapColumns(j.innerKey, (i) => i + nl);
        on = { kind: 'call', fn: j.eq!, args: [mapOuter(j.outerKey), inner], type: T.bool };
      }
      plan = {
        kind: 'join',
        type: j.type,
        left: plan,
        right: j.plan,
        on,
        leftKeys: [],
        rightKeys: [],
        schema: [...plan.schema, ...j.plan.schema.map((f) => ({ ...f, nullable: true }))],
      };
    }
    return plan;
  }

  /** Replace markers by positions: appended column k sits at `base + k`. */
  static place(e: Expr, base: number): Expr {
    if (e.kind === 'column') return e.index <= SUBQ_MARKER_BASE ? { ...e, index: base + (SUBQ_MARKER_BASE - e.index) } : e;
    return mapChildren(e, (c) => SubqueryCollector.place(c, base));
  }
}


function globalAggregate(input: Plan, aggs: AggCall[]): Plan {
  return {
    kind: 'aggregate',
    input,
    groupBy: [],
    aggs,
    schema: aggs.map((a, i) => ({ name: `?sub${i}`, type: a.type, nullable: a.fn !== 'count' && a.fn !== 'count_star' })),
  };
}

export function hasMarker(e: Expr): boolean {
  if (e.kind === 'column') return e.index <= SUBQ_MARKER_BASE;
  return children(e).some(hasMarker);
}
