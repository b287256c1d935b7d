// Wire framing and backend message writers for the PostgreSQL v3 protocol.
//
// Incoming bytes are split into frames by `Inbox` (exact reads over a chunk list, so a frame
// may arrive in any number of TCP segments); the body of a frame is decoded with
// `MessageReader`, which refuses to read past its end (pg-protocol's BufferReader would not).
// Outgoing messages are built with pg-protocol's Writer; those without variable parts once.

import { Writer } from 'pg-protocol/dist/buffer-writer.js';
import { isUtf8 } from 'node:buffer';
import type { Duplex } from 'node:stream';
import { SqlError, SQLSTATE } from '../errors.js';

/** PostgreSQL's limits: a startup packet may be at most 10000 bytes (MAX_STARTUP_PACKET_LENGTH)… */
export const MAX_STARTUP_PACKET = 10000;
/** …and any other message at most 1 GiB (PQ_LARGE_MESSAGE_LIMIT is MaxAllocSize - 1). */
export const DEFAULT_MAX_MESSAGE = 0x3fffffff;

export const PROTOCOL_3 = 196608; // 3.0
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

/** The peer went away (or we closed the connection); unwinds whatever was running. */
export class ConnectionClosed extends Error {
  constructor() {
    super('connection closed');
  }
}

export function protocolViolation(message: string): SqlError {
  return new SqlError(SQLSTATE.PROTOCOL_VIOLATION, message);
}

/** Buffers incoming bytes and hands out exact-length reads. */
export class Inbox {
  private chunks: Buffer[] = [];
  private length = 0;
  private wanted = 0;
  private wake: (() => void) | null = null;
  private ended = false;
  private stream: Duplex | null = null;
  private readonly onData = (c: Buffer) => this.push(c);
  private readonly onEnd = () => this.end();

  attach(stream: Duplex): void {
    this.stream = stream;
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onEnd);
  }

  /** Stop reading from the current stream (before a TLS upgrade takes it over). */
  detach(): void {
    const s = this.stream;
    if (!s) return;
    s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('close', this.onEnd);
    s.off('error', this.onEnd);
    this.stream = null;
  }

  get buffered(): number {
    return this.length;
  }

  private push(c: Buffer): void {
    this.chunks.push(c);
    this.length += c.length;
    // Flow control: a client pipelining faster than we execute is paused, not buffered without bound.
    if (this.length > Math.max(this.wanted, 1 << 20)) this.stream?.pause();
    this.notify();
  }

  private end(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /**
   * A whole frame from the first buffered chunk, or null (fewer bytes, or split over chunks:
   * readFrame waits for it). A client's Bind/Describe/Execute/Sync usually come in one
   * segment: taking them without a promise each is a good part of a point read's cost.
   */
  frame(maxMessage: number): Frame | null {
    const first = this.chunks[0];
    if (first === undefined || first.length < 5) return null;
    const len = checkedLength(first.readInt32BE(1), maxMessage);
    if (first.length < len + 1) return null;
    const frame = { type: String.fromCharCode(first[0]), body: first.subarray(5, len + 1) };
    if (first.length === len + 1) this.chunks.shift();
    else this.chunks[0] = first.subarray(len + 1);
    this.length -= len + 1;
    if (this.length < 1 << 20) this.stream?.resume();
    return frame;
  }

  /** Exactly n bytes; throws ConnectionClosed if the peer goes away first. */
  async read(n: number): Promise<Buffer> {
    this.wanted = n;
    while (this.length < n) {
      if (this.ended) throw new ConnectionClosed();
      this.stream?.resume();
      await new Promise<void>((r) => (this.wake = r));
    }
    this.wanted = 0;
    let out: Buffer;
    const first = this.chunks[0];
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let off = 0;
      while (off < n) {
        const c = this.chunks[0];
        const take = Math.min(c.length, n - off);
        c.copy(out, off, 0, take);
        off += take;
        if (take === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(take);
      }
    }
    this.length -= n;
    if (this.length < 1 << 20) this.stream?.resume();
    return out;
  }
}

export interface Frame {
  /** Message type byte as a character ('Q', 'P', …). */
  type: string;
  body: Buffer;
}

