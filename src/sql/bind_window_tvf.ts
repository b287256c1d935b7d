// Time window table functions in FROM, as RisingWave and Flink write them:
//   TUMBLE(relation, time_col, size [, offset])
//   HOP(relation, time_col, slide, size [, offset])
// Each gives the relation's columns plus window_start and window_end. Windows are aligned to
// the Unix epoch (plus the offset), as date_bin(size, time_col, '1970-01-01' + offset) aligns
// them, and measured in absolute time: a day is 24 hours, also for timestamptz (no months).
// A row whose time is NULL is in no window. TUMBLE, a projection as in RisingWave, keeps it
// with NULL window_start and window_end; HOP leaves it out.
//
// TUMBLE is a projection. HOP is a UNION ALL of one projection per window a row falls in
// (size / slide of them), which keeps no state; size must be a whole multiple of slide.

import { SqlError, SQLSTATE, unsupported } from '../errors.js';
import type { Expr } from '../expr/expr.js';
import { evalConstant } from '../expr/compile.js';
import { parseValue } from '../expr/cast.js';
import { Interval, USECS_PER_DAY } from '../expr/interval.js';
import type { Field, Plan, WindowTag } from '../plan/logical.js';
import { columnsUsed, hasParams } from '../expr/expr.js';
import { applyOperator } from './bind_expr.js';
import { bindExprIn, type BindEnv } from './bind_env.js';
import { coerce } from './coerce.js';
import { nodeTag, strVal } from './parser.js';
import { Scope, type ScopeColumn } from './scope.js';
import { T, formatType } from './types.js';

/** Windows a HOP may put one row in (size / slide): each is a branch of the plan. */
export const MAX_HOP_WINDOWS = 256;

export interface WindowTvfItem {
  plan: Plan;
  columns: ScopeColumn[];
}

/**
 * Bind TUMBLE/HOP. `bindRelation` binds the first argument's name as FROM would (table, view,
 * CTE); `alias` is the FROM item's alias node, if any.
 */
