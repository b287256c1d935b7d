// The catalog: tables, views and materialized views by name, with the dependency edges that
// DROP needs. Everything lives in one schema, `public`; names are stored case-folded as
// PostgreSQL folds unquoted identifiers (the parser has already done the folding).

import type { EmitOnClose } from '../plan/emit_on_close.js';
import type { TableWatermark } from '../sources/watermark.js';
import type { SqlType } from '../sql/types.js';
import type { Expr } from '../expr/expr.js';
import type { Value } from '../expr/value.js';
import type { Field, Plan } from '../plan/logical.js';
import type { TableStore } from '../storage/table_store.js';
import type { Operator } from '../dataflow/operator.js';
import { SqlError, SQLSTATE } from '../errors.js';

export interface ColumnDef {
  name: string;
  type: SqlType;
  notNull: boolean;
  /** DEFAULT expression (bound, no column references), or null for NULL. */
  default: Expr | null;
}

export interface TableEntry {
  kind: 'table';
  name: string;
  oid: number;
  columns: ColumnDef[];
  primaryKey: number[] | null;
  store: TableStore;
  /** The dataflow source that emits this table's committed changes. */
  source: Operator;
  /** The source that feeds the table (Kafka, a generator); DML on the table is refused. */
  feed?: TableFeed;
  /** Append-only: INSERT only, and the table keeps no rows (its views keep what they need). */
  appendOnly?: boolean;
  /** Event time's progress: late rows are dropped (sources/watermark.ts). */
  watermark?: TableWatermark;
}

/** DML on a table a source feeds is refused: its rows are the source's. */
export function refuseIfFed(t: TableEntry): void {
  if (!t.feed) return;
  throw new SqlError(SQLSTATE.WRONG_OBJECT_TYPE, `cannot change table "${t.name}": it is fed by ${t.feed.description}`, {
    hint: 'Its rows come from the source. Change them at the source, or create a table without a connector.',
  });
}

/** A running source, as the catalog sees it (src/sources/source_runner.ts). */
export interface TableFeed {
  /** `kafka topic "t"`, `datagen generator`: how errors and the catalog name it. */
  readonly description: string;
  /** Stop consuming (DROP TABLE, closing the database). */
  stop(): Promise<void>;
  /** Rows of tributary_catalog.sources and .source_errors (columns in catalog/system/tributary.ts). */
  statusRows(): Value[][];
  errorRows(): Value[][];
  /** Recovery: go on from these positions (partition → next offset), before consuming anything. */
  resume(positions: ReadonlyMap<number, number>): void;
}

/** What plain and materialized views share: a bound query and what it reads. */
interface ViewDefinition {
  name: string;
  oid: number;
  columns: Field[];
  plan: Plan;
  sql: string;
  dependsOn: string[];
}

export interface ViewEntry extends ViewDefinition {
  kind: 'view';
}

export interface MaterializedViewEntry extends ViewDefinition {
  kind: 'materialized view';
  /** `WITH (emit = 'on_window_close')`: rows appear when their window closes (plan/emit_on_close.ts). */
  emit?: EmitOnClose;
  /** The operator keeping the view's integrated contents. */
  output: Operator;
  /** Every operator created for this view (removed on DROP). */
  operators: Operator[];
  /** Why the view can no longer be read (its state was lost; see Engine.rebuildViews). */
  broken?: SqlError;
}

export type CatalogEntry = TableEntry | ViewEntry | MaterializedViewEntry;

/** An index. A plain index changes no result (it is recorded for catalogs and tools); a
 * UNIQUE one is enforced by the table's store. */
export interface IndexEntry {
  name: string;
  oid: number;
  relation: string;
  columns: string[];
  unique: boolean;
}
export type RelationKind = CatalogEntry['kind'];

export const DEFAULT_SCHEMA = 'public';

let catalogVersions = 0;
function nextCatalogVersion(): number {
  return ++catalogVersions;
}

