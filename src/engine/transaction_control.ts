// PostgreSQL's rules about which statements may run in which transaction state: what an
// aborted block still accepts, which statements count as a transaction's first query, and
// the names under which a read-only transaction refuses a write (CreateCommandName's).

import { nodeTag, type ParsedStatement } from '../sql/parser.js';
import { SqlError, SQLSTATE } from '../errors.js';

/** COMMIT, ROLLBACK, ROLLBACK TO and PREPARE TRANSACTION: the statements an aborted block accepts. */
export function isTransactionExit(stmt: ParsedStatement | null): boolean {
  if (!stmt || nodeTag(stmt.node) !== 'TransactionStmt') return false;
  const kind = stmt.node.TransactionStmt.kind;
  return kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK' || kind === 'TRANS_STMT_ROLLBACK_TO' || kind === 'TRANS_STMT_PREPARE';
}

export function abortedError(): SqlError {
  return new SqlError(SQLSTATE.IN_FAILED_SQL_TRANSACTION, 'current transaction is aborted, commands ignored until end of transaction block');
}

/**
 * Whether a statement takes the transaction's snapshot (after which its isolation level,
 * read-write mode and deferrability may no longer change): everything but transaction
 * control, SET and SHOW, as PostgreSQL's PlannedStmtRequiresSnapshot.
 */
export function takesSnapshot(tag: string): boolean {
  return tag !== 'TransactionStmt' && tag !== 'VariableSetStmt' && tag !== 'VariableShowStmt';
}

const OBJECT_NAMES: Record<string, string> = {
  OBJECT_TABLE: 'TABLE',
  OBJECT_VIEW: 'VIEW',
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_INDEX: 'INDEX',
  OBJECT_SCHEMA: 'SCHEMA',
  OBJECT_SEQUENCE: 'SEQUENCE',
  OBJECT_TYPE: 'TYPE',
  OBJECT_FUNCTION: 'FUNCTION',
  OBJECT_DOMAIN: 'DOMAIN',
};

/**
 * A utility statement that a read-only transaction refuses before doing anything (the name
 * is PostgreSQL's, for "cannot execute … in a read-only transaction"), or null. DML is
 * refused when it writes (Session), COPY FROM once its table is known (server/copy.ts).
 */
export function readOnlyRefusal(tag: string, n: any): string | null {
  const object = (t: string | undefined) => OBJECT_NAMES[t ?? ''] ?? 'OBJECT';
  switch (tag) {
    case 'SelectStmt':
      return n.intoClause ? 'SELECT INTO' : null;
    case 'CreateStmt':
      return 'CREATE TABLE';
    case 'ViewStmt':
      return 'CREATE VIEW';
    case 'CreateTableAsStmt':
      if (n.objtype === 'OBJECT_MATVIEW') return 'CREATE MATERIALIZED VIEW';
      return n.is_select_into ? 'SELECT INTO' : 'CREATE TABLE AS';
    case 'IndexStmt':
      return 'CREATE INDEX';
    case 'DropStmt':
      return `DROP ${object(n.removeType)}`;
    case 'TruncateStmt':
      return 'TRUNCATE TABLE';
    case 'AlterTableStmt':
      return `ALTER ${object(n.objtype)}`;
    case 'RenameStmt':
      return `ALTER ${object(n.renameType)}`;
    case 'CreateSchemaStmt':
      return 'CREATE SCHEMA';
    case 'CreateSeqStmt':
      return 'CREATE SEQUENCE';
    case 'CreateFunctionStmt':
      return n.is_procedure ? 'CREATE PROCEDURE' : 'CREATE FUNCTION';
    case 'CompositeTypeStmt':
    case 'CreateEnumStmt':
      return 'CREATE TYPE';
    case 'CommentStmt':
      return 'COMMENT';
    case 'GrantStmt':
      return n.is_grant ? 'GRANT' : 'REVOKE';
    case 'RefreshMatViewStmt':
      return 'REFRESH MATERIALIZED VIEW';
    default:
      return null;
  }
}
