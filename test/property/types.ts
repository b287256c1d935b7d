// Types shared by the property generators: SQL types and their categories, generated
// expressions, tables, views and the generation context.

import type { Feature } from './features.js';
import type { R } from './random.js';

export type Ty = 'int' | 'smallint' | 'bigint' | 'numeric' | 'float8' | 'real' | 'text' | 'varchar' | 'bool' | 'interval';
/** Expression categories: exact numbers, floats, text, booleans, intervals. */
export type Cat = 'num' | 'float' | 'text' | 'bool' | 'ivl';

export const isInt = (t: Ty) => t === 'int' || t === 'smallint' || t === 'bigint';
export const isNum = (t: Ty) => isInt(t) || t === 'numeric';
export const catOf = (t: Ty): Cat =>
  isNum(t) ? 'num' : t === 'float8' || t === 'real' ? 'float' : t === 'varchar' || t === 'text' ? 'text' : t === 'interval' ? 'ivl' : 'bool';
export const SQL_TYPE: Record<Ty, string> = {
  int: 'int',
  smallint: 'smallint',
  bigint: 'bigint',
  numeric: 'numeric',
  float8: 'float8',
  real: 'real',
  text: 'text',
  varchar: 'varchar(3)',
  bool: 'boolean',
  interval: 'interval',
};

/** A generated expression. */
export interface E {
  sql: string;
  ty: Ty;
  /** numeric display scale when it is the same on every row, else null */
  scale: number | null;
  /** a float whose value may be inexact: sums over it depend on the order of addition */
  inexact?: boolean;
  /** may raise an error (error-prone generator only) */
  err?: boolean;
  /** a column of a base table (not of a view or derived table, where it may be a constant) */
  base?: boolean;
}

/**
 * Equal values of this expression may print differently: numerics of mixed scales, floats
 * (0 and -0), intervals ('1 day' and '24:00:00'). Where one representative of equal values
 * is picked, such an expression makes the output depend on which one.
 */
export const multiRep = (e: { ty: Ty; scale: number | null }) =>
  e.ty === 'numeric' ? e.scale === null : e.ty === 'float8' || e.ty === 'real' || e.ty === 'interval';

export interface ColInfo {
  name: string;
  ty: Ty;
  scale: number | null;
  /** a float computed inexactly (see E) */
  inexact?: boolean;
}
export type Scope = E[];

export interface Table {
  name: string;
  cols: (ColInfo & { notNull: boolean })[];
  pk: boolean;
}

/** What the differential check needs to know about a generated query (see differential.ts). */
export interface QueryMeta {
  /**
   * Queries over the query's input returning, as column x, the values among which a
   * representative is picked (only picks over equal-but-differently-printed values).
   */
  picks: string[];
  /** PostgreSQL's pick is fixed by the order rows were created in (single table, hashing). */
  ordered: boolean;
}

export interface Rel {
  name: string;
  cols: ColInfo[];
  /** Views this one reads. */
  deps: string[];
  meta: QueryMeta;
  /**
   * Has error-prone expressions: no other query reads it, since PostgreSQL (reading the
   * oracle's plain view) would evaluate them again where the reader's filters are pushed,
   * on rows the view itself never computes.
   */
  err?: boolean;
}
export interface Env {
  tables: Table[];
  views: Rel[];
}

/** Generation context: the random source, the enabled features and positional state. */
export interface G {
  r: R;
  f: ReadonlySet<Feature>;
  /** Tables a WHERE clause may read in subqueries (set only while such a WHERE is generated). */
  sub: Table[] | null;
  /** How many error-prone nodes the expression being generated may still get. */
  errs: number;
  /** The chance that an expression node where errors are allowed is an error-prone one. */
  errP: number;
  /** Error-prone nodes generated so far. */
  made: number;
  /** Tables a SELECT list may read in scalar subqueries (error-prone: 21000). */
  scalar: Table[] | null;
}

export const has = (g: G, f: Feature) => g.f.has(f);

/** Run f with an error budget (error-prone nodes allowed there), restoring the old one. */
export function withErrs<T>(g: G, n: number, f: () => T): T {
  const old = g.errs;
  g.errs = has(g, 'errors') ? n : 0;
  try {
    return f();
  } finally {
    g.errs = old;
  }
}
/** Run f where no error-prone node may appear. */
export const noErrs = <T>(g: G, f: () => T): T => withErrs(g, 0, f);
