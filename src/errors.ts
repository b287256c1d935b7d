// PostgreSQL-style errors. Every error the engine raises to a user is a SqlError with a
// SQLSTATE code, worded as PostgreSQL words it, so clients and tests can match on the code.

export const SQLSTATE = {
  SUCCESSFUL: '00000',
  FEATURE_NOT_SUPPORTED: '0A000',
  SYNTAX_ERROR: '42601',
  UNDEFINED_TABLE: '42P01',
  UNDEFINED_COLUMN: '42703',
  UNDEFINED_FUNCTION: '42883',
  UNDEFINED_OBJECT: '42704',
  UNDEFINED_PARAMETER: '42P02',
  AMBIGUOUS_COLUMN: '42702',
  AMBIGUOUS_FUNCTION: '42725',
  DUPLICATE_TABLE: '42P07',
  DUPLICATE_COLUMN: '42701',
  DUPLICATE_OBJECT: '42710',
  DUPLICATE_ALIAS: '42712',
  DATATYPE_MISMATCH: '42804',
  GROUPING_ERROR: '42803',
  INVALID_COLUMN_REFERENCE: '42P10',
  WRONG_OBJECT_TYPE: '42809',
  INVALID_TABLE_DEFINITION: '42P16',
  OBJECT_NOT_IN_PREREQUISITE_STATE: '55000',
  DEPENDENT_OBJECTS_STILL_EXIST: '2BP01',
  CANNOT_COERCE: '42846',
  INVALID_TEXT_REPRESENTATION: '22P02',
  INVALID_DATETIME_FORMAT: '22007',
  DATETIME_FIELD_OVERFLOW: '22008',
  NUMERIC_VALUE_OUT_OF_RANGE: '22003',
  DIVISION_BY_ZERO: '22012',
  STRING_DATA_RIGHT_TRUNCATION: '22001',
  INVALID_PARAMETER_VALUE: '22023',
  INVALID_ARGUMENT_FOR_LOG: '2201E',
  INVALID_ARGUMENT_FOR_POWER: '2201F',
  INVALID_ESCAPE_SEQUENCE: '22025',
  INVALID_ROW_COUNT_IN_LIMIT: '2201W',
  INVALID_ROW_COUNT_IN_OFFSET: '2201X',
  CARDINALITY_VIOLATION: '21000',
  NOT_NULL_VIOLATION: '23502',
  UNIQUE_VIOLATION: '23505',
  INVALID_TRANSACTION_STATE: '25000',
  ACTIVE_SQL_TRANSACTION: '25001',
  NO_ACTIVE_SQL_TRANSACTION: '25P01',
  IN_FAILED_SQL_TRANSACTION: '25P02',
  READ_ONLY_SQL_TRANSACTION: '25006',
  INVALID_SAVEPOINT_SPECIFICATION: '3B001',
  SERIALIZATION_FAILURE: '40001',
  LOCK_NOT_AVAILABLE: '55P03',
  INVALID_SCHEMA_NAME: '3F000',
  PROTOCOL_VIOLATION: '08P01',
  INTERNAL_ERROR: 'XX000',
  QUERY_CANCELED: '57014',
  BAD_COPY_FILE_FORMAT: '22P04',
  PROGRAM_LIMIT_EXCEEDED: '54000',
  STATEMENT_TOO_COMPLEX: '54001',
  CONFIGURATION_LIMIT_EXCEEDED: '53400',
  OUT_OF_MEMORY: '53200',
  CANT_CHANGE_RUNTIME_PARAM: '55P02',
  INVALID_JSON_TEXT: '22P02',
  UNTRANSLATABLE_CHARACTER: '22P05',
} as const;

export type Sqlstate = (typeof SQLSTATE)[keyof typeof SQLSTATE] | string;

export interface SqlErrorFields {
  detail?: string;
  hint?: string;
  /** 1-based character position in the query text, as in PostgreSQL's ErrorResponse. */
  position?: number;
  /** CONTEXT: where the error happened, e.g. "COPY t, line 3, column b: \"x\"". */
  where?: string;
  severity?: 'ERROR' | 'FATAL' | 'PANIC';
}