export class Catalog {
  private entries = new Map<string, CatalogEntry>();
  /**
   * Names a transaction has created or dropped and not yet committed, with that transaction.
   * Other transactions get 55P03 on them until it ends (PostgreSQL would make them wait).
   */
  readonly locks = new Map<string, object>();
  /** The transaction whose statement is running (set as each statement starts or resumes). */
  viewer: object | null = null;
  /** Indexes by name; they share the relation namespace, as in PostgreSQL's pg_class. */
  readonly indexes = new Map<string, IndexEntry>();
  private nextOid = 16384; // first OID PostgreSQL hands to user objects

  allocOid(): number {
    return this.nextOid++;
  }

  private derived = new Map<string, number>();

  /**
   * A stable oid for an object the catalog does not store as an entry of its own (the index
   * and constraint behind a PRIMARY KEY or UNIQUE): allocated on first request, then kept.
   */
  derivedOid(key: string): number {
    let oid = this.derived.get(key);
    if (oid === undefined) {
      oid = this.allocOid();
      this.derived.set(key, oid);
    }
    return oid;
  }

  get(name: string): CatalogEntry | undefined {
    return this.entries.get(name);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Look a relation up by (optionally schema-qualified) name, or raise 42P01. */
  resolve(name: string, schema?: string): CatalogEntry {
    if (schema && schema !== DEFAULT_SCHEMA) {
      throw new SqlError(SQLSTATE.UNDEFINED_TABLE, `relation "${schema}.${name}" does not exist`);
    }
    this.checkLock(name);
    const e = this.entries.get(name);
    if (!e) throw new SqlError(SQLSTATE.UNDEFINED_TABLE, `relation "${name}" does not exist`);
    return e;
  }

  /** 55P03 if another transaction's uncommitted DDL holds `name`. */
  checkLock(name: string): void {
    const owner = this.locks.get(name);
    if (owner !== undefined && owner !== this.viewer) {
      throw new SqlError(SQLSTATE.LOCK_NOT_AVAILABLE, `could not obtain lock on relation "${name}"`, {
        detail: 'Another transaction has created or dropped it and not yet committed.',
      });
    }
  }

  /**
   * Changes with every change of the relations or indexes, so cached plans know they are
   * stale. Drawn from one counter for all catalogs: parse trees (and the plans cached on them)
   * are shared by every database in the process, and no two catalog states share a version.
   */
  version = nextCatalogVersion();

  /** Record a change (DDL) of this catalog. */
  changed(): void {
    this.version = nextCatalogVersion();
  }

  /** `internal`: the engine putting back what it took out (no name check). */
  add(entry: CatalogEntry, internal = false): void {
    this.changed();
    if (!internal) this.checkLock(entry.name);
    if (this.entries.has(entry.name) || this.indexes.has(entry.name)) {
      throw new SqlError(SQLSTATE.DUPLICATE_TABLE, `relation "${entry.name}" already exists`);
    }
    this.entries.set(entry.name, entry);
  }

  remove(name: string): void {
    this.changed();
    this.entries.delete(name);
    for (const [k, ix] of this.indexes) if (ix.relation === name) this.indexes.delete(k);
  }

  all(): CatalogEntry[] {
    return [...this.entries.values()];
  }

  /** Objects that directly depend on `name`. */
  dependents(name: string): CatalogEntry[] {
    return this.all().filter((e) => e.kind !== 'table' && e.dependsOn.includes(name));
  }

  /** `name` and everything that transitively depends on it, dependents first. */
  dropOrder(name: string): CatalogEntry[] {
    const out: CatalogEntry[] = [];
    const seen = new Set<string>();
    const visit = (n: string) => {
      if (seen.has(n)) return;
      seen.add(n);
      for (const d of this.dependents(n)) visit(d.name);
      out.push(this.entries.get(n)!);
    };
    visit(name);
    return out;
  }
}