/** A startup-phase packet: no type byte, length includes itself. */
export async function readStartupPacket(inbox: Inbox): Promise<Buffer> {
  const len = (await inbox.read(4)).readInt32BE(0);
  if (len < 8 || len > MAX_STARTUP_PACKET) throw protocolViolation('invalid length of startup packet');
  return inbox.read(len - 4);
}

/** A frame's length field (it counts itself), refused past the message limit. */
function checkedLength(len: number, maxMessage: number): number {
  if (len < 4 || len - 4 > maxMessage) throw protocolViolation(`invalid message length`);
  return len;
}

export async function readFrame(inbox: Inbox, maxMessage: number): Promise<Frame> {
  const ready = inbox.frame(maxMessage);
  if (ready) return ready;
  const head = await inbox.read(5);
  const type = String.fromCharCode(head[0]);
  const len = checkedLength(head.readInt32BE(1), maxMessage);
  const body = len === 4 ? Buffer.alloc(0) : await inbox.read(len - 4);
  return { type, body };
}

/** Bounds-checked reads over one message body; running off the end is a protocol violation. */
export class MessageReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  /** The offset of the next n bytes, which must be there. */
  private take(n: number): number {
    const at = this.pos;
    if (n < 0 || at + n > this.buf.length) throw protocolViolation('invalid message format');
    this.pos = at + n;
    return at;
  }
  int16(): number {
    return this.buf.readInt16BE(this.take(2));
  }
  /** pq_getmsgint(msg, 2): counts (parameters, formats) are unsigned, up to 65,535. */
  uint16(): number {
    return this.int16() & 0xffff;
  }
  int32(): number {
    return this.buf.readInt32BE(this.take(4));
  }
  byte(): number {
    return this.buf[this.take(1)];
  }
  bytes(n: number): Buffer {
    const at = this.take(n);
    return this.buf.subarray(at, at + n);
  }
  /** pq_getmsgstring: a NUL-terminated string, which must be valid UTF-8 (22021). */
  cstring(): string {
    const start = this.pos;
    const end = this.buf.indexOf(0, start);
    if (end < 0) throw protocolViolation('invalid string in message');
    this.take(end - start + 1);
    // names (of statements, portals) are mostly empty or a few ASCII bytes
    if (end - start <= 16) {
      let s = '';
      for (let i = start; i < end; i++) {
        const c = this.buf[i];
        if (c >= 0x80) return decodeUtf8(this.buf, start, end);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return decodeUtf8(this.buf, start, end);
  }
  get remaining(): number {
    return this.buf.length - this.pos;
  }
  /** pq_getmsgend: trailing garbage is an error too. */
  end(): void {
    if (this.pos !== this.buf.length) throw protocolViolation('invalid message format');
  }
}

/**
 * The text in buf[start, end) as PostgreSQL's pg_verify_mbstr accepts it: valid UTF-8 (no
 * surrogates, overlong forms or code points past U+10FFFF) without NUL bytes. Anything else
 * is `22021 invalid byte sequence for encoding "UTF8": 0x..`, naming the bytes of the first
 * bad character as report_invalid_encoding does, instead of becoming U+FFFD.
 */
export function decodeUtf8(buf: Buffer, start = 0, end = buf.length): string {
  const b = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  if (isUtf8(b) && b.indexOf(0) < 0) return b.toString('utf8');
  const at = firstInvalidUtf8(b);
  if (at < 0) return b.toString('utf8'); // (PostgreSQL's rules accept it)
  throw invalidUtf8(b, at);
}

/** The offset of the first byte sequence pg_utf8_verifychar rejects (-1 if none). */
export function firstInvalidUtf8(b: Buffer): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    if (c < 0x80) {
      if (c === 0) return i;
      i++;
      continue;
    }
    const l = utf8SequenceLength(c);
    if (l === 1 || i + l > b.length || !utf8Legal(b, i, l)) return i;
    i += l;
  }
  return -1;
}

