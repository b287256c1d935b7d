// Logical plans: plain, printable trees (see explain.ts). The binder builds them, optimizer
// rules rewrite them, lower.ts turns them into dataflow operators. Expressions inside a node
// refer to that node's input columns by position: for a join, left columns then right ones.

import type { SqlType } from '../sql/types.js';
import type { Expr } from '../expr/expr.js';

export interface Field {
  name: string;
  type: SqlType;
  nullable: boolean;
}

export type AggFn = 'count_star' | 'count' | 'sum' | 'avg' | 'min' | 'max' | 'bool_and' | 'bool_or';

export interface AggCall {
  fn: AggFn;
  /** Argument expression over the aggregate's input (absent for count(*)). */
  arg: Expr | null;
  distinct: boolean;
  type: SqlType;
}

export type JoinType = 'inner' | 'left' | 'right' | 'full';

export type Plan =
  /** A base table or a materialized view (both keep integrated contents). */
  | { kind: 'scan'; relation: string; relKind: 'table' | 'materialized view'; schema: Field[] }
  | { kind: 'values'; rows: Expr[][]; schema: Field[] }
  | { kind: 'filter'; input: Plan; predicate: Expr; schema: Field[] }
  /**
   * opaque: a query level that PostgreSQL plans apart (a CTE it materializes), so constant
   * folding does not look through it.
   */
  /** window: the projection of a TUMBLE/HOP (sql/bind_window_tvf.ts), for emit-on-window-close. */
  | { kind: 'project'; input: Plan; exprs: Expr[]; schema: Field[]; opaque?: boolean; window?: WindowTag }
  | {
      kind: 'join';
      type: JoinType;
      left: Plan;
      right: Plan;
      /** ON condition over left ++ right columns (null: cross join). */
      on: Expr | null;
      /**
       * Filled by the optimizer: equi-join keys, over the left and over the right input; `on`
       * then holds only the residual (non-equi) condition.
       */
      leftKeys: Expr[];
      rightKeys: Expr[];
      schema: Field[];
      /**
       * An error raised while computing this side (a filter, a computed column, a join
       * condition inside it) counts only while the other side has rows: PostgreSQL does not
       * read a subquery that no outer row needs, nor the query below a one-time filter that is
       * false (see docs/compatibility.md, "When errors are raised"). Never reordered.
       */
      gate?: 'left' | 'right';
      /**
       * ON conjuncts stay on the join, checked on candidate pairs only, instead of moving into
       * the right side: a correlated scalar subquery's WHERE, which PostgreSQL evaluates on the
       * rows its correlation selects.
       */
      keepOn?: boolean;
    }
  | { kind: 'aggregate'; input: Plan; groupBy: Expr[]; aggs: AggCall[]; schema: Field[] }
  | { kind: 'distinct'; input: Plan; schema: Field[] }
  | { kind: 'union'; inputs: Plan[]; schema: Field[] }
  /** INTERSECT / EXCEPT [ALL] of two inputs with the same column types. */
  | { kind: 'setop'; op: 'intersect' | 'intersect_all' | 'except' | 'except_all'; left: Plan; right: Plan; schema: Field[] }
  /** Ad-hoc reads only: ORDER BY / LIMIT / OFFSET on the final result. */
  | { kind: 'sort'; input: Plan; keys: SortKey[]; schema: Field[] }
  | { kind: 'limit'; input: Plan; limit: Expr | null; offset: Expr | null; schema: Field[] }
  /**
   * Ad-hoc reads only (engine/window.ts): window functions over the input rows; the output is
   * the input's columns followed by one column per call.
   */
  | { kind: 'window'; input: Plan; calls: WindowCall[]; schema: Field[] }
  /**
   * Ad-hoc reads only: set-returning functions in a SELECT list (PostgreSQL's ProjectSet): per
   * input row, the functions run in lockstep and the row repeats as often as the longest one
   * returns rows (shorter ones give NULL). Output: the input's columns, then one per call.
   */
  | { kind: 'project_set'; input: Plan; calls: SrfCall[]; schema: Field[] };

/** Which output columns of a TUMBLE/HOP projection are its window, and over which table (null: another relation). */
export interface WindowTag {
  table: string | null;
  /** The table's column the windows are of. */
  timeCol: number;
  size: bigint;
  startCol: number;
  endCol: number;
}

/**
 * A projection's window tag after its columns moved: `at(c)` is where old column c went (-1:
 * gone). Undefined when neither window column is left.
 */
export function movedWindow(tag: WindowTag | undefined, at: (c: number) => number): WindowTag | undefined {
  if (!tag) return undefined;
  const startCol = at(tag.startCol);
  const endCol = at(tag.endCol);
  return startCol < 0 && endCol < 0 ? undefined : { ...tag, startCol, endCol };
}

export type WindowFn =
  | 'row_number' | 'rank' | 'dense_rank' | 'percent_rank' | 'cume_dist' | 'ntile'
  | 'lag' | 'lead' | 'first_value' | 'last_value' | 'nth_value' | AggFn;

/** A frame bound; `offset` (a constant expression) for `n PRECEDING` / `n FOLLOWING`. */
export interface FrameBound {
  kind: 'unbounded_preceding' | 'preceding' | 'current_row' | 'following' | 'unbounded_following';
  offset: Expr | null;
}

export interface WindowCall {
  fn: WindowFn;
  /** Arguments over the window's input (an aggregate's FILTER is folded into its argument). */
  args: Expr[];
  partitionBy: Expr[];
  orderBy: SortKey[];
  frame: { mode: 'rows' | 'range'; start: FrameBound; end: FrameBound };
  type: SqlType;
}

export interface SrfCall {
  fn: 'unnest' | 'generate_series' | '_pg_expandarray';
  args: Expr[];
  type: SqlType;
}

export interface SortKey {
  expr: Expr;
  desc: boolean;
  nullsFirst: boolean;
}

export function schemaTypes(p: Plan): SqlType[] {
  return p.schema.map((f) => f.type);
}

export function planChildren(p: Plan): Plan[] {
  switch (p.kind) {
    case 'scan':
    case 'values':
      return [];
    case 'join':
    case 'setop':
      return [p.left, p.right];
    case 'union':
      return p.inputs;
    default:
      return [p.input];
  }
}
