import type { Row } from '../expr/value.js';
import type { FieldInfo } from './result.js';

/** What executing one statement produced, before shaping for the API or the wire. */
export interface StatementResult {
  command: string;
  rowCount?: number;
  fields?: FieldInfo[];
  rows?: Row[];
  notices?: string[];
  /** The rows went out as they were produced (Session.executeStatementAsync's stream). */
  streamed?: boolean;
}
