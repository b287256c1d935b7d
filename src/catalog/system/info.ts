// What the emulated system catalogs know about the live catalog: namespaces, roles, the
// relations (user ones plus the emulated system relations themselves), their columns,
// indexes and constraints, each with a stable oid. Built on demand from `Catalog`; the
// system relations (relations.ts) and the catalog functions (functions.ts) read it.

import type { Catalog, CatalogEntry, TableEntry } from '../catalog.js';
import { T, TYPE_INFO, formatType, type SqlType, type TypeId } from '../../sql/types.js';
import type { Expr } from '../../expr/expr.js';
import { formatValue } from '../../expr/format.js';
import { getFunctionImpl } from '../../expr/functions/registry.js';

export const NS_PG_CATALOG = 11;
export const NS_PUBLIC = 2200;
export const NS_INFORMATION_SCHEMA = 13000;
export const NS_PG_TOAST = 99;
export const ROLE_OWNER = 10;
export const ROLE_DATABASE_OWNER = 6171;
/** The executing session's user owns every object here (as the bootstrap superuser does). */
export function ownerName(): string {
  return getFunctionImpl('current_user').eval([]) as string;
}
/** The one database, named as the session connected to it. */
export function databaseName(): string {
  return getFunctionImpl('current_database').eval([]) as string;
}
export const DATABASE_OID = 5;
export const AM_HEAP = 2;
export const AM_BTREE = 403;
export const COLLATION_DEFAULT = 100;

export const NAMESPACES: { oid: number; name: string; owner: number }[] = [
  { oid: NS_PG_CATALOG, name: 'pg_catalog', owner: ROLE_OWNER },
  { oid: NS_PUBLIC, name: 'public', owner: ROLE_DATABASE_OWNER },
  { oid: NS_INFORMATION_SCHEMA, name: 'information_schema', owner: ROLE_OWNER },
  { oid: NS_PG_TOAST, name: 'pg_toast', owner: ROLE_OWNER },
];

/** The session's user (a superuser, ROLE_OWNER) and PostgreSQL 15's predefined roles. */
export const ROLES: { oid: number; name: string; superuser: boolean; login: boolean }[] = [
  { oid: ROLE_OWNER, name: 'tributary', superuser: true, login: true },
  ...(
    [
      [3373, 'pg_monitor'], [3374, 'pg_read_all_settings'], [3375, 'pg_read_all_stats'], [3377, 'pg_stat_scan_tables'],
      [4200, 'pg_signal_backend'], [4544, 'pg_checkpoint'], [4569, 'pg_read_server_files'], [4570, 'pg_write_server_files'],
      [4571, 'pg_execute_server_program'], [ROLE_DATABASE_OWNER, 'pg_database_owner'], [6181, 'pg_read_all_data'], [6182, 'pg_write_all_data'],
    ] as const
  ).map(([oid, name]) => ({ oid, name, superuser: false, login: false })),
];

/** pg_type.typarray of our types (0: none). */
export const ARRAY_OID: Partial<Record<TypeId, number>> = {
  bool: 1000, int2: 1005, int4: 1007, int8: 1016, numeric: 1231, float4: 1021, float8: 1022, text: 1009,
  varchar: 1015, bpchar: 1014, date: 1182, timestamp: 1115, timestamptz: 1185, interval: 1187, jsonb: 3807,
  oid: 1028, regclass: 2210, regtype: 2211, regproc: 1008, regnamespace: 4090, regrole: 4097, name: 1003,
  char: 1002, int2vector: 1006, oidvector: 1013,
};

/** pg_type.typstorage. */
export function typStorage(id: TypeId): string {
  if (id === 'numeric') return 'm';
  return TYPE_INFO[id].len === -1 ? 'x' : 'p';
}

export function typCollation(id: TypeId): number {
  if (id === 'text' || id === 'varchar' || id === 'bpchar') return COLLATION_DEFAULT;
  if (id === 'name') return 950; // "C"
  return 0;
}