export function bindWindowTvf(
  kind: 'tumble' | 'hop',
  fc: any,
  alias: any,
  env: BindEnv,
  bindRelation: (name: { relname: string; schemaname?: string }) => WindowTvfItem,
  pos?: number,
): WindowTvfItem {
  const raw: any[] = fc.args ?? [];
  const intervals = kind === 'tumble' ? ['window size'] : ['window slide', 'window size'];
  if (raw.length !== 2 + intervals.length && raw.length !== 3 + intervals.length) {
    const form = kind === 'tumble' ? 'TUMBLE(relation, time_column, size [, offset])' : 'HOP(relation, time_column, slide, size [, offset])';
    throw new SqlError(SQLSTATE.UNDEFINED_FUNCTION, `${kind}() takes ${form}`, { position: pos });
  }
  // the relation: a name, not an expression
  const names = nodeTag(raw[0]) === 'ColumnRef' ? (raw[0].ColumnRef.fields as any[]) : [];
  if (names.length === 0 || names.length > 2 || names.some((f) => nodeTag(f) !== 'String')) {
    throw new SqlError(SQLSTATE.SYNTAX_ERROR, `the first argument of ${kind}() must be the name of a table, view or source`, { position: pos });
  }
  const relname = strVal(names[names.length - 1]);
  const base = bindRelation(names.length === 2 ? { relname, schemaname: strVal(names[0]) } : { relname });
  for (const c of base.columns) {
    if (c.name === 'window_start' || c.name === 'window_end') {
      throw new SqlError(SQLSTATE.DUPLICATE_COLUMN, `${kind}() adds the column "${c.name}", which "${relname}" already has`, { position: pos });
    }
  }
  // the time column: one of the relation's columns
  const time = bindExprIn(raw[1], new Scope(base.columns, null), env, 'FROM');
  if (time.kind !== 'column') throw new SqlError(SQLSTATE.SYNTAX_ERROR, `the second argument of ${kind}() must be a column of "${relname}"`, { position: pos });
  const ts = time.type;
  if (ts.id !== 'timestamp' && ts.id !== 'timestamptz') {
    throw new SqlError(SQLSTATE.DATATYPE_MISMATCH, `the time column of ${kind}() must be timestamp or timestamp with time zone, not ${formatType(ts)}`, { position: pos });
  }
  // sizes: constant intervals of days and time, in microseconds
  const usecs = (node: any, what: string, positive: boolean): bigint => {
    const e = coerce(bindExprIn(node, new Scope([], null), env, 'FROM'), T.interval, 'implicit', env.params, pos);
    if (columnsUsed(e).size > 0 || hasParams(e)) throw unsupported(`a ${what} of ${kind}() that is not a constant`, pos);
    const v = evalConstant(e) as Interval | null;
    if (v === null) throw new SqlError('22004', `the ${what} of ${kind}() must not be NULL`, { position: pos });
    if (v.months !== 0) throw unsupported(`a ${what} of ${kind}() in months or years (windows are measured in days and time)`, pos);
    const n = BigInt(v.days) * USECS_PER_DAY + v.micros;
    if (positive && n <= 0n) throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `the ${what} of ${kind}() must be greater than zero`, { position: pos });
    return n;
  };
  const sizes = intervals.map((what, i) => usecs(raw[2 + i], what, true));
  const size = sizes[sizes.length - 1];
  const slide = sizes[0];
  const offset = raw.length > 2 + intervals.length ? usecs(raw[2 + intervals.length], 'offset', false) : 0n;
  if (size % slide !== 0n) {
    throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, `the window size of hop() must be a whole multiple of its slide`, { position: pos });
  }
  const windows = size / slide;
  if (windows > BigInt(MAX_HOP_WINDOWS)) throw unsupported(`hop() with more than ${MAX_HOP_WINDOWS} windows per row (size / slide)`, pos);

  const epoch = parseValue(ts.id === 'timestamp' ? '1970-01-01 00:00:00' : '1970-01-01 00:00:00+00', ts) as bigint;
  const micros = (n: bigint): Expr => ({ kind: 'literal', value: new Interval(0, 0, n), type: T.interval });
  const cx = { params: env.params };
  // date_bin(slide, time, epoch + offset): the latest window start at or before the time
  const bin: Expr = { kind: 'call', fn: `${ts.id}_bin`, args: [micros(slide), time, { kind: 'literal', value: epoch + offset, type: ts }], type: ts };
  const passThrough = base.plan.schema.map((f, i): Expr => ({ kind: 'column', index: i, type: f.type }));
  const schema: Field[] = [...base.plan.schema, { name: 'window_start', type: ts, nullable: true }, { name: 'window_end', type: ts, nullable: true }];
  const n = base.plan.schema.length;
  const window: WindowTag = { table: base.plan.kind === 'scan' && base.plan.relKind === 'table' ? base.plan.relation : null, timeCol: time.index, size, startCol: n, endCol: n + 1 };
  // HOP: a row without a time is in no window (repeating it per window would count it N times)
  const input: Plan = kind === 'hop' ? { kind: 'filter', input: base.plan, predicate: { kind: 'isnull', arg: time, negated: true, type: T.bool }, schema: base.plan.schema } : base.plan;
  const branch = (k: bigint): Plan => {
    const start = k === 0n ? bin : applyOperator('-', bin, micros(k * slide), cx, pos);
    return { kind: 'project', input, exprs: [...passThrough, start, applyOperator('+', start, micros(size), cx, pos)], schema, window };
  };
  const plan: Plan = windows === 1n ? branch(0n) : { kind: 'union', inputs: Array.from({ length: Number(windows) }, (_, k) => branch(BigInt(k))), schema };
  // the qualifier: the alias, else the relation's name
  const q: string = alias?.aliasname ?? relname;
  const renames: string[] = (alias?.colnames ?? []).map(strVal);
  if (renames.length > schema.length) {
    throw new SqlError(SQLSTATE.INVALID_COLUMN_REFERENCE, `table "${q}" has ${schema.length} columns available but ${renames.length} columns specified`, { position: pos });
  }
  const named = schema.map((f, i) => ({ ...f, name: renames[i] ?? f.name }));
  return {
    plan: renames.length ? ({ ...plan, schema: named } as Plan) : plan,
    columns: named.map((f) => ({ qualifier: q, name: f.name, type: f.type, nullable: f.nullable })),
  };
}
