// The startup phase: SSLRequest / GSSENCRequest / CancelRequest / StartupMessage, then
// authentication (trust from loopback, SCRAM-SHA-256 or TLS-only cleartext password when a
// password is configured), as PostgreSQL's ProcessStartupPacket and ClientAuthentication do.

import { isIP } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import { SqlError, SQLSTATE } from '../errors.js';
import {
  CANCEL_REQUEST,
  GSSENC_REQUEST,
  Inbox,
  MessageReader,
  PROTOCOL_3,
  SSL_REQUEST,
  authenticationCleartext,
  authenticationOk,
  authenticationSasl,
  authenticationSaslContinue,
  authenticationSaslFinal,
  protocolViolation,
  readFrame,
  readStartupPacket,
} from './messages.js';
import { ScramError, ScramExchange, type ScramSecret } from './scram.js';
import { Writer } from 'pg-protocol/dist/buffer-writer.js';

export interface AuthConfig {
  /** If set, only this user may connect. */
  user?: string;
  /** If set, clients must authenticate (SCRAM-SHA-256 unless method is 'password'). */
  secret?: ScramSecret;
  password?: string;
  method: 'scram-sha-256' | 'password';
}

export interface StartupIO {
  stream: Duplex;
  inbox: Inbox;
  tls: SecureContext | null;
  auth: AuthConfig;
  remoteAddress: string | undefined;
  /** Forward a CancelRequest to the server's registry. */
  cancel(pid: number, secret: number): void;
}

/** Write to the current stream: after a TLS upgrade that is the TLSSocket. */
function send(io: StartupIO, b: Buffer): void {
  io.stream.write(b);
}

export interface StartupResult {
  kind: 'session';
  /** The stream to use from now on (a TLSSocket after an upgrade). */
  stream: Duplex;
  params: Map<string, string>;
  encrypted: boolean;
}

function fatal(code: string, message: string): SqlError {
  return new SqlError(code, message, { severity: 'FATAL' });
}

/** Returns null for a CancelRequest (the connection then closes without a reply). */
export async function negotiateStartup(io: StartupIO): Promise<StartupResult | null> {
  let encrypted = false;
  let triedSsl = false;
  let triedGss = false;
  for (;;) {
    const packet = await readStartupPacket(io.inbox);
    const code = packet.readInt32BE(0);
    if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
      if (packet.length !== 4) throw protocolViolation('invalid length of startup packet');
      const ssl = code === SSL_REQUEST;
      if ((ssl && (triedSsl || encrypted)) || (!ssl && triedGss)) throw protocolViolation('duplicate SSL/GSSAPI negotiation request');
      if (ssl) triedSsl = true;
      else triedGss = true;
      if (!ssl || !io.tls) {
        send(io, Buffer.from('N'));
        continue;
      }
      // Bytes the client sent after SSLRequest but before the handshake would be unencrypted
      // and must not be trusted (CVE-2021-23214); PostgreSQL refuses them the same way.
      if (io.inbox.buffered > 0) throw protocolViolation('received unencrypted data after SSL request');
      send(io, Buffer.from('S'));
      io.inbox.detach();
      const tlsSocket = new TLSSocket(io.stream as any, { isServer: true, secureContext: io.tls });
      io.stream = tlsSocket;
      io.inbox.attach(tlsSocket);
      encrypted = true;
      continue;
    }
    if (code === CANCEL_REQUEST) {
      if (packet.length !== 12) throw protocolViolation('invalid length of startup packet');
      io.cancel(packet.readInt32BE(4), packet.readInt32BE(8));
      return null;
    }
    const major = code >>> 16;
    const minor = code & 0xffff;
    if (major !== 3) {
      throw fatal(SQLSTATE.FEATURE_NOT_SUPPORTED, `unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.0`);
    }
    const r = new MessageReader(packet.subarray(4));
    const params = new Map<string, string>();
    const unrecognized: string[] = [];
    for (;;) {
      const name = r.cstring();
      if (name === '') break;
      const value = r.cstring();
      if (name.startsWith('_pq_.')) unrecognized.push(name);
      else params.set(name, value);
    }
    r.end();
    // Protocol 3.x with x > 0, or protocol options: tell the client what we speak
    // (NegotiateProtocolVersion), as PostgreSQL does, and carry on in 3.0.
    if (minor > 0 || unrecognized.length) {
      const w = new Writer().addInt32(PROTOCOL_3 & 0xffff).addInt32(unrecognized.length);
      for (const u of unrecognized) w.addCString(u);
      send(io, w.flush('v'.charCodeAt(0)));
    }
    if (!params.get('user')) throw fatal('28000', 'no PostgreSQL user name specified in startup packet');
    if (params.has('replication') && params.get('replication') !== 'false' && params.get('replication') !== 'off') {
      throw fatal(SQLSTATE.FEATURE_NOT_SUPPORTED, 'replication connections are not supported');
    }
    await authenticate(io, params.get('user')!, encrypted);
    return { kind: 'session', stream: io.stream, params, encrypted };
  }
}

