// What the parts of a source agree on: the table's columns as a decoder or generator sees
// them, a message as a Kafka client delivers it, and what one message asks of the table.

import type { Row } from '../expr/value.js';
import type { SqlType } from '../sql/types.js';

/** A column of the table a source feeds. */
export interface SourceColumn {
  name: string;
  type: SqlType;
  notNull: boolean;
}

/** The table a source feeds: columns in order, and the primary key's column positions. */
export interface SourceTable {
  name: string;
  columns: readonly SourceColumn[];
  primaryKey: readonly number[] | null;
}

/** One Kafka message. Offsets stay below 2^53 in practice, so they are numbers. */
export interface SourceMessage {
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** The message's timestamp, milliseconds since the epoch. */
  timestamp: number;
}

/**
 * What one message asks of the table. Rows are full rows in column order, values in the
 * engine's representation (src/expr/value.ts). A key row has the primary key's columns set
 * (the others may be null); it identifies the row to delete.
 */
export type RowChange =
  /** Append a row (format json, generators). */
  | { kind: 'insert'; row: Row }
  /** The row with this row's primary key is now `row` (inserted or replaced). */
  | { kind: 'upsert'; row: Row }
  /** Delete the row whose primary key is the key row's (nothing if there is none). */
  | { kind: 'delete'; key: Row }
  /** Delete the row with `before`'s key, then upsert `row` (a Debezium update may change the key). */
  | { kind: 'update'; before: Row; row: Row };

/** Why a message could not be used: recorded in tributary_catalog.source_errors with its position. */
export class MessageError extends Error {}
