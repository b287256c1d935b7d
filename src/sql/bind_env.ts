// What every binding step needs: the catalog, parameter types, CTEs in scope, and the set of
// relations the statement reads (recorded as dependencies of views).

import type { Catalog } from '../catalog/catalog.js';
import type { Expr } from '../expr/expr.js';
import type { Plan } from '../plan/logical.js';
import { bindExpr, type AggCollector, type PostCollector } from './bind_expr.js';
import type { ParamTypes } from './coerce.js';
import type { Scope } from './scope.js';
import type { SubqueryCollector } from './bind_subquery.js';
import { setActiveCatalog } from '../catalog/system/functions.js';

export interface BindEnv {
  catalog: Catalog;
  params: ParamTypes;
  ctes: Map<string, Plan>;
  /** The enclosing query's scope (only to word errors for correlated references). */
  outer: Scope | null;
  /** Relations (tables, views, materialized views) the statement reads. */
  dependencies: Set<string>;
  /**
   * Leave untyped literals in the SELECT list untyped (INSERT … SELECT: the target columns
   * decide their types, as in PostgreSQL); otherwise they become text.
   */
  keepUnknown?: boolean;
}

export function bindExprIn(node: any, scope: Scope, env: BindEnv, clause: string, aggs?: AggCollector, subqueries?: SubqueryCollector, post?: PostCollector): Expr {
  // reg* literals ('t'::regclass) and catalog functions read this statement's catalog
  setActiveCatalog(env.catalog);
  return bindExpr(node, { scope, params: env.params, aggs, clause, subqueries, post });
}