/** pg_utf_mblen: the length a lead byte announces (1 for bytes that cannot lead). */
function utf8SequenceLength(c: number): number {
  if ((c & 0x80) === 0) return 1;
  if ((c & 0xe0) === 0xc0) return 2;
  if ((c & 0xf0) === 0xe0) return 3;
  if ((c & 0xf8) === 0xf0) return 4;
  return 1;
}

/** pg_utf8_islegal */
function utf8Legal(b: Buffer, i: number, l: number): boolean {
  const cont = (x: number) => x >= 0x80 && x <= 0xbf;
  if (l >= 4 && !cont(b[i + 3])) return false;
  if (l >= 3 && !cont(b[i + 2])) return false;
  const lead = b[i];
  const a = b[i + 1];
  switch (lead) {
    case 0xe0: if (a < 0xa0 || a > 0xbf) return false; break;
    case 0xed: if (a < 0x80 || a > 0x9f) return false; break;
    case 0xf0: if (a < 0x90 || a > 0xbf) return false; break;
    case 0xf4: if (a < 0x80 || a > 0x8f) return false; break;
    default: if (!cont(a)) return false;
  }
  return lead >= 0xc2 && lead <= 0xf4;
}

/** report_invalid_encoding: the bytes of the bad character, as many as its lead byte announces. */
export function invalidUtf8(b: Buffer, at: number): SqlError {
  const n = Math.min(utf8SequenceLength(b[at]), b.length - at, 8);
  const bytes = [...b.subarray(at, at + n)].map((x) => '0x' + x.toString(16).padStart(2, '0')).join(' ');
  return new SqlError('22021', `invalid byte sequence for encoding "UTF8": ${bytes}`);
}

/**
 * decodeUtf8 over a stream of chunks (COPY data): a character cut by a chunk boundary waits
 * for the next chunk. An error's CONTEXT is `where(line)`, the line (1-based) it is on.
 */
export class Utf8Stream {
  private carry: Buffer | null = null;
  private line = 1;

  constructor(private readonly where: (line: number) => string) {}

  push(chunk: Buffer): string {
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = null;
    // hold back a lead byte whose sequence the chunk does not finish
    let cut = data.length;
    for (let i = data.length - 1; i >= 0 && i >= data.length - 3; i--) {
      const c = data[i];
      if ((c & 0xc0) === 0x80) continue;
      if (c >= 0xc0 && i + utf8SequenceLength(c) > data.length) cut = i;
      break;
    }
    if (cut < data.length) this.carry = Buffer.from(data.subarray(cut));
    return this.decode(data.subarray(0, cut));
  }

  /** The end of the data: a character left unfinished is invalid. */
  end(): void {
    if (this.carry) this.decode(this.carry, true);
  }

  private decode(b: Buffer, atEnd = false): string {
    let text: string;
    try {
      if (atEnd) throw invalidUtf8(b, 0);
      text = decodeUtf8(b);
    } catch (e) {
      if (e instanceof SqlError) {
        const at = atEnd ? 0 : firstInvalidUtf8(b);
        let line = this.line;
        for (let i = b.indexOf(10); i >= 0 && i < at; i = b.indexOf(10, i + 1)) line++;
        e.where ??= this.where(line);
      }
      throw e;
    }
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) this.line++;
    return text;
  }
}

// ---- backend messages -------------------------------------------------------------------

const code = (c: string) => c.charCodeAt(0);

export function authenticationOk(): Buffer {
  return new Writer().addInt32(0).flush(code('R'));
}

export function authenticationCleartext(): Buffer {
  return new Writer().addInt32(3).flush(code('R'));
}

export function authenticationSasl(mechanisms: string[]): Buffer {
  const w = new Writer().addInt32(10);
  for (const m of mechanisms) w.addCString(m);
  return w.addCString('').flush(code('R'));
}

export function authenticationSaslContinue(data: string): Buffer {
  return new Writer().addInt32(11).addString(data).flush(code('R'));
}

export function authenticationSaslFinal(data: string): Buffer {
  return new Writer().addInt32(12).addString(data).flush(code('R'));
}

export function parameterStatus(name: string, value: string): Buffer {
  return new Writer().addCString(name).addCString(value).flush(code('S'));
}

