// Volatility of our function implementations and casts against PostgreSQL's catalog (PGlite):
// constant folding evaluates only IMMUTABLE ones at plan time, so a wrong entry would make a
// statement fail (or not) where PostgreSQL does not (or does).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Oracle } from './support/oracle.js';
import { byName } from '../src/expr/functions/core.js';
import '../src/expr/functions/registry.js';
import '../src/catalog/system/functions.js';
import { castVolatility, functionVolatility } from '../src/expr/volatility.js';
import { castKind } from '../src/expr/cast.js';
import { TYPE_INFO, type, type TypeId } from '../src/sql/types.js';
import { isAny } from '../src/expr/functions/core.js';

let pg: Oracle;
beforeAll(async () => {
  pg = await Oracle.create();
});
afterAll(async () => {
  await pg.close();
});

const LETTER = { immutable: 'i', stable: 's', volatile: 'v' } as const;

describe('volatility', () => {
  it('of every implementation with an exact PostgreSQL signature matches pg_proc', async () => {
    const procs = await pg.rows(
      `SELECT proname, array_to_string(proargtypes::oid[], ','), provolatile FROM pg_proc`,
    );
    const ops = await pg.rows(
      `SELECT oprname, oprleft::text || ',' || oprright::text, p.provolatile FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode`,
    );
    const byFn = new Map(procs.map(([n, a, v]) => [`${n}(${a})`, v]));
    const byOp = new Map(ops.map(([n, a, v]) => [`${n}(${a})`, v]));
    const mismatches: string[] = [];
    let checked = 0;
    for (const [key, list] of byName) {
      for (const impl of list) {
        if (impl.variadic || impl.argTypes.some(isAny)) continue;
        const oids = impl.argTypes.map((t) => TYPE_INFO[t.id].oid);
        let pgVol: string | null | undefined;
        if (key.startsWith('op:')) {
          const sym = key.slice(3) === '!=' ? '<>' : key.slice(3);
          pgVol = byOp.get(`${sym}(${oids.length === 1 ? `0,${oids[0]}` : oids.join(',')})`);
        } else pgVol = byFn.get(`${key}(${oids.join(',')})`);
        if (!pgVol) continue;
        checked++;
        const ours = LETTER[functionVolatility(impl.name)];
        // what folding needs is immutable or not: our 'volatile' (now(), current_user, …) marks
        // what changes between steps, and PostgreSQL calls some of those stable
        if ((ours === 'i') === (pgVol === 'i')) continue;
        mismatches.push(`${key} ${impl.name}: ours ${ours}, PostgreSQL ${pgVol}`);
      }
    }
    expect(checked).toBeGreaterThan(300);
    expect(mismatches).toEqual([]);
  });

  it('of every cast between scalar types matches pg_cast and the I/O functions', async () => {
    const ids = (Object.keys(TYPE_INFO) as TypeId[]).filter((id) => !id.startsWith('_') && !['unknown', 'record', 'int2vector', 'oidvector', 'pg_node_tree'].includes(id));
    const rows = await pg.rows(`
      WITH ty(oid) AS (SELECT unnest('{${ids.map((id) => TYPE_INFO[id].oid).join(',')}}'::oid[]))
      SELECT s.oid::text, t.oid::text,
        CASE WHEN c.castmethod = 'f' THEN (SELECT provolatile::text FROM pg_proc WHERE oid = c.castfunc)
             WHEN c.castmethod = 'b' THEN 'i'
             ELSE greatest((SELECT provolatile::text FROM pg_proc WHERE oid = (SELECT typoutput FROM pg_type WHERE oid = s.oid)),
                           (SELECT provolatile::text FROM pg_proc WHERE oid = (SELECT typinput FROM pg_type WHERE oid = t.oid))) END
      FROM ty s CROSS JOIN ty t LEFT JOIN pg_cast c ON c.castsource = s.oid AND c.casttarget = t.oid
      WHERE s.oid <> t.oid`);
    const byOid = new Map(ids.map((id) => [String(TYPE_INFO[id].oid), id]));
    const mismatches: string[] = [];
    for (const [s, t, v] of rows) {
      const from = type(byOid.get(s!)!);
      const to = type(byOid.get(t!)!);
      if (castKind(from, to) === null) continue;
      const ours = LETTER[castVolatility(from, to)];
      if (ours !== v) mismatches.push(`${from.id} -> ${to.id}: ours ${ours}, PostgreSQL ${v}`);
    }
    expect(mismatches).toEqual([]);
  });
});
