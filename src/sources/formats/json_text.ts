// From message bytes to JSON values without losing anything a column could need.
//
// JSON.parse is the fast path, but it rounds numbers to doubles (9007199254740993 becomes
// …992, 0.1000000000000000055 becomes 0.1) and forgets how a number was written (1.50 and
// 1.5 are the same double; PostgreSQL's numeric and jsonb keep the difference). So a column
// that needs a number exactly asks the decoder's Exactness about the double it got; the first
// question of a message scans its bytes for the number tokens JSON.parse could have changed
// ("risky") and remembers their doubles. When the double is one of them, the converter throws
// NEED_EXACT and the decoder reads the message again with the small parser below, which keeps
// number tokens as their source text (JsonNumber). Messages whose numbers only meet float
// columns (they ask only about 0 and ±Infinity) and integer, date and timestamp columns with
// integers below 2^53 (column_converters.ts, checkedUnlessSafe) are never scanned.

import { isUtf8 } from 'node:buffer';
import { MessageError } from '../types.js';

/** A JSON number token kept as written (made only by the lossless parser). */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/** A JSON string no SQL text can hold (\u0000, an unpaired surrogate): an error if a column reads it. */
export class BadString {
  constructor(readonly reason: string) {}
}

export type Json = null | boolean | number | string | JsonNumber | BadString | Json[] | JsonRecord;
export interface JsonRecord {
  [field: string]: Json;
}

/** A JSON object (not an array, a JsonNumber or a BadString). */
export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** Thrown by a converter that needs the exact text of a number JSON.parse may have changed. */
export const NEED_EXACT: unique symbol = Symbol('need exact numbers');

/** The state of one decoder's current message, shared by its parsers and converters. */
export class Exactness {
  /** The doubles JSON.parse made of the risky number tokens of the scanned texts (null: none). */
  risky: number[] | null = null;
  /** Parse with the lossless parser (the second reading of a message). */
  lossless = false;
  // texts parsed with JSON.parse and not scanned yet (a message's key and value); slots are
  // reused, as setting an array's length costs more than the rest of this bookkeeping
  private readonly bufs: Buffer[] = [];
  private readonly texts: string[] = [];
  private readonly keepForms: boolean[] = [];
  private deferred = 0;

  /** A new message. */
  begin(): void {
    this.risky = null;
    this.deferred = 0;
  }

  /** A text JSON.parse read, to scan when a converter first asks. */
  defer(buf: Buffer, text: string, keepForm: boolean): void {
    const k = this.deferred++;
    this.bufs[k] = buf;
    this.texts[k] = text;
    this.keepForms[k] = keepForm;
  }

  /** Throws NEED_EXACT when n may stand for a number token JSON.parse changed. */
  check(n: number): void {
    if (this.deferred !== 0) this.scanDeferred();
    const r = this.risky;
    if (r !== null && r.includes(n)) throw NEED_EXACT;
  }

  private scanDeferred(): void {
    for (let k = 0; k < this.deferred; k++) scan(this.bufs[k], this.texts[k], this.keepForms[k], this);
    this.deferred = 0;
  }
}

/**
 * Reads the JSON messages of one part (key or value): bounded in size, valid UTF-8 (never
 * U+FFFD in place of bad bytes). `keepForm` when a column would show the difference between
 * 1.5 and 1.50. Errors are MessageErrors.
 */
export class MessageJson {
  constructor(
    private readonly part: 'key' | 'value',
    private readonly keepForm: boolean,
    private readonly maxBytes: number,
    private readonly exact: Exactness = new Exactness(),
  ) {}

  text(buf: Buffer): string {
    this.checkSize(buf);
    if (!isUtf8(buf)) throw this.notUtf8();
    return buf.toString('utf8');
  }

  parse(buf: Buffer): Json {
    return this.parseText(buf, this.text(buf));
  }

  /** Parse `text`, which this.text(buf) returned. */
  parseText(buf: Buffer, text: string): Json {
    const exact = this.exact;
    // \u0000 and surrogate escapes: the lossless parser marks strings SQL text cannot hold
    const lossless = exact.lossless || (text.indexOf('\\u') !== -1 && riskyEscape(text));
    let v: Json;
    try {
      v = lossless ? parseLossless(text) : (JSON.parse(text) as Json);
    } catch (e) {
      if (e instanceof MessageError) throw e;
      throw new MessageError(`${this.part} is not valid JSON: ${(e as Error).message}`);
    }
    if (!lossless) exact.defer(buf, text, this.keepForm);
    return v;
  }

  private checkSize(buf: Buffer): void {
    if (buf.length > this.maxBytes) throw new MessageError(`${this.part} of ${buf.length} bytes exceeds max_message_bytes (${this.maxBytes})`);
  }