export interface ColumnInfo {
  name: string;
  type: SqlType;
  notNull: boolean;
  /** Default expression as pg_get_expr prints it, or null. */
  default: string | null;
}

export interface IndexInfo {
  oid: number;
  name: string;
  table: RelationInfo;
  /** 1-based column numbers of the table. */
  keys: number[];
  unique: boolean;
  primary: boolean;
  /** The constraint it implements (PRIMARY KEY / UNIQUE), if any. */
  constraint: { oid: number; type: 'p' | 'u' } | null;
}

export interface RelationInfo {
  oid: number;
  name: string;
  namespace: number;
  /** pg_class.relkind */
  kind: 'r' | 'v' | 'm' | 'i';
  columns: ColumnInfo[];
  /** The view's defining query text (views and materialized views). */
  definition: string | null;
  entry: CatalogEntry | null;
  rowEstimate: number;
}

/** A system relation's name, namespace, oid and columns (relations.ts fills the registry). */
export interface SystemRelationDef {
  schema: 'pg_catalog' | 'information_schema';
  name: string;
  oid: number;
  kind: 'r' | 'v';
  columns: [string, SqlType][];
}

export const systemDefs: SystemRelationDef[] = [];

export class CatalogInfo {
  readonly relations: RelationInfo[] = [];
  readonly indexes: IndexInfo[] = [];
  private byOid = new Map<number, RelationInfo>();
  private indexByOid = new Map<number, IndexInfo>();

  constructor(readonly catalog: Catalog) {
    for (const d of systemDefs) {
      this.addRelation({
        oid: d.oid,
        name: d.name,
        namespace: d.schema === 'pg_catalog' ? NS_PG_CATALOG : NS_INFORMATION_SCHEMA,
        kind: d.kind,
        columns: d.columns.map(([name, type]) => ({ name, type, notNull: false, default: null })),
        definition: null,
        entry: null,
        rowEstimate: -1,
      });
    }
    for (const e of catalog.all()) {
      const rel: RelationInfo = {
        oid: e.oid,
        name: e.name,
        namespace: NS_PUBLIC,
        kind: e.kind === 'table' ? 'r' : e.kind === 'view' ? 'v' : 'm',
        columns:
          e.kind === 'table'
            ? e.columns.map((c) => ({ name: c.name, type: c.type, notNull: c.notNull, default: c.default ? deparseDefault(c.default) : null }))
            : e.columns.map((c) => ({ name: c.name, type: c.type, notNull: false, default: null })),
        definition: e.kind === 'table' ? null : viewQueryText(e.sql),
        entry: e,
        rowEstimate: e.kind === 'table' ? e.store.size : e.kind === 'materialized view' ? (e.output.snapshot()?.length ?? 0) : 0,
      };
      this.addRelation(rel);
      if (e.kind === 'table') this.addConstraintIndexes(e, rel);
    }
    for (const ix of catalog.indexes.values()) {
      const table = this.relations.find((r) => r.entry?.name === ix.relation);
      if (!table) continue;
      const keys = ix.columns.map((c) => table.columns.findIndex((x) => x.name === c) + 1);
      this.addIndex({ oid: ix.oid, name: ix.name, table, keys, unique: ix.unique, primary: false, constraint: null });
    }
  }

  private addRelation(r: RelationInfo): void {
    this.relations.push(r);
    this.byOid.set(r.oid, r);
  }

  private addIndex(ix: IndexInfo): void {
    this.indexes.push(ix);
    this.indexByOid.set(ix.oid, ix);
    this.addRelation({
      oid: ix.oid,
      name: ix.name,
      namespace: ix.table.namespace,
      kind: 'i',
      columns: ix.keys.map((k) => ({ ...ix.table.columns[k - 1], notNull: false, default: null })),
      definition: null,
      entry: null,
      rowEstimate: 0,
    });
  }

