import { PGlite } from '@electric-sql/pglite';
import { L, U, O, F, C, runOurs, runPg } from '../src/expr/pgtest.ts';
const db = new PGlite();
const cases = [
  O('/', L('1','numeric'), L('3','int4')),
  O('+', L('1','int4'), U('2')),
  O('+', L('2147483647','int4'), L('1','int4')),
  O('||', L('1','int4'), U('a')),
  O('||', U('a'), U('b')),
  O('+', U('1'), U('2')),
  O('+', L('1','int4'), L('a','text')),
  F('date_trunc', U('day'), L('2020-01-01','date')),
  F('concat', L('t','bool'), L('1','int4'), L('2020-01-02', 'date')),
  O('=', L('a ','bpchar'), L('a','text')),
  F('length', L('ab ', 'bpchar')),
  F('round', L('2.5','float8')),
  F('abs', L('-2147483648','int4')),
];
for (const c of cases) { console.log(c.sql, JSON.stringify(runOurs(c)), JSON.stringify(await runPg(db, c.sql))); }