export function backendKeyData(pid: number, secret: number): Buffer {
  return new Writer().addInt32(pid).addInt32(secret).flush(code('K'));
}

// Replies without variable parts are built once (they are never written into).
const READY = { I: readyFor('I'), T: readyFor('T'), E: readyFor('E') };
function readyFor(status: string): Buffer {
  return new Writer().add(Buffer.from(status)).flush(code('Z'));
}

export function readyForQuery(status: 'I' | 'T' | 'E'): Buffer {
  return READY[status];
}

/** CommandCompletes by tag: most are few ('SELECT 1', 'UPDATE 1', 'COMMIT'), so they are kept. */
const COMPLETIONS = new Map<string, Buffer>();

export function commandComplete(tag: string): Buffer {
  let b = COMPLETIONS.get(tag);
  if (b === undefined) {
    b = new Writer().addCString(tag).flush(code('C'));
    if (COMPLETIONS.size >= 512) COMPLETIONS.clear();
    COMPLETIONS.set(tag, b);
  }
  return b;
}

const EMPTY_QUERY = new Writer().flush(code('I'));
const PARSE_COMPLETE = new Writer().flush(code('1'));
const BIND_COMPLETE = new Writer().flush(code('2'));
const CLOSE_COMPLETE = new Writer().flush(code('3'));
const NO_DATA = new Writer().flush(code('n'));
const PORTAL_SUSPENDED = new Writer().flush(code('s'));

export function emptyQueryResponse(): Buffer {
  return EMPTY_QUERY;
}
export function parseComplete(): Buffer {
  return PARSE_COMPLETE;
}
export function bindComplete(): Buffer {
  return BIND_COMPLETE;
}
export function closeComplete(): Buffer {
  return CLOSE_COMPLETE;
}
export function noData(): Buffer {
  return NO_DATA;
}
export function portalSuspended(): Buffer {
  return PORTAL_SUSPENDED;
}

export function parameterDescription(oids: readonly number[]): Buffer {
  const w = new Writer().addInt16(oids.length);
  for (const o of oids) w.addInt32(o);
  return w.flush(code('t'));
}

export interface WireField {
  name: string;
  typeOid: number;
  typeLen: number;
  typeMod: number;
  format: 0 | 1;
}

export function rowDescription(fields: readonly WireField[]): Buffer {
  const w = new Writer().addInt16(fields.length);
  for (const f of fields) {
    w.addCString(f.name).addInt32(0).addInt16(0).addInt32(f.typeOid).addInt16(f.typeLen).addInt32(f.typeMod).addInt16(f.format);
  }
  return w.flush(code('T'));
}

/** One DataRow; each cell is already encoded (string for text format, Buffer for binary). */
export function dataRow(cells: readonly (string | Buffer | null)[]): Buffer {
  const w = new Writer(64);
  w.addInt16(cells.length);
  for (const c of cells) {
    if (c === null) w.addInt32(-1);
    else if (typeof c === 'string') w.addInt32PrefixedString(c);
    else w.addInt32(c.length).add(c);
  }
  return w.flush(code('D'));
}

/**
 * DataRows for many rows, written into one buffer (dataRow allocates three objects per row,
 * which dominated small results' garbage): `add` encodes a row, `take` returns the rows
 * written so far as one Buffer to send.
 */
const NO_BYTES = Buffer.alloc(0);

export class DataRowsWriter {
  // small by default (a point read's one row comes from Node's buffer pool); doubles as rows come
  private buf: Buffer;
  private at = 0;
  private rowStart = 0;

  /** `expect`: the bytes the rows will probably take (a guess saves doubling as they come). */
  constructor(expect = 512) {
    this.buf = Buffer.allocUnsafe(Math.min(Math.max(expect, 512), 1 << 16));
  }

