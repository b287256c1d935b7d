// SQLSTATEs and error wording for storage failures. src/errors.ts has no constants for these
// classes yet, so the codes live here (PostgreSQL's values).

import { SqlError } from '../errors.js';

export const STORAGE_SQLSTATE = {
  DISK_FULL: '53100',
  IO_ERROR: '58030',
  OBJECT_IN_USE: '55006',
  DATA_CORRUPTED: 'XX001',
} as const;

/**
 * A failed system call on `file` as PostgreSQL reports it: `could not <action> file "<file>":
 * <reason>`. A full disk (or quota) is 53100, so clients can tell it from a broken device.
 */
export function ioFailure(err: unknown, action: string, file: string): SqlError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const diskFull = code === 'ENOSPC' || code === 'EDQUOT';
  const error = new SqlError(
    diskFull ? STORAGE_SQLSTATE.DISK_FULL : STORAGE_SQLSTATE.IO_ERROR,
    `could not ${action} file "${file}": ${systemReason(err)}`,
    diskFull ? { hint: 'Free disk space, then restart the server.' } : {},
  );
  error.cause = err;
  return error;
}

/** "No space left on device" out of Node's "ENOSPC: no space left on device, write". */
function systemReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const m = /^[A-Z0-9]+: (.*?)(?:, \w+(?: '.*')?)?$/.exec(message);
  const reason = m ? m[1] : message;
  return reason.charAt(0).toUpperCase() + reason.slice(1);
}
