// Conversations run on Tributary and on the machine's PostgreSQL 15 at once, compared with
// transcripts recorded from PostgreSQL 15 (kept apart from support.ts, which benchmarks import
// without vitest).

import { expect } from 'vitest';
import { converse, rawPg15, RawClient, type Step } from './support.js';

/**
 * The same conversation with Tributary (on `port`) and, when `pg15`, with PostgreSQL 15, at
 * once (`steps` may differ only in what they run on the side); each must give `expected`.
 */
export async function bothAnswer(port: number, pg15: boolean, steps: (server: 'ours' | 'pg15') => Step[], expected: string[]): Promise<void> {
  const run = async (server: 'ours' | 'pg15') => {
    const c = server === 'ours' ? await RawClient.connect(port) : await rawPg15();
    if (!c) throw new Error('PostgreSQL 15 went away');
    try {
      return await converse(c, steps(server));
    } finally {
      c.end();
    }
  };
  const [ours, theirs] = await Promise.all([run('ours'), pg15 ? run('pg15') : expected]);
  expect(theirs, 'PostgreSQL 15').toEqual(expected);
  expect(ours, 'Tributary').toEqual(expected);
}