  get length(): number {
    return this.at;
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n, 512));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  // lengths by hand: Buffer's writeInt32BE checks its arguments at every call
  private int32At(n: number, p: number): void {
    const b = this.buf;
    b[p] = n >>> 24;
    b[p + 1] = n >>> 16;
    b[p + 2] = n >>> 8;
    b[p + 3] = n;
  }

  /** Start a row of `columns` cells; each is written by null, int, text or bytes, then endRow. */
  beginRow(columns: number): void {
    this.room(7);
    const b = this.buf;
    const start = this.at;
    this.rowStart = start;
    b[start] = 0x44; // 'D'; its length is filled in by endRow
    b[start + 5] = columns >>> 8;
    b[start + 6] = columns;
    this.at = start + 7;
  }

  endRow(): void {
    this.int32At(this.at - this.rowStart - 1, this.rowStart + 1);
  }

  null(): void {
    this.room(4);
    this.int32At(-1, this.at);
    this.at += 4;
  }

  /** A number's decimal digits, as String(n) gives them; 32-bit integers without making the string. */
  int(n: number): void {
    if ((n | 0) !== n) {
      this.text(String(n));
      return;
    }
    this.room(4 + 11);
    const b = this.buf;
    let p = this.at + 4;
    let u = n;
    if (n < 0) {
      b[p++] = 0x2d; // '-'
      u = -n;
    }
    let digits = 1;
    for (let x = u; x >= 10; x = Math.floor(x / 10)) digits++;
    let q = p + digits;
    const len = q - this.at - 4;
    for (let k = 0; k < digits; k++) {
      const d = u % 10;
      b[--q] = 0x30 + d;
      u = (u - d) / 10;
    }
    this.int32At(len, this.at);
    this.at += 4 + len;
  }

  text(c: string): void {
    // at most 3 bytes per UTF-16 unit
    const len = c.length;
    this.room(4 + 3 * len);
    const buf = this.buf;
    const base = this.at + 4;
    let n = 0;
    if (len <= 32) {
      // short ASCII (numbers, keys): copied here, cheaper than a native write per cell
      while (n < len) {
        const ch = c.charCodeAt(n);
        if (ch >= 0x80) break;
        buf[base + n++] = ch;
      }
    }
    if (n < len) n = buf.write(c, base, 'utf8');
    this.int32At(n, this.at);
    this.at = base + n;
  }

  bytes(c: Buffer): void {
    this.room(4 + c.length);
    this.int32At(c.length, this.at);
    c.copy(this.buf, this.at + 4);
    this.at += 4 + c.length;
  }

  /** An encoded cell: NULL, text or bytes. */
  cell(c: string | Buffer | null): void {
    if (c === null) this.null();
    else if (typeof c === 'string') this.text(c);
    else this.bytes(c);
  }

  /** The rows written so far, as one Buffer (not copied: the writer goes on in a new one). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.at);
    this.buf = NO_BYTES;
    this.at = 0;
    return out;
  }
}

export interface Notice {
  severity: string;
  code: string;
  message: string;
  detail?: string;
  hint?: string;
  position?: number;
  where?: string;
}

/** ErrorResponse ('E') or NoticeResponse ('N'): S (localized) and V (never localized) severity. */
export function errorOrNotice(kind: 'E' | 'N', n: Notice): Buffer {
  const w = new Writer();
  const field = (f: string, v: string | undefined) => {
    if (v !== undefined && v !== '') w.addString(f).addCString(v);
  };
  field('S', n.severity);
  field('V', n.severity);
  field('C', n.code);
  field('M', n.message);
  field('D', n.detail);
  field('H', n.hint);
  if (n.position !== undefined) field('P', String(n.position));
  field('W', n.where);
  w.addCString('');
  return w.flush(code(kind));
}

export function errorResponse(e: SqlError): Buffer {
  return errorOrNotice('E', { severity: e.severity, code: e.code, message: e.message, detail: e.detail, hint: e.hint, position: e.position, where: e.where });
}

/** CopyInResponse ('G') / CopyOutResponse ('H'): overall text format, n columns, all text. */
export function copyResponse(kind: 'G' | 'H', columns: number): Buffer {
  const w = new Writer().add(Buffer.from([0])).addInt16(columns);
  for (let i = 0; i < columns; i++) w.addInt16(0);
  return w.flush(code(kind));
}

export function copyData(data: Buffer | string): Buffer {
  return new Writer().add(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).flush(code('d'));
}

export function copyDone(): Buffer {
  return new Writer().flush(code('c'));
}
