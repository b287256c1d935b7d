// Metamorphic properties (no oracle): ternary logic partitioning and NoREC on random queries
// over random data, as materialized views maintained through transactions and as ad-hoc
// reads (test/support/metamorphic.ts). Without an oracle these runs are cheap, so the programs
// are larger, and they may use what PGlite cannot be compared with exactly (representatives
// of equal values picked after joins, floats rounded in any order in projections).
// Generators: test/property/ (features.ts for the switches shared with the differential
// properties; `metamorphicViews` turns off the view groups).

import { afterAll, describe, it } from 'vitest';
import { metamorphicStats, runMetamorphic } from './support/metamorphic.js';
import { genMetaProgram, type MetaCfg, type MetaProgram } from './property/metamorphic_gen.js';
import { FEATURES } from './property/features.js';
import { checkProperty, stmtList, TEST_TIMEOUT, type Found, type PropertySpec } from './property/runner.js';

function spec(name: string, cfg: MetaCfg): PropertySpec {
  return {
    name,
    gen: (g) => genMetaProgram(g, cfg),
    async run(p): Promise<Found | null> {
      const mp = p as MetaProgram;
      // exact representatives in scan-ordered views wait for the same fix as `repsOrdered`
      const f = await runMetamorphic(mp.stmts, mp.groups, FEATURES.has('repsOrdered'));
      if (!f) return null;
      const kind = `${f.what} (${f.how})`;
      return {
        kind,
        key: kind + ' ' + mp.groups[f.group].kind,
        description: `${f.what} for group ${f.group} (${f.how}) after ${JSON.stringify(mp.stmts[f.at])}:\n${f.detail}`,
        upTo: { ...mp, stmts: mp.stmts.slice(0, f.at + 1) },
      };
    },
    format(p, f) {
      const mp = p as MetaProgram;
      const used = Object.fromEntries(Object.entries(mp.groups).filter(([n]) => mp.stmts.some((s) => s.includes(`${n}_`) || s === `-- check ${n}`)));
      return `  it('${f.kind.replace(/'/g, '')}', async () => {\n    await metamorphic(${stmtList(p.stmts, '      ')}, ${JSON.stringify(used)});\n  });`;
    },
  };
}

afterAll(() => {
  if (process.env.PROPERTY_DEBUG) console.log('metamorphic checks', metamorphicStats);
});

describe('metamorphic properties (TLP, NoREC)', () => {
  it('single tables, with subqueries in predicates', async () => {
    await checkProperty(
      spec('metamorphic single-table', {
        sources: [1, 0, 0],
        viewsOnViews: true,
        subqueries: true,
        derived: false,
        kinds: { proj: 0, agg: 0, distinct: 0, union: 0 },
        views: [0, 0],
        txns: [8, 20],
        groups: [2, 4],
      }),
      200,
    );
  }, TEST_TIMEOUT);

  it('joins of all kinds and derived tables', async () => {
    await checkProperty(
      spec('metamorphic joins', {
        sources: [1, 4, 2],
        viewsOnViews: true,
        subqueries: true,
        kinds: { proj: 2, agg: 2, distinct: 1, union: 1 },
        views: [0, 0],
        txns: [8, 20],
        groups: [2, 4],
      }),
      200,
    );
  }, TEST_TIMEOUT);
});
