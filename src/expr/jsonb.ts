// PostgreSQL jsonb: a canonical JSON tree. Object keys are de-duplicated (last wins) and
// ordered as jsonb stores them (shorter keys first, then bytewise); numbers are Decimals so
// that 1.50 prints as 1.50 and big integers stay exact.

import { SqlError, SQLSTATE } from '../errors.js';
import { compareText } from './compare.js';
import { Decimal } from './numeric.js';

export type JsonValue = null | boolean | string | Decimal | JsonValue[] | JsonObject;

export class JsonObject {
  /** Entries in jsonb storage order, keys unique. */
  constructor(readonly entries: [string, JsonValue][]) {}

  static from(pairs: [string, JsonValue][]): JsonObject {
    const m = new Map<string, JsonValue>();
    for (const [k, v] of pairs) m.set(k, v);
    return new JsonObject([...m.entries()].sort((a, b) => compareKeys(a[0], b[0])));
  }

  get(key: string): JsonValue | undefined {
    for (const [k, v] of this.entries) if (k === key) return v;
    return undefined;
  }
}

function utf8Len(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** jsonb key storage order: by UTF-8 length, then bytewise. */
export function compareKeys(a: string, b: string): number {
  if (a.length === b.length && a === b) return 0;
  return utf8Len(a) - utf8Len(b) || compareText(a, b);
}

export class Jsonb {
  constructor(readonly value: JsonValue) {}

  static parse(text: string): Jsonb {
    return new Jsonb(new Parser(text).parseTop());
  }

  toString(): string {
    return stringify(this.value);
  }

  compare(o: Jsonb): number {
    return compareTop(this.value, o.value);
  }

  /** Equality key: numerically equal numbers (1.0, 1.00) give the same key. */
  key(): string {
    return keyOf(this.value);
  }

  typeName(): string {
    return typeOf(this.value);
  }
}

export function typeOf(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (v instanceof Decimal) return 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

// --- output ---

export function escapeJson(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      default:
        out += c < 0x20 ? '\\u' + c.toString(16).padStart(4, '0') : s[i];
    }
  }
  return out + '"';
}

export function stringify(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return escapeJson(v);
  if (v instanceof Decimal) return v.toString();
  if (Array.isArray(v)) return '[' + v.map(stringify).join(', ') + ']';
  return '{' + v.entries.map(([k, x]) => escapeJson(k) + ': ' + stringify(x)).join(', ') + '}';
}

function keyOf(v: JsonValue): string {
  if (v instanceof Decimal) return v.normalizedKey();
  if (Array.isArray(v)) return '[' + v.map(keyOf).join(',') + ']';
  if (v instanceof JsonObject) return '{' + v.entries.map(([k, x]) => escapeJson(k) + ':' + keyOf(x)).join(',') + '}';
  return stringify(v);
}

// --- ordering (compareJsonbContainers) ---

/** jbvType order: null < string < numeric < bool < array < object. */
function rank(v: JsonValue): number {
  if (v === null) return 0;
  if (typeof v === 'string') return 1;
  if (v instanceof Decimal) return 2;
  if (typeof v === 'boolean') return 3;
  if (Array.isArray(v)) return 4;
  return 5;
}

function compareTop(a: JsonValue, b: JsonValue): number {
  // top-level scalars are stored as one-element "raw scalar" arrays
  const ra = rank(a) < 4;
  const rb = rank(b) < 4;
  if ((ra || Array.isArray(a)) && (rb || Array.isArray(b))) {
    const na = ra ? 1 : (a as JsonValue[]).length;
    const nb = rb ? 1 : (b as JsonValue[]).length;
    if (na !== nb) return na > nb ? 1 : -1;
    if (ra !== rb) return ra ? -1 : 1;
    if (ra) return compareValues(a, b);
  }
  return compareValues(a, b);
}

function compareValues(a: JsonValue, b: JsonValue): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra > rb ? 1 : -1;
  switch (ra) {
    case 0:
      return 0;
    case 1:
      return Math.sign(compareText(a as string, b as string));
    case 2:
      return (a as Decimal).compare(b as Decimal);
    case 3:
      return a === b ? 0 : a ? 1 : -1;
    case 4: {
      const x = a as JsonValue[];
      const y = b as JsonValue[];
      if (x.length !== y.length) return x.length > y.length ? 1 : -1;
      for (let i = 0; i < x.length; i++) {
        const c = compareValues(x[i], y[i]);
        if (c) return c;
      }
      return 0;
    }
    default: {
      const x = (a as JsonObject).entries;
      const y = (b as JsonObject).entries;
      if (x.length !== y.length) return x.length > y.length ? 1 : -1;
      for (let i = 0; i < x.length; i++) {
        const c = Math.sign(compareText(x[i][0], y[i][0])) || compareValues(x[i][1], y[i][1]);
        if (c) return c;
      }
      return 0;
    }
  }
}

export function jsonEquals(a: JsonValue, b: JsonValue): boolean {
  return compareValues(a, b) === 0;
}

