// The listener: accepts connections, gives each its own Session, and keeps the registry
// that routes CancelRequests (process id + secret key) to the connection running the query.

import { connect, createServer, type Server, type Socket } from 'node:net';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Session } from '../engine/session.js';
import { Settings } from '../engine/settings.js';
import { Connection, type ConnectionEnv } from './connection.js';
import { DEFAULT_MAX_MESSAGE } from './messages.js';
import { scramSecret } from './scram.js';
import type { AuthConfig } from './startup.js';
// statement handlers register themselves on import
import './copy.js';
import './subscribe.js';

export interface ServerOptions {
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Default 6875; 0 picks a free port. */
  port?: number;
  /**
   * Also listen on a Unix-domain socket in this directory, named as PostgreSQL names its own
   * (`.s.PGSQL.<port>`), so `psql -h DIR -p PORT` connects without TCP. Connections there are
   * local (trusted without a password, like loopback).
   */
  unixSocketDir?: string;
  /** PEM certificate and key (contents, or paths with certFile/keyFile) to offer TLS. */
  tls?: { cert: string | Buffer; key: string | Buffer } | { certFile: string; keyFile: string };
  /** Only this user may connect (any user name is accepted when unset). */
  user?: string;
  /**
   * Require this password (SCRAM-SHA-256). Without a password, connections are trusted but
   * only from loopback addresses.
   */
  password?: string;
  /** 'password' (cleartext) is offered only over TLS; default 'scram-sha-256'. */
  authMethod?: 'scram-sha-256' | 'password';
  /** Largest accepted frontend message in bytes (default 1 GiB, PostgreSQL's limit). */
  maxMessageSize?: number;
  /**
   * Server-wide defaults of session settings (e.g. `{ statement_timeout: '5s' }`), as
   * `postgres -c name=value`: sessions start with them and RESET returns to them.
   */
  settings?: Record<string, string>;
}

export interface ListeningServer {
  host: string;
  port: number;
  /** Stop listening, terminate open connections, resolve when all are closed. */
  close(): Promise<void>;
}

export async function startServer(newSession: () => Session, options: ServerOptions = {}): Promise<ListeningServer> {
  const host = options.host ?? '127.0.0.1';
  let tls: SecureContext | null = null;
  if (options.tls) {
    const t = options.tls;
    const cert = 'certFile' in t ? readFileSync(t.certFile) : t.cert;
    const key = 'keyFile' in t ? readFileSync(t.keyFile) : t.key;
    tls = createSecureContext({ cert, key });
  }
  if (options.authMethod === 'password' && !tls) throw new Error('cleartext password authentication requires TLS (tls option)');
  const auth: AuthConfig = {
    user: options.user,
    password: options.password,
    secret: options.password !== undefined ? scramSecret(options.password) : undefined,
    method: options.authMethod ?? 'scram-sha-256',
  };
  // checked now, so a bad value fails the server's start rather than every connection
  const serverSettings = new Map(Object.entries(options.settings ?? {}));
  new Settings().setServerDefaults(serverSettings);
  const connections = new Map<number, { conn: Connection; secret: number }>();
  const open = new Set<Connection>();
  const sockets = new Set<Socket>();
  let nextPid = 1000 + randomInt(1000);

  const env: ConnectionEnv = {
    newSession,
    tls,
    auth,
    maxMessage: options.maxMessageSize ?? DEFAULT_MAX_MESSAGE,
    serverSettings,
    register(conn) {
      const pid = nextPid++;
      const secret = randomInt(-0x80000000, 0x7fffffff);
      connections.set(pid, { conn, secret });
      return { pid, secret };
    },
    unregister(pid) {
      connections.delete(pid);
    },
    cancel(pid, secret) {
      const c = connections.get(pid);
      // a wrong secret is ignored silently, as PostgreSQL does (no oracle for guessing)
      if (c && c.secret === secret) c.conn.requestCancel();
    },
  };

  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {}); // reset by peer etc.: the connection's own handlers clean up
    const conn = new Connection(socket, env);
    open.add(conn);
    conn
      .run()
      .catch(() => {}) // run() reports its own errors; nothing may escape and take the server down
      .finally(() => open.delete(conn));
  };
  const server: Server = createServer(onConnection);
  await listenOn(server, options.port ?? 6875, host);
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : (options.port ?? 6875);
  let unix: { server: Server; path: string } | null = null;
  if (options.unixSocketDir !== undefined) {
    const path = joinPath(options.unixSocketDir, `.s.PGSQL.${port}`);
    await removeStaleSocket(path);
    const us = createServer(onConnection);
    try {
      await listenOn(us, path);
      chmodSync(path, 0o777); // as PostgreSQL's unix_socket_permissions default
    } catch (e) {
      server.close();
      throw e;
    }
    unix = { server: us, path };
  }
  let closing: Promise<void> | null = null;
  return {
    host,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        let pending = unix ? 2 : 1;
        const done = () => --pending === 0 && resolve();
        server.close(done);
        unix?.server.close(done); // removes the socket file
        for (const c of open) c.terminate();
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

function listenOn(server: Server, portOrPath: number | string, host?: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const ready = () => {
      server.off('error', reject);
      resolve();
    };
    if (typeof portOrPath === 'string') server.listen(portOrPath, ready);
    else server.listen(portOrPath, host, ready);
  });
}

/** A socket file left by a server that is gone (nothing accepts on it) is removed. */
async function removeStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another server is listening on ${path}`);
  unlinkSync(path);
}