  private notUtf8(): MessageError {
    return new MessageError(`${this.part} is not valid UTF-8`);
  }
}

/** The doubles of the risky number tokens of the JSON text b (see scan). */
export function riskyNumbers(b: Buffer, keepForm: boolean): number[] {
  const e = new Exactness();
  scan(b, b.toString('utf8'), keepForm, e);
  return e.risky ?? [];
}

/**
 * One pass over the bytes b of text (a regex doing the same costs as much as JSON.parse
 * itself). Appends to exact.risky the double of every number token JSON.parse could change:
 * - 16 or more significant digits: 17+ digits and dots, or 16 digits from 9007199254740993
 *   up (below 2^53 a 16-digit integer is exact, so microsecond timestamps are not risky), or
 *   16 digits and an exponent. A double keeps any value of at most 15 significant digits
 *   (DBL_DIG), so String(n) gives the value of a token that is not risky;
 * - an exponent of 3 or more digits (overflow to Infinity, subnormals);
 * - with keepForm, a fraction ending in 0 (1.50) or an exponent (100e-2 is numeric 1.00):
 *   the written form shows in numeric, jsonb and text columns.
 * Strings are skipped, so digits in them cost nothing.
 */
function scan(b: Buffer, text: string, keepForm: boolean, exact: Exactness): void {
  const n = b.length;
  let ascii = true; // byte and character offsets agree
  let i = 0;
  while (i < n) {
    const c = b[i];
    if (c === 34) {
      // a string: to its closing quote
      i++;
      for (;;) {
        if (i >= n) return;
        const d = b[i];
        if (d > 92) {
          // lower-case letters and the like: one comparison
          if (d >= 128) ascii = false;
          i++;
          continue;
        }
        if (d === 34) break;
        i += d === 92 ? 2 : 1;
      }
      i++;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      // a number: a mantissa of digits and a dot, then perhaps an exponent
      const token = i;
      if (c === 45) i++;
      const start = i;
      let dot = false;
      for (;;) {
        const d = b[i];
        if (d >= 48 && d <= 57) i++;
        else if (d === 46) (dot = true), i++;
        else break;
      }
      const run = i - start;
      const e = b[i];
      const exponent = e === 101 || e === 69;
      let risky = run >= 17 || (run === 16 && !dot && (exponent || beyond2to53(b, start))) || (keepForm && (exponent || (dot && b[i - 1] === 48)));
      if (exponent) {
        i++;
        const sign = b[i];
        if (sign === 43 || sign === 45) i++;
        const from = i;
        while (isDigit(b[i])) i++;
        if (i - from >= 3) risky = true;
      }
      if (risky) (exact.risky ??= []).push(Number(ascii ? text.slice(token, i) : b.toString('latin1', token, i)));
    } else {
      if (c >= 128) ascii = false;
      i++;
    }
  }
}

/** A \u0000 or \uD800-\uDFFF escape in text (or what looks like one after an escaped backslash). */
function riskyEscape(s: string): boolean {
  for (let i = s.indexOf('\\u'); i !== -1; i = s.indexOf('\\u', i + 2)) {
    const h = s.charCodeAt(i + 2);
    if (h === 100 || h === 68) {
      const h2 = s.charCodeAt(i + 3);
      if (h2 === 56 || h2 === 57 || (h2 >= 97 && h2 <= 102) || (h2 >= 65 && h2 <= 70)) return true;
    } else if (h === 48 && s.startsWith('000', i + 3)) return true;
  }
  return false;
}

const TWO_TO_53 = [57, 48, 48, 55, 49, 57, 57, 50, 53, 52, 55, 52, 48, 57, 57, 50]; // "9007199254740992"

/** Whether the 16 digits at b[i…] are above 2^53. */
function beyond2to53(b: Uint8Array, i: number): boolean {
  for (let k = 0; k < 16; k++) {
    const d = b[i + k] - TWO_TO_53[k];
    if (d !== 0) return d > 0;
  }
  return false;
}

const MAX_DEPTH = 1000;

/** RFC 8259 JSON, as JSON.parse accepts it, with number tokens other than short integers kept as text. */
export function parseLossless(text: string): Json {
  const p = new LosslessParser(text);
  const v = p.value(0);
  p.skipSpace();
  if (p.pos < text.length) p.fail();
  return v;
}

class LosslessParser {
  pos = 0;
  constructor(private readonly s: string) {}

  fail(): never {
    if (this.pos >= this.s.length) throw new SyntaxError('Unexpected end of JSON input');
    throw new SyntaxError(`Unexpected token ${JSON.stringify(this.s[this.pos])} at position ${this.pos}`);
  }

  skipSpace(): void {
    const s = this.s;
    let i = this.pos;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    this.pos = i;
  }