// --- containment (@>) ---

export function contains(a: JsonValue, b: JsonValue, top = true): boolean {
  const ra = rank(a);
  const rb = rank(b);
  if (ra === 5) {
    if (rb !== 5) return false;
    for (const [k, v] of (b as JsonObject).entries) {
      const x = (a as JsonObject).get(k);
      if (x === undefined) return false;
      if (rank(x) >= 4 || rank(v) >= 4) {
        if (rank(x) !== rank(v) || !contains(x, v, false)) return false;
      } else if (!jsonEquals(x, v)) return false;
    }
    return true;
  }
  if (ra === 4) {
    const arr = a as JsonValue[];
    // a top-level array contains a raw scalar equal to one of its elements
    if (rb < 4) return top && arr.some((x) => rank(x) < 4 && jsonEquals(x, b));
    if (rb !== 4) return false;
    return (b as JsonValue[]).every((v) =>
      rank(v) < 4 ? arr.some((x) => rank(x) < 4 && jsonEquals(x, v)) : arr.some((x) => rank(x) === rank(v) && contains(x, v, false)),
    );
  }
  return rb < 4 && jsonEquals(a, b);
}

// --- input (RFC 8259 as PostgreSQL's json lexer accepts it) ---

function jsonError(detail: string): SqlError {
  return new SqlError(SQLSTATE.INVALID_TEXT_REPRESENTATION, 'invalid input syntax for type json', { detail });
}

class Parser {
  private pos = 0;
  constructor(private readonly s: string) {}

  parseTop(): JsonValue {
    const v = this.value();
    this.ws();
    if (this.pos < this.s.length) throw jsonError(`Expected end of input, but found "${this.token()}".`);
    return v;
  }

  private ws(): void {
    while (this.pos < this.s.length) {
      const c = this.s[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else break;
    }
  }

  /** The offending token, as PostgreSQL's lexer would cut it. */
  private token(): string {
    const m = /^[^\s,:[\]{}"]+/.exec(this.s.slice(this.pos));
    return m ? m[0] : this.s[this.pos];
  }

  private value(): JsonValue {
    this.ws();
    if (this.pos >= this.s.length) throw jsonError('The input string ended unexpectedly.');
    const c = this.s[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    const tok = this.token();
    if (c === '-' || (c >= '0' && c <= '9')) {
      if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(tok)) throw jsonError(`Token "${tok}" is invalid.`);
      this.pos += tok.length;
      return Decimal.parse(tok);
    }
    this.pos += tok.length;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (tok === 'null') return null;
    throw jsonError(`Token "${tok}" is invalid.`);
  }

  private expect(ch: string, what: string): void {
    this.ws();
    if (this.pos >= this.s.length) throw jsonError('The input string ended unexpectedly.');
    if (this.s[this.pos] !== ch) throw jsonError(`Expected ${what}, but found "${this.token()}".`);
    this.pos++;
  }

  private array(): JsonValue[] {
    this.pos++;
    const out: JsonValue[] = [];
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      if (this.pos >= this.s.length) throw jsonError('The input string ended unexpectedly.');
      if (this.s[this.pos] === ']') {
        this.pos++;
        return out;
      }
      this.expect(',', '"," or "]"');
    }
  }

  private object(): JsonObject {
    this.pos++;
    const pairs: [string, JsonValue][] = [];
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return JsonObject.from(pairs);
    }
    for (;;) {
      this.ws();
      if (this.pos >= this.s.length) throw jsonError('The input string ended unexpectedly.');
      if (this.s[this.pos] !== '"') throw jsonError(`Expected string, but found "${this.token()}".`);
      const k = this.string();
      this.expect(':', '":"');
      pairs.push([k, this.value()]);
      this.ws();
      if (this.pos >= this.s.length) throw jsonError('The input string ended unexpectedly.');
      if (this.s[this.pos] === '}') {
        this.pos++;
        return JsonObject.from(pairs);
      }
      this.expect(',', '"," or "}"');
    }
  }

  private string(): string {
    this.pos++;
    let out = '';
    const s = this.s;
    for (;;) {
      if (this.pos >= s.length) throw jsonError('The input string ended unexpectedly.');
      const c = s[this.pos++];
      if (c === '"') return out;
      if (c.charCodeAt(0) < 0x20) {
        throw jsonError(`Character with value 0x${c.charCodeAt(0).toString(16).padStart(2, '0')} must be escaped.`);
      }
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = s[this.pos++];
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
          const h = s.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(h)) throw jsonError('"\\u" must be followed by four hexadecimal digits.');
          this.pos += 4;
          const code = parseInt(h, 16);
          if (code === 0) {
            throw new SqlError(SQLSTATE.UNTRANSLATABLE_CHARACTER, 'unsupported Unicode escape sequence', {
              detail: '\\u0000 cannot be converted to text.',
            });
          }
          out += String.fromCharCode(code);
          break;
        }
        default:
          throw jsonError(`Escape sequence "\\${e ?? ''}" is invalid.`);
      }
    }
  }
}