export class SqlError extends Error {
  readonly code: Sqlstate;
  detail?: string;
  hint?: string;
  position?: number;
  where?: string;
  readonly severity: 'ERROR' | 'FATAL' | 'PANIC';

  constructor(code: Sqlstate, message: string, fields: SqlErrorFields = {}) {
    super(message);
    this.name = 'SqlError';
    this.code = code;
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.position = fields.position;
    this.where = fields.where;
    this.severity = fields.severity ?? 'ERROR';
  }
}

/** The one way to refuse a construct we do not support yet: never approximate. */
export function unsupported(construct: string, position?: number): SqlError {
  return new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `${construct} is not supported`, { position });
}

export function syntaxError(message: string, position?: number): SqlError {
  return new SqlError(SQLSTATE.SYNTAX_ERROR, message, { position });
}

export function divisionByZero(): SqlError {
  return new SqlError(SQLSTATE.DIVISION_BY_ZERO, 'division by zero');
}

export function outOfRange(typeName: string): SqlError {
  return new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, `${typeName} out of range`);
}

export function invalidInput(typeName: string, text: string): SqlError {
  return new SqlError(
    SQLSTATE.INVALID_TEXT_REPRESENTATION,
    `invalid input syntax for type ${typeName}: "${text}"`,
  );
}

/** 40001: a row this transaction reads or writes was changed by a commit it cannot see. */
export function concurrentUpdate(): SqlError {
  return new SqlError(SQLSTATE.SERIALIZATION_FAILURE, 'could not serialize access due to concurrent update');
}

/** 40001 from SERIALIZABLE's commit check (PostgreSQL's wording), `detail` saying why. */
export function readWriteConflict(detail: string): SqlError {
  return new SqlError(SQLSTATE.SERIALIZATION_FAILURE, 'could not serialize access due to read/write dependencies among transactions', {
    detail,
    hint: 'The transaction might succeed if retried.',
  });
}

export function internalError(message: string): SqlError {
  return new SqlError(SQLSTATE.INTERNAL_ERROR, message);
}

/** PostgreSQL's check_stack_depth() error (54001), with its hint at the default setting. */
export function stackDepthExceeded(): SqlError {
  return new SqlError(SQLSTATE.STATEMENT_TOO_COMPLEX, 'stack depth limit exceeded', {
    hint: 'Increase the configuration parameter "max_stack_depth" (currently 2048kB), after ensuring the platform\'s stack depth limit is adequate.',
  });
}

/** 53200: a value or a structure larger than the JavaScript heap can hold. */
export function outOfMemory(detail: string): SqlError {
  return new SqlError(SQLSTATE.OUT_OF_MEMORY, 'out of memory', { detail });
}

/** V8's RangeError when the stack is exhausted (deep recursion). */
export function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && e.message === 'Maximum call stack size exceeded';
}

// V8's errors when a string, array or buffer would exceed what it can allocate
const ALLOCATION_FAILURES = /^(Invalid string length|Invalid array length|Invalid typed array length.*|Array buffer allocation failed|Invalid array buffer length|Maximum Map size exceeded|Maximum Set size exceeded|Map maximum size exceeded|Set maximum size exceeded)$/;

/**
 * The error to report for anything a statement throws: SqlErrors as they are; a stack
 * overflow as PostgreSQL's 54001; a value V8 cannot allocate as 53200; anything else is a
 * bug, reported as XX000 rather than as a bare exception.
 */
export function toSqlError(e: unknown): SqlError {
  if (e instanceof SqlError) return e;
  if (isStackOverflow(e)) return stackDepthExceeded();
  if (e instanceof RangeError && ALLOCATION_FAILURES.test(e.message)) {
    return outOfMemory(`The value would exceed the largest string, array or buffer this server can hold (${e.message}).`);
  }
  return new SqlError(SQLSTATE.INTERNAL_ERROR, `internal error: ${(e as Error)?.message ?? String(e)}`);
}
