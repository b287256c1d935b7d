// castKind and commonType against PostgreSQL's catalog and select_common_type.

import { elementType } from '../sql/types.js';
import { describe, expect, it } from 'vitest';
import { T, TYPE_INFO, type TypeId } from '../sql/types.js';
import { castKind, commonType, castFn } from './cast.js';
import { SqlError } from '../errors.js';

import { usePglite } from './pgtest.js';
const oracle = usePglite();

const IDS = (Object.keys(TYPE_INFO) as TypeId[]).filter((t) => t !== 'unknown');
const pgName = (t: TypeId) => (t === 'bpchar' ? 'bpchar' : TYPE_INFO[t].name);
const STRINGS = new Set(['text', 'varchar', 'bpchar', 'name']);

describe('castKind', () => {
  it('matches pg_cast plus I/O conversion casts', async () => {
    const r = await oracle().query<{ s: number; t: number; c: string }>(
      'SELECT castsource::int AS s, casttarget::int AS t, castcontext::text AS c FROM pg_cast',
    );
    const cat = new Map(r.rows.map((x) => [`${x.s}>${x.t}`, x.c]));
    const bad: string[] = [];
    const ctx = { i: 'implicit', a: 'assignment', e: 'explicit' } as const;
    for (const a of IDS) {
      for (const b of IDS) {
        if (a === b) continue;
        // array coercions are not in pg_cast (find_coercion_pathway uses the element cast): see test/arrays.test.ts
        if (elementType(T[a]) && elementType(T[b])) continue;
        const c = cat.get(`${TYPE_INFO[a].oid}>${TYPE_INFO[b].oid}`);
        const want = c ? ctx[c as 'i' | 'a' | 'e'] : STRINGS.has(b) ? 'assignment' : STRINGS.has(a) ? 'explicit' : null;
        const got = castKind(T[a], T[b]);
        if (got !== want) bad.push(`${a} -> ${b}: ours ${got}, pg ${want}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('commonType', () => {
  it('matches select_common_type for every pair (UNION)', async () => {
    const bad: string[] = [];
    // the array-like catalog types are opaque (no casts between them): not compared
    const all: TypeId[] = [...IDS.filter((t) => TYPE_INFO[t].category !== 'A'), 'unknown'];
    for (const a of all) {
      for (const b of all) {
        const lit = (t: TypeId) => (t === 'unknown' ? 'NULL' : `NULL::${pgName(t)}`);
        let pg: string;
        try {
          const r = await oracle().query<{ t: string }>(`SELECT pg_typeof(x)::text AS t FROM (SELECT ${lit(a)} AS x UNION ALL SELECT ${lit(b)}) s LIMIT 1`);
          pg = r.rows[0]?.t ?? '?';
        } catch (e) {
          pg = 'ERR ' + (e as Error).message;
        }
        let ours: string;
        try {
          ours = TYPE_INFO[commonType([T[a], T[b]], 'UNION').id].name;
        } catch (e) {
          ours = 'ERR ' + (e as SqlError).message;
        }
        if (pg === 'bpchar') pg = 'character';
        if (ours !== pg) bad.push(`${a}, ${b}: ours ${ours}, pg ${pg}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('keeps a shared typmod only', () => {
    const v3 = { id: 'varchar' as const, typmod: 3 };
    expect(commonType([v3, v3], 'CASE')).toEqual(v3);
    expect(commonType([v3, { id: 'varchar', typmod: 5 }], 'CASE').typmod).toBe(-1);
    expect(commonType([T.unknown, T.unknown], 'VALUES')).toBe(T.text);
  });

  it('varchar assignment raises, explicit truncates', () => {
    const v3 = { id: 'varchar' as const, typmod: 3 };
    expect(castFn(T.text, v3, true)('abcd')).toBe('abc');
    expect(castFn(T.text, v3, false)('abc  ')).toBe('abc');
    expect(() => castFn(T.text, v3, false)('abcd')).toThrow('value too long for type character varying(3)');
  });
});
