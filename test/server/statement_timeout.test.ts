// statement_timeout over the extended protocol, as PostgreSQL 15 runs it (statement_timer.ts):
// the same message sequences go to Tributary and, where one answers, to the machine's
// PostgreSQL 15, and both must answer as recorded here from PostgreSQL 15. The clock runs out
// while the client is idle, so the outcomes depend on idle gaps, never on how fast a query
// runs: gaps end a second past the timeout, or 600 ms before it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialize } from 'pg-protocol';
import { bothAnswer } from './side_by_side.js';
import { converse, rawPg15, startTestServer, type Step, type TestServer } from './support.js';

const TIMEOUT = 1500;
const PAST = 2500;
const SHORT = 900;
const TABLE = 'tributary_timeout_test';

let ts: TestServer;
let pg15 = false;

beforeAll(async () => {
  ts = await startTestServer({}, [`CREATE TABLE ${TABLE} (x int)`]);
  const c = await rawPg15();
  if (!c) console.warn('no PostgreSQL 15 answers: test/server/statement_timeout.test.ts checks Tributary only');
  else {
    pg15 = true;
    await converse(c, [{ send: [serialize.query(`DROP TABLE IF EXISTS ${TABLE}; CREATE TABLE ${TABLE} (x int)`)], until: 'Z' }]);
    c.end();
  }
});
afterAll(async () => {
  const c = pg15 ? await rawPg15() : null;
  if (c) {
    await converse(c, [{ send: [serialize.query(`DROP TABLE IF EXISTS ${TABLE}`)], until: 'Z' }]);
    c.end();
  }
  await ts.close();
});

const Q = (sql: string) => serialize.query(sql);
const P = (sql: string, name = '') => serialize.parse({ name, text: sql, types: [] });
const B = (portal = '') => serialize.bind({ portal, statement: '', values: [] });
const E = (rows = 0, portal = '') => serialize.execute({ portal, rows });
const S = serialize.sync();
const H = serialize.flush();
const SERIES = 'SELECT g FROM generate_series(1, 10) g';

/** The steps after `SET statement_timeout`, on Tributary and PostgreSQL 15 at once; both must give `expected`. */
function agree(steps: Step[], expected: string[]): Promise<void> {
  const set: Step = { send: [Q(`SET statement_timeout = ${TIMEOUT}`)], until: 'Z' };
  return bothAnswer(ts.port, pg15, () => [set, ...steps], ['C(SET) Z(I)', ...expected]);
}