  /** The indexes behind PRIMARY KEY and UNIQUE constraints (not CREATE UNIQUE INDEX ones). */
  private addConstraintIndexes(t: TableEntry, rel: RelationInfo): void {
    for (const u of t.store.uniques) {
      if (this.catalog.indexes.has(u.name)) continue;
      const primary = t.primaryKey !== null && u === t.store.uniques[0];
      const oid = this.catalog.derivedOid(`${t.oid}:index:${u.name}`);
      const conOid = this.catalog.derivedOid(`${t.oid}:constraint:${u.name}`);
      this.addIndex({
        oid,
        name: u.name,
        table: rel,
        keys: u.cols.map((c) => c + 1),
        unique: true,
        primary,
        constraint: { oid: conOid, type: primary ? 'p' : 'u' },
      });
    }
  }

  relation(oid: number): RelationInfo | undefined {
    return this.byOid.get(oid);
  }

  index(oid: number): IndexInfo | undefined {
    return this.indexByOid.get(oid);
  }

  constraint(oid: number): IndexInfo | undefined {
    return this.indexes.find((ix) => ix.constraint?.oid === oid);
  }

  /** Relations by name in a namespace (unqualified: pg_catalog, then public). */
  findRelation(name: string, schema?: string): RelationInfo | undefined {
    const spaces = schema ? NAMESPACES.filter((n) => n.name === schema).map((n) => n.oid) : [NS_PG_CATALOG, NS_PUBLIC];
    for (const ns of spaces) {
      const r = this.relations.find((x) => x.namespace === ns && x.name === name);
      if (r) return r;
    }
    return undefined;
  }
}

/** The query of a CREATE [MATERIALIZED] VIEW statement, as written. */
export function viewQueryText(sql: string): string {
  const m = /^\s*create\s+(?:or\s+replace\s+)?(?:materialized\s+)?view\s+(?:if\s+not\s+exists\s+)?(?:"(?:[^"]|"")*"|[^\s(]+)\s*(?:\([^)]*\))?\s*as\s+/is.exec(sql);
  return m ? sql.slice(m[0].length).replace(/;\s*$/, '') : sql;
}

/**
 * A DEFAULT expression as pg_get_expr prints it: a constant with its cast
 * (`'x'::character varying`, `0`, `'-1'::integer`, `true`), casts, and function calls.
 */
export function deparseDefault(e: Expr): string {
  switch (e.kind) {
    case 'literal': {
      if (e.value === null) return `NULL::${formatType(e.type)}`;
      const text = formatValue(e.value, e.type)!;
      if (e.type.id === 'bool') return e.value ? 'true' : 'false';
      if (e.type.id === 'int4' && !text.startsWith('-')) return text;
      if (e.type.id === 'numeric' && e.type.typmod < 0 && /^\d+\.\d+$/.test(text)) return text;
      // the constant has the column's base type; the length coercion is not part of it
      return `${quoteLiteral(text)}::${formatType({ id: e.type.id, typmod: -1 })}`;
    }
    case 'cast':
      // ruleutils hides implicit and assignment coercions (numeric(10,2) DEFAULT 1.5 → 1.5)
      return e.explicit ? `(${deparseDefault(e.arg)})::${formatType(e.type)}` : deparseDefault(e.arg);
    case 'call':
      return `${e.fn}(${e.args.map(deparseDefault).join(', ')})`;
    default:
      return '(expression)';
  }
}

export function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

const RESERVED = new Set(
  ('all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create current_catalog ' +
    'current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end ' +
    'except false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime ' +
    'localtimestamp not null offset on only or order placing primary references returning select session_user some ' +
    'symmetric system_user table then to trailing true union unique user using variadic when where window with').split(' '),
);

/** An index's key columns as a deparsed list, `a, "B c"`. */
export function keyColumnList(ix: IndexInfo): string {
  return ix.keys.map((k) => quoteIdent(ix.table.columns[k - 1].name)).join(', ');
}

/** quote_ident: double-quote unless a plain lower-case identifier that is not reserved. */
export function quoteIdent(s: string): string {
  if (/^[a-z_][a-z0-9_$]*$/.test(s) && !RESERVED.has(s)) return s;
  return `"${s.replace(/"/g, '""')}"`;
}

export const T_ANY_TEXT = T.text;
