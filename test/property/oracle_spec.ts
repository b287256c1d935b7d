// Differential properties: a generated program runs statement by statement on Tributary and
// on PostgreSQL (PGlite) through test/support/differential.ts, which compares every result,
// SQLSTATE, view and (after failures and transaction ends) table.

import type { Oracle } from '../support/oracle.js';
import { Differential, type Mismatch } from '../support/differential.js';
import { genProgram, type Program } from './program.js';
import type { Cfg } from './query.js';
import { stmtList, type Found, type PropertySpec } from './runner.js';

const kindOf = (m: Mismatch) => (m.what === 'error code' ? `error ${String(m.ours)}/${String(m.theirs)}` : m.what.replace(/^(view|table) \w+/, '$1'));

function describeMismatch(m: Mismatch): string {
  const show = (x: unknown) => {
    const s = JSON.stringify(x);
    return s.length > 1500 ? s.slice(0, 1500) + '…' : s;
  };
  return `after ${JSON.stringify(m.statement)}: ${m.what}\n  tributary: ${show(m.ours)}\n  postgres:  ${show(m.theirs)}`;
}

async function resetOracle(oracle: Oracle): Promise<void> {
  await oracle.exec('ROLLBACK'); // a truncated program may have left a transaction open
  await oracle.exec('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
}

/** Run a program; the first mismatch (with the statements up to it), or null. */
export async function runOnBoth(oracle: Oracle, p: Program): Promise<Found | null> {
  await resetOracle(oracle);
  const diff = await Differential.create(oracle);
  try {
    const found = (m: Mismatch, n: number): Found => ({
      kind: kindOf(m),
      key: kindOf(m) + ' ' + String(m.ours).slice(0, 40),
      description: describeMismatch(m),
      upTo: { stmts: p.stmts.slice(0, n), views: p.views },
    });
    for (let i = 0; i < p.stmts.length; i++) {
      const s = p.stmts[i];
      const m = await diff.run(s, p.views.get(s));
      if (m.length) return found(m[0], i + 1);
    }
    const end = await diff.finish();
    return end.length ? found(end[0], p.stmts.length) : null;
  } finally {
    await diff.db.close();
  }
}

/** The program as an `agree` test (with the views' representative metadata when it matters). */
export function asAgree(p: Program, f: Found): string {
  const metas: Record<string, unknown> = {};
  for (const s of p.stmts) {
    const m = p.views.get(s);
    if (m && m.picks.length) metas[s] = m;
  }
  const opts = Object.keys(metas).length ? `, { meta: ${JSON.stringify(metas)} }` : '';
  const title = f.kind.replace(/'/g, '');
  return `  it('${title}', async () => {\n    await agree(${stmtList(p.stmts, '      ')}${opts});\n  });`;
}

export function differentialSpec(name: string, cfg: Cfg, oracle: () => Oracle): PropertySpec {
  return {
    name,
    gen: (g) => genProgram(g, cfg),
    run: (p) => runOnBoth(oracle(), p),
    format: asAgree,
  };
}