describe('statement_timeout over the extended protocol, as PostgreSQL 15', () => {
  it.concurrent('Parse starts the clock; when it runs out while idle, the next message fails and skips to Sync', () =>
    agree(
      [{ send: [P('SELECT 1'), H], until: '1', idle: PAST }, { send: [B(), E(), S], until: 'Z' }, { send: [Q('SELECT 2')], until: 'Z' }],
      ['1', 'E(57014) Z(I)', 'T D[2] C(SELECT 1) Z(I)'],
    ));

  it.concurrent('nothing is sent when it runs out: a Sync then fails, and so does a Flush or a Query', async () => {
    await Promise.all([
      agree([{ send: [P('SELECT 1'), H], until: '1', idle: PAST }, { send: [S], until: 'Z' }], ['1', 'E(57014) Z(I)']),
      agree([{ send: [P('SELECT 1'), H], until: '1', idle: PAST }, { send: [H], until: 'E' }, { send: [S], until: 'Z' }], ['1', 'E(57014)', 'Z(I)']),
      agree([{ send: [P('SELECT 1'), H], until: '1', idle: PAST }, { send: [Q('SELECT 5')], until: 'Z' }, { send: [S], until: 'Z' }], ['1', 'E(57014) Z(I)', 'Z(I)']),
    ]);
  });

  it.concurrent('Parse, Bind and Execute share one clock; Sync stops it', async () => {
    await Promise.all([
      agree(
        [{ send: [P('SELECT 1'), H], until: '1', idle: SHORT }, { send: [B(), H], until: '2', idle: SHORT }, { send: [E(), S], until: 'Z' }],
        ['1', '2', 'E(57014) Z(I)'],
      ),
      agree(
        [{ send: [P('SELECT 1'), S], until: 'Z', idle: SHORT }, { send: [B(), H], until: '2', idle: SHORT }, { send: [E(), S], until: 'Z' }],
        ['1 Z(I)', '2', 'D[1] C(SELECT 1) Z(I)'],
      ),
    ]);
  });

  it.concurrent('a completed Execute stops it; Describe starts it, Close does not', async () => {
    const prepare = { send: [P('SELECT 1', 'st'), S], until: 'Z' };
    await Promise.all([
      agree([{ send: [P('SELECT 1'), B(), E(), H], until: 'C', idle: PAST }, { send: [S], until: 'Z' }], ['1 2 D[1] C(SELECT 1)', 'Z(I)']),
      agree([prepare, { send: [serialize.describe({ type: 'S', name: 'st' }), H], until: 'T', idle: PAST }, { send: [S], until: 'Z' }], ['1 Z(I)', 't T', 'E(57014) Z(I)']),
      agree([prepare, { send: [serialize.close({ type: 'S', name: 'st' }), H], until: '3', idle: PAST }, { send: [S], until: 'Z' }], ['1 Z(I)', '3', 'Z(I)']),
    ]);
  });

  it.concurrent('a suspended portal keeps the clock running until Sync (pg-cursor fetches without Sync, JDBC syncs each fetch)', async () => {
    const cursor = agree(
      [{ send: [P(SERIES), B(), E(2), H], until: 's', idle: SHORT }, { send: [E(2), H], until: 's', idle: SHORT }, { send: [E(2), S], until: 'Z' }],
      ['1 2 D[1] D[2] s', 'D[3] D[4] s', 'E(57014) Z(I)'],
    );
    const jdbc = agree(
      [
        { send: [Q('BEGIN')], until: 'Z' },
        { send: [P(SERIES), B('p'), E(2, 'p'), S], until: 'Z', idle: PAST },
        { send: [E(2, 'p'), S], until: 'Z', idle: PAST },
        { send: [E(0, 'p'), S], until: 'Z' },
        { send: [Q('COMMIT')], until: 'Z' },
      ],
      ['C(BEGIN) Z(T)', '1 2 D[1] D[2] s Z(T)', 'D[3] D[4] s Z(T)', 'D[5] D[6] D[7] D[8] D[9] D[10] C(SELECT 6) Z(T)', 'C(COMMIT) Z(I)'],
    );
    await Promise.all([cursor, jdbc]);
  });

  it.concurrent('running out aborts an open block, and rolls back the implicit transaction', async () => {
    const block = agree(
      [{ send: [Q('BEGIN')], until: 'Z' }, { send: [P(SERIES), B('p'), E(2, 'p'), H], until: 's', idle: PAST }, { send: [E(2, 'p'), S], until: 'Z' }, { send: [Q('ROLLBACK')], until: 'Z' }],
      ['C(BEGIN) Z(T)', '1 2 D[1] D[2] s', 'E(57014) Z(E)', 'C(ROLLBACK) Z(I)'],
    );
    const implicit = agree(
      [
        { send: [P(`INSERT INTO ${TABLE} VALUES (1)`), B(), E(), H], until: 'C' },
        { send: [P('SELECT 1'), H], until: '1', idle: PAST },
        { send: [S], until: 'Z' },
        { send: [Q(`SELECT count(*) FROM ${TABLE}`)], until: 'Z' },
      ],
      ['1 2 C(INSERT 0 1)', '1', 'E(57014) Z(I)', 'T D[0] C(SELECT 1) Z(I)'],
    );
    await Promise.all([block, implicit]);
  });
});
