// Shared setup for the wire-server tests: a database with a little data, served on an
// ephemeral port in-process, and a raw protocol client for what drivers do not expose.

import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serialize } from 'pg-protocol';
import { Database } from '../../src/index.js';
import type { OpenOptions } from '../../src/engine/database.js';
import type { ListeningServer, ServerOptions } from '../../src/server/server.js';

export interface TestServer {
  db: Database;
  server: ListeningServer;
  port: number;
  close(): Promise<void>;
}

export async function startTestServer(options: ServerOptions = {}, setup: string[] = [], open: OpenOptions = {}): Promise<TestServer> {
  const db = await Database.open(open);
  for (const s of setup) await db.query(s);
  const server = await db.listen({ port: 0, ...options });
  return { db, server, port: server.port, close: () => server.close().then(() => db.close()) };
}

/** A `tributary serve` child process (its own heap: a test can starve it without harm). */
export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** The last few kB of its stderr (V8's fatal error, if it died). */
  stderr(): string;
}

export async function spawnServer(nodeArgs: string[] = [], serveArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', cli, 'serve', '--port', '0', ...serveArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening on [^ ]+:(\d+)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(Number(m[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${out}${err}`)));
  });
  return { child, port, stderr: () => err };
}

export interface RawMessage {
  type: string;
  body: Buffer;
}

/** A bare-bones protocol client: send serialized messages, read typed backend messages. */
export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  paused = false;
  constructor(readonly socket: Socket) {
    socket.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }
  /** `to`: a TCP port on loopback, or a Unix-domain socket's path. */
  static async connect(to: number | string, startup = true, params: Record<string, string> = { user: 'raw', database: 'test' }): Promise<RawClient> {
    const socket = typeof to === 'number' ? connect(to, '127.0.0.1') : connect(to);
    await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
    if (typeof to === 'number') socket.setNoDelay(true);
    const c = new RawClient(socket);
    c.target = to;
    if (startup) {
      c.send(serialize.startup(params));
      const key = (await c.readUntil('Z')).find((m) => m.type === 'K');
      if (key) c.key = { pid: key.body.readInt32BE(0), secret: key.body.readInt32BE(4) };
    }
    return c;
  }
  private target: number | string = 0;
  /** BackendKeyData, for cancel(). */
  private key = { pid: 0, secret: 0 };
  /** Send a CancelRequest for this connection from another one, as libpq does. */
  async cancel(): Promise<void> {
    const s = typeof this.target === 'number' ? connect(this.target, '127.0.0.1') : connect(this.target);
    await new Promise<void>((r, j) => s.once('connect', r).once('error', j));
    const b = Buffer.alloc(16);
    b.writeInt32BE(16, 0);
    b.writeInt32BE(80877102, 4);
    b.writeInt32BE(this.key.pid, 8);
    b.writeInt32BE(this.key.secret, 12);
    s.end(b);
    await new Promise((r) => s.once('close', r));
  }
  send(b: Buffer): void {
    this.socket.write(b);
  }
  /** Next message, or null once the server has closed the connection. */
  async next(): Promise<RawMessage | null> {
    for (;;) {
      if (this.buf.length >= 5) {
        const len = this.buf.readInt32BE(1);
        if (this.buf.length >= len + 1) {
          const m = { type: String.fromCharCode(this.buf[0]), body: this.buf.subarray(5, len + 1) };
          this.buf = this.buf.subarray(len + 1);
          return m;
        }
      }
      if (this.closed) return null;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
  /** Messages up to and including the first of type `type`. */
  async readUntil(type: string): Promise<RawMessage[]> {
    const out: RawMessage[] = [];
    for (;;) {
      const m = await this.next();
      if (!m) throw new Error(`connection closed before '${type}'; got ${out.map((x) => x.type).join('')}`);
      out.push(m);
      if (m.type === type) return out;
    }
  }
  end(): void {
    this.socket.destroy();
  }
}

/** Fields of an ErrorResponse/NoticeResponse body. */
export function errorFields(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const code = String.fromCharCode(body[i]);
    const end = body.indexOf(0, i + 1);
    out[code] = body.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return out;
}

export function dataRowText(body: Buffer): (string | null)[] {
  const n = body.readInt16BE(0);
  const out: (string | null)[] = [];
  let off = 2;
  for (let i = 0; i < n; i++) {
    const len = body.readInt32BE(off);
    off += 4;
    if (len < 0) out.push(null);
    else {
      out.push(body.toString('utf8', off, off + len));
      off += len;
    }
  }
  return out;
}

/** The machine's PostgreSQL 15, which some tests compare with (skipped where none answers). */
export const PG15 = { dir: process.env.PG15_HOST ?? '/var/run/postgresql', user: process.env.PG15_USER ?? 'root', database: 'postgres' };

/** A raw connection to PostgreSQL 15 over its Unix-domain socket, or null if none answers. */
export async function rawPg15(): Promise<RawClient | null> {
  try {
    return await RawClient.connect(`${PG15.dir}/.s.PGSQL.5432`, true, { user: PG15.user, database: PG15.database });
  } catch {
    return null;
  }
}

/** One step of a scripted conversation: send, read up to a message type, then stay idle. */
export interface Step {
  send?: Buffer[];
  /** Read until a message of this type (what arrived meanwhile is part of the step). */
  until?: string;
  /** Then run this (e.g. another session's statements). */
  then?: (c: RawClient) => Promise<unknown>;
  /** Then wait this long without reading (ms). */
  idle?: number;
}

/**
 * Run steps on a raw connection; the transcript has one entry per step: the messages
 * received, as `1 2 D[3] s C(SELECT 0) E(57014) Z(I)`. Comparing transcripts compares servers.
 */
export async function converse(c: RawClient, steps: Step[]): Promise<string[]> {
  const out: string[] = [];
  for (const step of steps) {
    for (const b of step.send ?? []) c.send(b);
    out.push(step.until ? (await c.readUntil(step.until)).map(messageText).join(' ') : '');
    await step.then?.(c);
    if (step.idle) await new Promise((r) => setTimeout(r, step.idle));
  }
  return out;
}

function messageText(m: RawMessage): string {
  switch (m.type) {
    case 'E':
    case 'N':
      return `${m.type}(${errorFields(m.body).C})`;
    case 'C':
      return `C(${m.body.toString('utf8', 0, m.body.length - 1)})`;
    case 'Z':
      return `Z(${String.fromCharCode(m.body[0])})`;
    case 'D':
      return `D[${dataRowText(m.body).join(',')}]`;
    default:
      return m.type;
  }
}
