// Values on the wire: PostgreSQL's text format (formatValue / parseValue) and its binary
// format (the typsend/typreceive functions of each type) for the types the engine has.
//
// Binary parameters are decoded to their text form and handed to the engine like text
// parameters: the engine's input functions then apply typmods and range checks exactly as
// they do for text, so both formats accept the same values.

import { SqlError, SQLSTATE } from '../errors.js';
import { formatValue } from '../expr/format.js';
import { Interval } from '../expr/interval.js';
import type { Value } from '../expr/value.js';
import type { Decimal } from '../expr/numeric.js';
import type { Jsonb } from '../expr/jsonb.js';
import { TYPE_INFO, type SqlType, T, type TypeId, type as mkType } from '../sql/types.js';
import { decodeUtf8, type WireField } from './messages.js';
import type { FieldInfo } from '../engine/result.js';

/** Microseconds and days between 1970-01-01 (our epoch) and 2000-01-01 (PostgreSQL's). */
const PG_EPOCH_US = 946_684_800_000_000n;
const PG_EPOCH_DAYS = 10957;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INVALID_BINARY_REPRESENTATION = '22P03';

const BY_OID = new Map<number, SqlType>();
for (const id of Object.keys(TYPE_INFO) as TypeId[]) if (id !== 'unknown') BY_OID.set(TYPE_INFO[id].oid, mkType(id));

/** Types held as unsigned 32-bit numbers and sent like oid (oidsend; regclasssend etc. are the same). */
const OID_LIKE = new Set<string>(['oid', 'regclass', 'regtype', 'regproc', 'regnamespace', 'regrole']);
/** Types with a binary form here; others (the catalog's array-like types) are text only. */
const BINARY = new Set<string>(['bool', 'int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'text', 'varchar', 'bpchar', 'name', 'char',
  'date', 'timestamp', 'timestamptz', 'interval', 'jsonb', ...OID_LIKE]);

export function hasBinaryFormat(t: SqlType): boolean {
  return BINARY.has(t.id);
}

/**
 * The SqlType for a parameter type OID from a Parse message; undefined for 0 / unknown (the
 * binder infers it). An OID of a type we lack is refused rather than guessed.
 */
export function typeForOid(oid: number): SqlType | undefined {
  if (oid === 0 || oid === 705) return undefined;
  const t = BY_OID.get(oid);
  if (!t) throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `parameters of type with OID ${oid} are not supported`);
  return t;
}

/** atttypmod as the wire carries it: VARHDRSZ (4) is added to varchar/bpchar lengths and numeric(p,s). */
export function wireTypmod(t: SqlType): number {
  if (t.typmod < 0) return -1;
  return t.id === 'varchar' || t.id === 'bpchar' || t.id === 'numeric' ? t.typmod + 4 : t.typmod;
}

export function wireField(f: FieldInfo, format: 0 | 1): WireField {
  const len = TYPE_INFO[f.sqlType.id].len;
  return { name: f.name, typeOid: f.dataTypeID, typeLen: len === -2 ? -2 : len, typeMod: wireTypmod(f.sqlType), format };
}

/** The format code of result column i from Bind's list (none: text; one: all; else per column). */
export function formatOf(codes: readonly number[], i: number): 0 | 1 {
  const c = codes.length === 0 ? 0 : codes.length === 1 ? codes[0] : codes[i];
  return c === 1 ? 1 : 0;
}

// ---- output -----------------------------------------------------------------------------

export function encodeText(v: Value, t: SqlType): string | null {
  return formatValue(v, t);
}

