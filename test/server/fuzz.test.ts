// Random and mutated frontend messages over many connections (deterministic seed): each
// connection may be refused or closed, but the server and every other session carry on.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { serialize } from 'pg-protocol';
import pg from 'pg';
import { startTestServer, type TestServer } from './support.js';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({}, ['CREATE TABLE f (a int, b text)', "INSERT INTO f VALUES (1, 'x')"]);
});
afterAll(() => ts.close());

function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, bytes, pick };
}

const VALID: Buffer[] = [
  serialize.query('SELECT a, b FROM f'),
  serialize.query("SELECT 1; INSERT INTO f VALUES (2, 'y'); SELECT 1/0"),
  serialize.query('BEGIN'),
  serialize.query('ROLLBACK'),
  serialize.query(''),
  serialize.parse({ name: 's1', text: 'SELECT $1::int + a FROM f', types: [23] }),
  serialize.parse({ text: 'SELECT $1, $2' }),
  serialize.bind({ statement: 's1', values: ['5'] }),
  serialize.bind({ portal: 'p', statement: '', values: [Buffer.from([0, 0, 0, 1]), null], binary: true }),
  serialize.describe({ type: 'S', name: 's1' }),
  serialize.describe({ type: 'P', name: '' }),
  serialize.execute({ rows: 1 }),
  serialize.execute({ portal: 'p' }),
  serialize.close({ type: 'S', name: 's1' }),
  serialize.close({ type: 'P', name: 'p' }),
  serialize.flush(),
  serialize.sync(),
  serialize.copyData(Buffer.from('1\tx\n')),
  serialize.copyDone(),
  serialize.copyFail('nope'),
  serialize.password('pw'),
];
const STARTUPS: Buffer[] = [
  serialize.startup({ user: 'fuzz', database: 'db' }),
  serialize.requestSsl(),
  serialize.cancel(1234, 5678),
  (() => {
    const b = Buffer.alloc(8);
    b.writeInt32BE(8, 0);
    b.writeInt32BE(80877104, 4); // GSSENCRequest
    return b;
  })(),
];

type R = ReturnType<typeof rng>;

function mutate(r: R, msg: Buffer, hasType: boolean): Buffer {
  const m = Buffer.from(msg);
  const lenAt = hasType ? 1 : 0;
  switch (r.int(7)) {
    case 0: // flip a few bytes
      for (let k = 0, n = 1 + r.int(4); k < n; k++) m[r.int(m.length)] = r.int(256);
      return m;
    case 1: // wrong length field: tiny, negative, huge, off by a little
      m.writeInt32BE(r.pick([0, 1, 3, -1, -0x80000000, 0x7fffffff, 0x40000000, 12000, m.length + 1 + r.int(8), Math.max(0, m.length - 2 - r.int(4))]), lenAt);
      return m;
    case 2: // unknown or wrong message type
      if (hasType) m[0] = r.int(256);
      return m;
    case 3: // truncated
      return m.subarray(0, r.int(m.length));
    case 4: // random garbage of a plausible shape
      return Buffer.concat([Buffer.from([r.int(256)]), r.bytes(4 + r.int(40))]);
    case 5: // valid frame, body cut short but length consistent
      if (hasType && m.length > 6) {
        const cut = 5 + r.int(m.length - 5);
        const out = Buffer.from(m.subarray(0, cut));
        out.writeInt32BE(cut - 1, 1);
        return out;
      }
      return m;
    default:
      return m;
  }
}

function conversation(r: R): Buffer[] {
  const out: Buffer[] = [];
  if (r.next() < 0.35) {
    // garbage during startup
    const choice = r.int(4);
    if (choice === 0) out.push(r.bytes(1 + r.int(64)));
    else if (choice === 1) out.push(mutate(r, r.pick(STARTUPS), false));
    else if (choice === 2) out.push(serialize.requestSsl(), r.bytes(r.int(32)));
    else {
      const b = Buffer.alloc(8);
      b.writeInt32BE(r.pick([20000, 0x7fffffff, 9, 100]), 0);
      b.writeInt32BE(r.pick([196608, 131072, 196610, 0x12345678]), 4);
      out.push(b, r.bytes(r.int(16)));
    }
    return out;
  }
  out.push(STARTUPS[0]);
  for (let k = 0, n = 1 + r.int(25); k < n; k++) {
    const base = r.pick(VALID);
    out.push(r.next() < 0.5 ? base : mutate(r, base, true));
  }
  if (r.next() < 0.5) out.push(serialize.sync());
  return out;
}

/** Send one conversation, half-close, and wait until the server closes its side. */
function play(port: number, msgs: Buffer[], r: R): Promise<Buffer> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    s.on('error', () => {});
    s.on('data', (d) => got.push(d));
    s.on('close', () => resolve(Buffer.concat(got)));
    s.on('connect', () => {
      const all = Buffer.concat(msgs);
      // sometimes dribble the bytes in small pieces to exercise reassembly
      if (r.next() < 0.3) {
        for (let i = 0; i < all.length; i += 1 + r.int(7)) s.write(all.subarray(i, i + 1 + r.int(7)));
      } else s.write(all);
      s.end();
    });
  });
}

describe('fuzzing the wire protocol', () => {
  it('survives thousands of random and mutated messages', async () => {
    const witness = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'witness' });
    witness.on('error', () => {});
    await witness.connect();
    await witness.query('BEGIN');
    await witness.query("INSERT INTO f VALUES (99, 'mine')");
    const r = rng(20241123);
    const conversations = Array.from({ length: 400 }, () => conversation(r));
    const total = conversations.reduce((n, c) => n + c.length, 0);
    expect(total).toBeGreaterThan(2000);
    const replies: Buffer[] = [];
    for (let i = 0; i < conversations.length; i += 25) {
      replies.push(...(await Promise.all(conversations.slice(i, i + 25).map((c) => play(ts.port, c, r)))));
    }
    // the fuzzing reached past startup, and bad frames were answered with protocol violations
    const has = (b: Buffer, s: string) => b.includes(Buffer.from(s));
    expect(replies.filter((b) => has(b, 'SELECT ')).length).toBeGreaterThan(5);
    expect(replies.filter((b) => has(b, 'C08P01\0')).length).toBeGreaterThan(5);
    // the witness session kept its open transaction through all of it
    expect((await witness.query('SELECT count(*)::int AS n FROM f WHERE a = 99')).rows[0].n).toBe(1);
    await witness.query('ROLLBACK');
    await witness.end();
    // and a new client works normally
    const c = new pg.Client({ host: '127.0.0.1', port: ts.port, user: 'after' });
    await c.connect();
    expect((await c.query('SELECT a, b FROM f WHERE a = $1', [1])).rows).toEqual([{ a: 1, b: 'x' }]);
    await c.end();
  });
});
