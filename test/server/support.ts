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
  static async connect(port: number, startup = true): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
    socket.setNoDelay(true);
    const c = new RawClient(socket);
    if (startup) {
      c.send(serialize.startup({ user: 'raw', database: 'test' }));
      await c.readUntil('Z');
    }
    return c;
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