export function isLoopback(addr: string | undefined): boolean {
  if (!addr) return true; // a Unix socket or an in-process pipe
  if (addr.startsWith('::ffff:')) addr = addr.slice(7);
  if (isIP(addr) === 4) return addr.startsWith('127.');
  return addr === '::1';
}

async function authenticate(io: StartupIO, user: string, encrypted: boolean): Promise<void> {
  const { auth } = io;
  const failed = () => fatal('28P01', `password authentication failed for user "${user}"`);
  if (!auth.secret) {
    // trust, but only for connections from this machine (pg_hba: host all all 127.0.0.1/32 trust)
    if (!isLoopback(io.remoteAddress)) {
      throw fatal('28000', `no pg_hba.conf entry for host "${io.remoteAddress}", user "${user}", ${encrypted ? 'SSL encryption' : 'no encryption'}`);
    }
    if (auth.user !== undefined && user !== auth.user) throw fatal('28000', `role "${user}" does not exist`);
    send(io, authenticationOk());
    return;
  }
  if (auth.method === 'password') {
    if (!encrypted) {
      throw fatal('28000', `no pg_hba.conf entry for host "${io.remoteAddress}", user "${user}", no encryption`);
    }
    send(io, authenticationCleartext());
    const f = await readFrame(io.inbox, 10000);
    if (f.type !== 'p') throw protocolViolation(`expected password response, got message type ${f.type.charCodeAt(0)}`);
    const r = new MessageReader(f.body);
    const pw = r.cstring();
    r.end();
    if (pw !== auth.password || (auth.user !== undefined && user !== auth.user)) throw failed();
    send(io, authenticationOk());
    return;
  }
  send(io, authenticationSasl(['SCRAM-SHA-256']));
  const init = await readFrame(io.inbox, 10000);
  if (init.type !== 'p') throw protocolViolation(`expected SASL response, got message type ${init.type.charCodeAt(0)}`);
  const r = new MessageReader(init.body);
  const mechanism = r.cstring();
  if (mechanism !== 'SCRAM-SHA-256') throw protocolViolation('client selected an invalid SASL authentication mechanism');
  const len = r.int32();
  const first = len < 0 ? '' : r.bytes(len).toString('utf8');
  r.end();
  const scram = new ScramExchange(auth.secret);
  try {
    send(io, authenticationSaslContinue(scram.first(first)));
    const fin = await readFrame(io.inbox, 10000);
    if (fin.type !== 'p') throw protocolViolation(`expected SASL response, got message type ${fin.type.charCodeAt(0)}`);
    const result = scram.final(fin.body.toString('utf8'));
    if (!result.ok || (auth.user !== undefined && user !== auth.user)) throw failed();
    send(io, authenticationSaslFinal(result.message));
  } catch (e) {
    if (e instanceof ScramError) throw fatal(SQLSTATE.PROTOCOL_VIOLATION, e.message);
    throw e;
  }
  send(io, authenticationOk());
}

/** The startup `options` parameter: "-c name=value" and "--name=value", backslash escapes. */
export function parseOptions(s: string): [string, string][] {
  const words: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has) words.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) words.push(cur);
  const out: [string, string][] = [];
  for (let i = 0; i < words.length; i++) {
    let w = words[i];
    if (w === '-c' && i + 1 < words.length) w = words[++i];
    else if (w.startsWith('-c')) w = w.slice(2);
    else if (w.startsWith('--')) w = w.slice(2);
    else continue;
    const eq = w.indexOf('=');
    if (eq > 0) out.push([w.slice(0, eq).replace(/-/g, '_'), w.slice(eq + 1)]);
  }
  return out;
}
