// LIKE / ILIKE / NOT LIKE / ESCAPE against PostgreSQL (PGlite) on random patterns, including
// escapes and a trailing escape character, whose error depends on whether the match reaches it.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, L, O, runOurs, runPg, type Node, usePglite } from '../pgtest.js';

const oracle = usePglite();

async function same(node: Node): Promise<void> {
  expect(runOurs(node), node.sql).toEqual(await runPg(oracle(), node.sql));
}

const tx = (s: string) => L(s, 'text');

describe('LIKE vs PostgreSQL', () => {
  it('random patterns with %, _ and escapes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[abAB%_\\#é]{0,6}$/), fc.stringMatching(/^[abAB%_\\#é]{0,6}$/), async (s, p) => {
        await same(O('~~', tx(s), tx(p)));
        await same(O('!~~', tx(s), tx(p)));
        await same(O('~~*', tx(s), tx(p)));
        await same(O('~~', tx(s), F('like_escape', tx(p), tx('#'))));
        await same(O('~~', tx(s), F('like_escape', tx(p), tx(''))));
      }),
      { numRuns: 400 },
    );
  });
});