export function encodeBinary(v: Value, t: SqlType): Buffer | null {
  if (v === null) return null;
  switch (t.id) {
    case 'bool':
      return Buffer.from([v ? 1 : 0]);
    case 'int2': {
      const b = Buffer.allocUnsafe(2);
      b.writeInt16BE(v as number);
      return b;
    }
    case 'int4': {
      const b = Buffer.allocUnsafe(4);
      b.writeInt32BE(v as number);
      return b;
    }
    case 'int8': {
      const b = Buffer.allocUnsafe(8);
      b.writeBigInt64BE(v as bigint);
      return b;
    }
    case 'float4': {
      const b = Buffer.allocUnsafe(4);
      b.writeFloatBE(v as number);
      return b;
    }
    case 'float8': {
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleBE(v as number);
      return b;
    }
    case 'numeric':
      return numericSend((v as Decimal).toString());
    case 'date': {
      const d = v as number;
      const b = Buffer.allocUnsafe(4);
      // DATEVAL_NOBEGIN / DATEVAL_NOEND are INT32_MIN / INT32_MAX
      b.writeInt32BE(d === Infinity ? 0x7fffffff : d === -Infinity ? -0x80000000 : d - PG_EPOCH_DAYS);
      return b;
    }
    case 'timestamp':
    case 'timestamptz': {
      const us = v as bigint;
      const b = Buffer.allocUnsafe(8);
      b.writeBigInt64BE(us === INT64_MIN || us === INT64_MAX ? us : us - PG_EPOCH_US);
      return b;
    }
    case 'interval': {
      const iv = v as Interval;
      const b = Buffer.allocUnsafe(16);
      b.writeBigInt64BE(iv.micros, 0);
      b.writeInt32BE(iv.days, 8);
      b.writeInt32BE(iv.months, 12);
      return b;
    }
    case 'jsonb':
      return Buffer.concat([Buffer.from([1]), Buffer.from((v as Jsonb).toString(), 'utf8')]);
    case 'char': // "char": one byte
      return Buffer.from(String(v), 'latin1').subarray(0, 1);
    default:
      if (OID_LIKE.has(t.id)) {
        const b = Buffer.allocUnsafe(4);
        b.writeUInt32BE(Number(v) >>> 0);
        return b;
      }
      return Buffer.from(String(v), 'utf8');
  }
}

/** numeric_send from the text form: base-10000 digits, weight, sign, display scale. */
function numericSend(text: string): Buffer {
  const head = (ndigits: number, weight: number, sign: number, dscale: number) => {
    const b = Buffer.alloc(8 + ndigits * 2);
    b.writeInt16BE(ndigits, 0);
    b.writeInt16BE(weight, 2);
    b.writeUInt16BE(sign, 4);
    b.writeInt16BE(dscale, 6);
    return b;
  };
  if (text === 'NaN') return head(0, 0, 0xc000, 0);
  if (text === 'Infinity') return head(0, 0, 0xd000, 0);
  if (text === '-Infinity') return head(0, 0, 0xf000, 0);
  const neg = text.startsWith('-');
  const [ip, fp = ''] = (neg ? text.slice(1) : text).split('.');
  const dscale = fp.length;
  // pad the integer part on the left and the fraction on the right to whole groups of 4
  const intPart = ip.replace(/^0+/, '');
  const intPadded = intPart.padStart(Math.ceil(intPart.length / 4) * 4, '0');
  const fracPadded = fp.padEnd(Math.ceil(fp.length / 4) * 4, '0');
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  // strip leading and trailing zero groups, as numeric_send's stored form has none
  while (groups.length && groups[0] === 0) {
    groups.shift();
    weight--;
  }
  while (groups.length && groups[groups.length - 1] === 0) groups.pop();
  if (groups.length === 0) return head(0, 0, 0, dscale);
  const b = head(groups.length, weight, neg ? 0x4000 : 0, dscale);
  groups.forEach((g, i) => b.writeInt16BE(g, 8 + i * 2));
  return b;
}

// ---- input ------------------------------------------------------------------------------

function badBinary(_t: SqlType): SqlError {
  return new SqlError(INVALID_BINARY_REPRESENTATION, 'incorrect binary data format in bind parameter');
}

/** A binary parameter value as the text the engine's input function would take. */
export function decodeBinaryParam(buf: Buffer, t: SqlType, paramNumber = 1): string {
  try {
    return decodeBinary(buf, t);
  } catch (e) {
    // PostgreSQL's words name the parameter
    if (e instanceof SqlError && e.code === INVALID_BINARY_REPRESENTATION) e.message = `${e.message} ${paramNumber}`;
    throw e;
  }
}

