// The extension points COPY and SUBSCRIBE are built on: a statement handler by parse-tree tag,
// and a query-text handler consulted before parsing. Both take over the connection for a
// statement. Toy handlers on other statements (NOTIFY, an ECHO text) so the real ones stay.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serialize } from 'pg-protocol';
import { Writer } from 'pg-protocol/dist/buffer-writer.js';
import pg from 'pg';
import { registerQueryTextHandler, registerStatementHandler } from '../../src/server/hooks.js';
import { commandComplete, dataRow, rowDescription } from '../../src/server/messages.js';
import { RawClient, startTestServer, type TestServer } from './support.js';

let ts: TestServer;
beforeAll(async () => {
  // a toy COPY-like sub-protocol: CopyInResponse, CopyData until CopyDone, then CommandComplete
  registerStatementHandler('NotifyStmt', async (stmt, cx) => {
    cx.send(new Writer().addString('\0').addInt16(0).flush('G'.charCodeAt(0)));
    await cx.flush();
    let lines = 0;
    for (;;) {
      const m = await cx.readMessage();
      if (m.type === 'd') lines += m.body.toString().split('\n').filter(Boolean).length;
      else if (m.type === 'c') break;
      else throw new Error('unexpected');
    }
    cx.send(commandComplete(`COPY ${lines}`));
  });
  registerQueryTextHandler(/^\s*ECHO\b/i, async (sql, cx) => {
    cx.send(rowDescription([{ name: 'echo', typeOid: 25, typeLen: -1, typeMod: -1, format: 0 }]));
    cx.send(dataRow([sql.trim()]));
    await cx.pace();
    cx.send(commandComplete('SUBSCRIBE'));
  });
  ts = await startTestServer();
});
afterAll(() => ts.close());

describe('statement handlers', () => {
  it('lets a query-text handler answer text that is not PostgreSQL grammar', async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'h' });
    await c.connect();
    const r = await c.query('ECHO this is not grammar');
    expect(r.rows).toEqual([{ echo: 'ECHO this is not grammar' }]);
    expect((await c.query('SELECT 1 AS x')).rows).toEqual([{ x: 1 }]);
    await c.end();
  });

  it('lets a statement handler run a COPY sub-protocol', async () => {
    const c = await RawClient.connect(ts.port);
    c.send(serialize.query('NOTIFY chan'));
    const start = await c.readUntil('G');
    expect(start.map((m) => m.type)).toEqual(['G']);
    c.send(serialize.copyData(Buffer.from('1\ta\n2\tb\n')));
    c.send(serialize.copyData(Buffer.from('3\tc\n')));
    c.send(serialize.copyDone());
    const end = await c.readUntil('Z');
    expect(end.map((m) => m.type).join('')).toBe('CZ');
    expect(end[0].body.toString()).toBe('COPY 3\0');
    c.end();
  });
});
