import { PGlite } from '@electric-sql/pglite';
import fs from 'fs';
const db = new PGlite();
const lines = fs.readFileSync(0, 'utf8').split('\n').filter(l => l.trim());
for (const l of lines) {
  const sql = l.startsWith('!') ? l.slice(1) : `select (${l})::text`;
  try { const r = await db.query(sql, [], {rowMode:'array'}); console.log(l, '=>', r.rows.map(x=>x.join(' | ')).join('; ')); } catch (e) { console.log(l, 'ERR', e.code, e.message, e.detail ?? '', e.hint??''); }
}
