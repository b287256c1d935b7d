// Runtime representation of SQL values. One JS representation per type, chosen so that
// arithmetic is exact where PostgreSQL's is (int8 as bigint, numeric as a decimal class).
//
//   bool                 boolean
//   int2, int4           number (always an integer in range)
//   int8                 bigint
//   numeric              Decimal            (./numeric.ts)
//   float4, float8       number
//   text, varchar        string
//   bpchar               string, blank-padded to its length as PostgreSQL stores it
//   date                 number: days since 1970-01-01 (±Infinity for 'infinity')
//   timestamp(tz)        bigint: microseconds since 1970-01-01 00:00:00 (UTC for timestamptz);
//                        PostgreSQL's ±infinity are TS_NOBEGIN/TS_NOEND below
//   interval             Interval           (./interval.ts)
//   jsonb                Jsonb              (./jsonb.ts)
//   arrays               PgArray            (./array.ts)
//   record               PgRecord           (./record.ts)
//   NULL                 null (never undefined)

import type { Decimal } from './numeric.js';
import type { Interval } from './interval.js';
import type { Jsonb } from './jsonb.js';
import type { PgArray } from './array.js';
import type { PgRecord } from './record.js';

export type Value = null | boolean | number | bigint | string | Decimal | Interval | Jsonb | PgArray | PgRecord;
export type Row = Value[];

/** PostgreSQL's DT_NOBEGIN / DT_NOEND: timestamps '-infinity' and 'infinity'. */
export const TS_NOBEGIN = -(2n ** 63n);
export const TS_NOEND = 2n ** 63n - 1n;