  value(depth: number): Json {
    if (depth > MAX_DEPTH) throw new SyntaxError(`JSON nested deeper than ${MAX_DEPTH} levels`);
    this.skipSpace();
    const c = this.s.charCodeAt(this.pos);
    if (c === 123) return this.object(depth); // {
    if (c === 91) return this.array(depth); // [
    if (c === 34) return this.string(); // "
    if (c === 45 || (c >= 48 && c <= 57)) return this.number();
    if (this.s.startsWith('true', this.pos)) return (this.pos += 4), true;
    if (this.s.startsWith('false', this.pos)) return (this.pos += 5), false;
    if (this.s.startsWith('null', this.pos)) return (this.pos += 4), null;
    return this.fail();
  }

  private object(depth: number): JsonRecord {
    const out: JsonRecord = {};
    this.pos++;
    this.skipSpace();
    if (this.s.charCodeAt(this.pos) === 125) return this.pos++, out;
    for (;;) {
      this.skipSpace();
      if (this.s.charCodeAt(this.pos) !== 34) this.fail();
      const key = this.string();
      if (typeof key !== 'string') throw new MessageError(`unsupported object key: ${key.reason}`);
      this.skipSpace();
      if (this.s.charCodeAt(this.pos) !== 58) this.fail(); // :
      this.pos++;
      const v = this.value(depth + 1);
      // "__proto__" must become an own field, as JSON.parse makes it
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      this.skipSpace();
      const c = this.s.charCodeAt(this.pos++);
      if (c === 125) return out; // }
      if (c !== 44) this.pos--, this.fail(); // ,
    }
  }

  private array(depth: number): Json[] {
    const out: Json[] = [];
    this.pos++;
    this.skipSpace();
    if (this.s.charCodeAt(this.pos) === 93) return this.pos++, out;
    for (;;) {
      out.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.s.charCodeAt(this.pos++);
      if (c === 93) return out; // ]
      if (c !== 44) this.pos--, this.fail();
    }
  }

  private string(): string | BadString {
    const s = this.s;
    const start = ++this.pos;
    let i = start;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        this.pos = i + 1;
        return s.slice(start, i);
      }
      if (c === 92) break;
      if (c < 32 || Number.isNaN(c)) return (this.pos = i), this.fail();
      i++;
    }
    // with escapes
    let out = s.slice(start, i);
    let surrogates = false;
    let nul = false;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 34) break;
      if (c < 32 || Number.isNaN(c)) return (this.pos = i), this.fail();
      if (c !== 92) {
        out += s[i++];
        continue;
      }
      const e = s[i + 1];
      i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const h = s.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(h)) return (this.pos = i - 2), this.fail();
          const code = parseInt(h, 16);
          if (code === 0) nul = true;
          else if (code >= 0xd800 && code <= 0xdfff) surrogates = true;
          out += String.fromCharCode(code);
          i += 4;
          break;
        }
        default:
          return (this.pos = i - 2), this.fail();
      }
    }
    this.pos = i + 1;
    if (nul) return new BadString('unsupported Unicode escape sequence (\\u0000 cannot be converted to text)');
    if (surrogates && !wellFormed(out)) return new BadString('invalid Unicode surrogate pair in JSON string');
    return out;
  }

  private number(): number | JsonNumber {
    const s = this.s;
    const start = this.pos;
    let i = start;
    if (s.charCodeAt(i) === 45) i++;
    const intStart = i;
    if (s.charCodeAt(i) === 48) i++;
    else if (isDigit(s.charCodeAt(i))) while (isDigit(s.charCodeAt(i))) i++;
    else return (this.pos = i), this.fail();
    let plain = i - intStart <= 15;
    if (s.charCodeAt(i) === 46) {
      i++;
      if (!isDigit(s.charCodeAt(i))) return (this.pos = i), this.fail();
      while (isDigit(s.charCodeAt(i))) i++;
      plain = false;
    }
    const e = s.charCodeAt(i);
    if (e === 101 || e === 69) {
      i++;
      const sign = s.charCodeAt(i);
      if (sign === 43 || sign === 45) i++;
      if (!isDigit(s.charCodeAt(i))) return (this.pos = i), this.fail();
      while (isDigit(s.charCodeAt(i))) i++;
      plain = false;
    }
    this.pos = i;
    const tok = s.slice(start, i);
    // a short integer is exact as a double and has no form to keep
    return plain ? Number(tok) : new JsonNumber(tok);
  }
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** No unpaired surrogate (String.prototype.isWellFormed, which ES2022 typings lack). */
function wellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c >= 0xdc00) return false;
    const d = s.charCodeAt(i + 1);
    if (!(d >= 0xdc00 && d <= 0xdfff)) return false;
    i++;
  }
  return true;
}
