// The psql binary the psql tests run: $PSQL if set (e.g. a newer 15.x minor release unpacked
// beside the system's, to check the queries its backslash commands send), else the first
// `psql` on PATH. Undefined when there is none: those tests are then skipped.
// PSQLS adds the newer minor releases .ci/fetch-psql unpacked into .ci/psql/*/ (CI does that
// when Debian ships a newer psql 15 than the installed one), for the backslash-command check.

import { execFile } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export const PSQL: string | undefined = process.env.PSQL || onPath('psql');

function fetched(): string[] {
  const dir = join(import.meta.dirname, '..', '..', '.ci', 'psql');
  let versions: string[] = [];
  try {
    versions = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return versions.map((v) => join(dir, v, 'psql')).filter((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Every psql to check backslash commands with: PSQL first, then newer fetched releases. */
export const PSQLS: string[] = [...(PSQL ? [PSQL] : []), ...fetched()];

/** Run psql with `args` (connection options included by the caller); `input` goes to stdin. */
export function runPsql(args: string[], input?: string, env: Record<string, string> = {}, binary = PSQL!): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(binary, args, { env: { ...process.env, PGCONNECT_TIMEOUT: '10', ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}
