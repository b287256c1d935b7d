// A compact binary form of values for the write-ahead log: each value carries a one-byte tag
// for its JS representation (src/expr/value.ts), so decoding needs no column types and does
// not depend on a session's settings (TimeZone, DateStyle) as the text forms do. Exact for
// every representation: -0 and NaN floats, numeric scale (1.0 vs 1.00), int8 past 2^53.

import { PgArray } from '../expr/array.js';
import { Interval } from '../expr/interval.js';
import { Jsonb } from '../expr/jsonb.js';
import { Decimal } from '../expr/numeric.js';
import { PgRecord } from '../expr/record.js';
import type { Value } from '../expr/value.js';
import { internalError } from '../errors.js';

const enum Tag {
  Null = 0,
  False = 1,
  True = 2,
  Number = 3,
  BigInt64 = 4,
  BigText = 5,
  String = 6,
  Decimal = 7,
  Interval = 8,
  Jsonb = 9,
  Array = 10,
  Record = 11,
}

const SPECIALS = [null, 'nan', 'inf', '-inf'] as const;

/** An append-only byte buffer with typed writes; reused from record to record. */
export class ByteWriter {
  private buf = Buffer.allocUnsafe(4096);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  /** The bytes written so far (a view: valid until the next write or reset). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  u8(x: number): void {
    this.ensure(1);
    this.buf[this.length++] = x;
  }

  u32(x: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, x, true);
    this.length += 4;
  }

  i32(x: number): void {
    this.ensure(4);
    this.view.setInt32(this.length, x, true);
    this.length += 4;
  }

  f64(x: number): void {
    this.ensure(8);
    this.view.setFloat64(this.length, x, true);
    this.length += 8;
  }

  i64(x: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.length, x, true);
    this.length += 8;
  }

  /** Bytes as they are, after their length. */
  blob(b: Uint8Array): void {
    this.u32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  string(s: string): void {
    // worst case 3 bytes per UTF-16 unit
    this.ensure(4 + s.length * 3);
    const n = this.buf.write(s, this.length + 4, 'utf8');
    this.view.setUint32(this.length, n, true);
    this.length += 4 + n;
  }

  value(v: Value): void {
    switch (typeof v) {
      case 'boolean':
        this.u8(v ? Tag.True : Tag.False);
        return;
      case 'number':
        this.u8(Tag.Number);
        this.f64(v);
        return;
      case 'bigint':
        if (v >= -(2n ** 63n) && v < 2n ** 63n) {
          this.u8(Tag.BigInt64);
          this.i64(v);
        } else {
          this.u8(Tag.BigText);
          this.string(v.toString());
        }
        return;
      case 'string':
        this.u8(Tag.String);
        this.string(v);
        return;
    }
    if (v === null) return this.u8(Tag.Null);
    if (v instanceof Decimal) {
      this.u8(Tag.Decimal);
      this.u8(SPECIALS.indexOf(v.special));
      this.i32(v.scale);
      this.string(v.coef.toString(16));
    } else if (v instanceof Interval) {
      this.u8(Tag.Interval);
      this.i32(v.months);
      this.i32(v.days);
      this.i64(v.micros);
    } else if (v instanceof Jsonb) {
      this.u8(Tag.Jsonb);
      this.string(v.toString());
    } else if (v instanceof PgArray) {
      this.u8(Tag.Array);
      this.i32(v.lower);
      this.u32(v.elems.length);
      for (const e of v.elems) this.value(e);
    } else if (v instanceof PgRecord) {
      this.u8(Tag.Record);
      this.u32(v.fields.length);
      for (const f of v.fields) this.value(f);
    } else {
      throw internalError(`a value of an unknown representation cannot be logged: ${String(v)}`);
    }
  }
}

/** Reads what a ByteWriter wrote. */
export class ByteReader {
  private view: DataView;
  pos = 0;

  constructor(private readonly buf: Buffer) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  u8(): number {
    return this.buf[this.pos++];
  }

  u32(): number {
    const x = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return x;
  }

  i32(): number {
    const x = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return x;
  }

  f64(): number {
    const x = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }

  i64(): bigint {
    const x = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return x;
  }

  /** What blob() wrote, sharing this reader's bytes. */
  blobView(): Buffer {
    const n = this.u32();
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** What blob() wrote (a copy). */
  blob(): Uint8Array {
    const n = this.u32();
    const out = new Uint8Array(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  string(): string {
    const n = this.u32();
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  value(): Value {
    const tag = this.u8();
    switch (tag) {
      case Tag.Null:
        return null;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Number:
        return this.f64();
      case Tag.BigInt64:
        return this.i64();
      case Tag.BigText:
        return BigInt(this.string());
      case Tag.String:
        return this.string();
      case Tag.Decimal: {
        const special = SPECIALS[this.u8()];
        const scale = this.i32();
        const hex = this.string();
        if (special === 'nan') return Decimal.NAN;
        if (special === 'inf') return Decimal.INFINITY;
        if (special === '-inf') return Decimal.NEG_INFINITY;
        return Decimal.of(hex.startsWith('-') ? -BigInt('0x' + hex.slice(1)) : BigInt('0x' + hex), scale);
      }
      case Tag.Interval: {
        const months = this.i32();
        const days = this.i32();
        return new Interval(months, days, this.i64());
      }
      case Tag.Jsonb:
        return Jsonb.parse(this.string());
      case Tag.Array: {
        const lower = this.i32();
        const n = this.u32();
        const elems: Value[] = new Array(n);
        for (let i = 0; i < n; i++) elems[i] = this.value();
        return new PgArray(elems, lower);
      }
      case Tag.Record: {
        const n = this.u32();
        const fields: Value[] = new Array(n);
        for (let i = 0; i < n; i++) fields[i] = this.value();
        return new PgRecord(fields);
      }
      default:
        throw internalError(`unknown value tag ${tag} in the write-ahead log`);
    }
  }
}
