// Name resolution for column references: which relation in FROM a name belongs to, and
// at which position of the operator's input row it sits.

import type { SqlType } from './types.js';
import { SqlError, SQLSTATE } from '../errors.js';

export interface ScopeColumn {
  /** Alias (or name) of the FROM item the column comes from; null for merged USING columns. */
  qualifier: string | null;
  name: string;
  type: SqlType;
  nullable: boolean;
  /** Hidden from unqualified `*` and unqualified lookup (the right-hand copy of a USING column). */
  hidden?: boolean;
}

export class Scope {
  readonly columns: ScopeColumn[];
  /** Enclosing query's scope, for correlated references. */
  readonly parent: Scope | null;
  /**
   * Set on an enclosing scope by the binder of a correlated subquery: resolves a reference to
   * one of this scope's columns from inside the subquery (returning the subquery's marker
   * column for it). Without it, correlated references are refused.
   */
  correlate?: (name: string, qualifier: string | null, location?: number) => number;
  /** Types of the marker columns `correlate` handed out. */
  readonly markerTypes = new Map<number, SqlType>();
  /** Markers `correlate` handed out for outer columns that are NULL in every row: they bind as NULL. */
  readonly nullMarkers = new Set<number>();

  /** Type of a resolved column (a marker column's type comes from the enclosing scope). */
  typeOf(index: number): SqlType {
    if (index >= 0) return this.columns[index].type;
    const t = this.parent?.markerTypes.get(index);
    if (!t) throw new SqlError(SQLSTATE.INTERNAL_ERROR, `unknown column marker ${index}`);
    return t;
  }

  constructor(columns: ScopeColumn[], parent: Scope | null = null) {
    this.columns = columns;
    this.parent = parent;
  }

  static empty(): Scope {
    return new Scope([]);
  }

  /** Resolve a (possibly qualified) column name to its position. */
  resolve(name: string, qualifier: string | null, location?: number): number {
    const position = location !== undefined ? location + 1 : undefined;
    let found = -1;
    if (qualifier !== null) {
      if (!this.columns.some((c) => c.qualifier === qualifier)) {
        if (this.parent?.correlate && this.parent.hasQualifier(qualifier)) return this.parent.correlate(name, qualifier, location);
        if (this.parent?.hasQualifier(qualifier)) {
          throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'correlated subqueries are not supported', { position });
        }
        throw new SqlError(SQLSTATE.UNDEFINED_TABLE, `missing FROM-clause entry for table "${qualifier}"`, { position });
      }
      for (let i = 0; i < this.columns.length; i++) {
        const c = this.columns[i];
        if (c.qualifier === qualifier && c.name === name) {
          if (found >= 0) throw ambiguous(`${qualifier}.${name}`, position);
          found = i;
        }
      }
      if (found < 0) {
        throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column ${qualifier}.${name} does not exist`, { position });
      }
      return found;
    }
    for (let i = 0; i < this.columns.length; i++) {
      const c = this.columns[i];
      if (c.name === name && !c.hidden) {
        if (found >= 0) throw ambiguous(name, position);
        found = i;
      }
    }
    if (found < 0) {
      if (this.parent?.correlate && this.parent.hasColumn(name)) return this.parent.correlate(name, null, location);
      if (this.parent?.hasColumn(name)) {
        throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, 'correlated subqueries are not supported', { position });
      }
      throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${name}" does not exist`, { position });
    }
    return found;
  }

  hasQualifier(q: string): boolean {
    return this.columns.some((c) => c.qualifier === q) || (this.parent?.hasQualifier(q) ?? false);
  }

  hasColumn(name: string): boolean {
    return this.columns.some((c) => c.name === name) || (this.parent?.hasColumn(name) ?? false);
  }
}

function ambiguous(name: string, position?: number): SqlError {
  return new SqlError(SQLSTATE.AMBIGUOUS_COLUMN, `column reference "${name}" is ambiguous`, { position });
}
