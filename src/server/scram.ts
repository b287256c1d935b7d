// SCRAM-SHA-256 (RFC 5802 / RFC 7677) server side, as PostgreSQL's auth-scram.c does it:
// no channel binding (we do not offer SCRAM-SHA-256-PLUS), the user name in the client's
// first message is ignored (the startup packet's user counts).

import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ScramSecret {
  salt: Buffer;
  iterations: number;
  storedKey: Buffer;
  serverKey: Buffer;
}

const hmac = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/** Derive the verifier once at server start; the password itself is not kept. */
export function scramSecret(password: string, iterations = 4096): ScramSecret {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  return { salt, iterations, storedKey: sha256(hmac(salted, 'Client Key')), serverKey: hmac(salted, 'Server Key') };
}

export class ScramError extends Error {}

/** One authentication exchange: first() answers the client-first message, final() checks the proof. */
export class ScramExchange {
  private clientFirstBare = '';
  private serverFirst = '';
  private nonce = '';
  private gs2 = '';

  constructor(private readonly secret: ScramSecret) {}

  first(clientFirst: string): string {
    // gs2-header: "n,," (no binding) or "y,," (client could bind, server did not offer); "p=" is refused
    const m = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(clientFirst);
    if (!m) throw new ScramError('malformed SCRAM message');
    this.gs2 = `${m[1]},${m[2] ?? ''},`;
    this.clientFirstBare = m[3];
    const attrs = parseAttrs(this.clientFirstBare);
    const cnonce = attrs.get('r');
    if (!cnonce || !/^[\x21-\x2b\x2d-\x7e]+$/.test(cnonce)) throw new ScramError('malformed SCRAM message');
    this.nonce = cnonce + randomBytes(18).toString('base64');
    this.serverFirst = `r=${this.nonce},s=${this.secret.salt.toString('base64')},i=${this.secret.iterations}`;
    return this.serverFirst;
  }

  /** Returns the server-final message, or throws ScramError when the proof is wrong. */
  final(clientFinal: string): { ok: boolean; message: string } {
    const i = clientFinal.lastIndexOf(',p=');
    if (i < 0) throw new ScramError('malformed SCRAM message');
    const withoutProof = clientFinal.slice(0, i);
    const attrs = parseAttrs(withoutProof);
    if (attrs.get('c') !== Buffer.from(this.gs2).toString('base64')) throw new ScramError('SCRAM channel binding check failed');
    if (attrs.get('r') !== this.nonce) throw new ScramError('SCRAM nonce mismatch');
    const proof = Buffer.from(clientFinal.slice(i + 3), 'base64');
    const authMessage = `${this.clientFirstBare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(this.secret.storedKey, authMessage);
    if (proof.length !== signature.length) return { ok: false, message: '' };
    const clientKey = Buffer.alloc(proof.length);
    for (let k = 0; k < proof.length; k++) clientKey[k] = proof[k] ^ signature[k];
    const ok = timingSafeEqual(sha256(clientKey), this.secret.storedKey);
    return { ok, message: `v=${hmac(this.secret.serverKey, authMessage).toString('base64')}` };
  }
}

function parseAttrs(s: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of s.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0], part.slice(2));
  }
  return out;
}