function decodeBinary(buf: Buffer, t: SqlType): string {
  const need = (n: number) => {
    if (buf.length !== n) throw badBinary(t);
  };
  if (OID_LIKE.has(t.id)) {
    // reg* types are sent as their oid; as text input an oid number is accepted too
    need(4);
    return String(buf.readUInt32BE(0));
  }
  if (!hasBinaryFormat(t)) {
    throw new SqlError('42883', `no binary input function available for type ${TYPE_INFO[t.id].name}`);
  }
  switch (t.id) {
    case 'bool':
      need(1);
      return buf[0] ? 't' : 'f';
    case 'int2':
      need(2);
      return String(buf.readInt16BE(0));
    case 'int4':
      need(4);
      return String(buf.readInt32BE(0));
    case 'int8':
      need(8);
      return buf.readBigInt64BE(0).toString();
    case 'float4':
      need(4);
      return floatText(buf.readFloatBE(0));
    case 'float8':
      need(8);
      return floatText(buf.readDoubleBE(0));
    case 'numeric':
      return numericRecv(buf, t);
    case 'date': {
      need(4);
      const d = buf.readInt32BE(0);
      if (d === 0x7fffffff) return 'infinity';
      if (d === -0x80000000) return '-infinity';
      return formatValue(d + PG_EPOCH_DAYS, T.date)!;
    }
    case 'timestamp':
    case 'timestamptz': {
      need(8);
      const raw = buf.readBigInt64BE(0);
      if (raw === INT64_MAX) return 'infinity';
      if (raw === INT64_MIN) return '-infinity';
      return formatValue(raw + PG_EPOCH_US, t)!;
    }
    case 'interval': {
      need(16);
      return formatValue(new Interval(buf.readInt32BE(12), buf.readInt32BE(8), buf.readBigInt64BE(0)), T.interval)!;
    }
    case 'jsonb':
      if (buf.length < 1 || buf[0] !== 1) throw new SqlError(INVALID_BINARY_REPRESENTATION, `unsupported jsonb version number ${buf[0]}`);
      return utf8(buf.subarray(1));
    default:
      // text, varchar, bpchar (and unknown, which resolved to text): the bytes are the text
      return utf8(buf);
  }
}

function floatText(x: number): string {
  return Number.isNaN(x) ? 'NaN' : x === Infinity ? 'Infinity' : x === -Infinity ? '-Infinity' : Object.is(x, -0) ? '-0' : String(x);
}

// textrecv verifies its bytes as text input does (22021 naming the bad bytes)
const utf8 = (b: Buffer): string => decodeUtf8(b);

function numericRecv(buf: Buffer, t: SqlType): string {
  if (buf.length < 8) throw badBinary(t);
  const ndigits = buf.readInt16BE(0);
  const weight = buf.readInt16BE(2);
  const sign = buf.readUInt16BE(4);
  const dscale = buf.readInt16BE(6);
  if (ndigits < 0 || buf.length !== 8 + ndigits * 2 || dscale < 0) throw badBinary(t);
  if (sign === 0xc000) return 'NaN';
  if (sign === 0xd000) return 'Infinity';
  if (sign === 0xf000) return '-Infinity';
  if (sign !== 0 && sign !== 0x4000) throw new SqlError(INVALID_BINARY_REPRESENTATION, 'invalid sign in external "numeric" value');
  let digits = '';
  for (let i = 0; i < ndigits; i++) {
    const d = buf.readInt16BE(8 + i * 2);
    if (d < 0 || d > 9999) throw new SqlError(INVALID_BINARY_REPRESENTATION, 'invalid digit in external "numeric" value');
    digits += String(d).padStart(4, '0');
  }
  // digits holds groups weight, weight-1, …; place the decimal point after group `weight`
  const pointAt = (weight + 1) * 4;
  let intPart: string;
  let frac: string;
  if (pointAt <= 0) {
    intPart = '0';
    frac = '0'.repeat(-pointAt) + digits;
  } else if (pointAt >= digits.length) {
    intPart = digits + '0'.repeat(pointAt - digits.length);
    frac = '';
  } else {
    intPart = digits.slice(0, pointAt);
    frac = digits.slice(pointAt);
  }
  intPart = intPart.replace(/^0+(?=\d)/, '');
  frac = frac.slice(0, dscale).padEnd(dscale, '0');
  return (sign === 0x4000 ? '-' : '') + intPart + (dscale > 0 ? '.' + frac : '');
}
