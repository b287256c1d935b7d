// The regular expression functions against PostgreSQL (PGlite) on random patterns of the
// supported ARE subset: where a match is and what its parenthesized parts hold follow
// PostgreSQL's leftmost-longest match and its dissection rules (regex_engine.ts), which a
// JS RegExp does not.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, L, O, runOurs, runPg, type Node, usePglite } from '../pgtest.js';

const oracle = usePglite();

async function same(node: Node): Promise<void> {
  expect(runOurs(node), node.sql).toEqual(await runPg(oracle(), node.sql));
}

const atom: fc.Arbitrary<string> = fc.constantFrom('a', 'b', 'c', '.', '[ab]', '[^a]', 'x', '\\d', '[[:alpha:]]');
const quant = fc.constantFrom('', '', '', '*', '+', '?', '{2}', '{1,2}', '{0,1}', '{2,}');

const pattern: fc.Arbitrary<string> = fc.letrec((tie) => ({
  re: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('branch'),
    fc.tuple(tie('branch'), tie('branch')).map(([a, b]) => `${a}|${b}`),
  ),
  branch: fc.array(tie('piece'), { minLength: 1, maxLength: 4 }).map((ps) => (ps as string[]).join('')),
  piece: fc.tuple(tie('item'), quant).map(([a, q]) => `${a}${q}`),
  item: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    atom,
    tie('re').map((r) => `(${r})`),
    tie('re').map((r) => `(?:${r})`),
  ),
})).re as fc.Arbitrary<string>;

const text = fc.stringMatching(/^[abc1x]{0,8}$/);
const tx = (s: string) => L(s, 'text');

describe('regular expression functions vs PostgreSQL', () => {
  it('regexp_match, substring, regexp_replace, regexp_split_to_array, regexp_count, regexp_instr', async () => {
    await fc.assert(
      fc.asyncProperty(text, pattern, async (s, p) => {
        await same(F('regexp_match', tx(s), tx(p)));
        // flag n: PostgreSQL's answer is the same on text without newlines, but the engine
        // then also finds where the match starts (no JS RegExp helps)
        await same(F('regexp_match', tx(s), tx(p), tx('n')));
        await same(F('substring', tx(s), tx(p)));
        await same(F('regexp_replace', tx(s), tx(p), tx('<\\&|\\1>'), tx('g')));
        await same(F('regexp_split_to_array', tx(s), tx(p)));
        await same(F('regexp_count', tx(s), tx(p)));
        await same(F('regexp_instr', tx(s), tx(p), L('1', 'int4'), L('1', 'int4'), L('1', 'int4')));
        await same(F('regexp_substr', tx(s), tx(p), L('1', 'int4'), L('2', 'int4')));
      }),
      { numRuns: 400 },
    );
  });

  it('case-insensitive and anchored forms', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[aAbBéÉ]{0,6}$/), pattern, async (s, p) => {
        await same(F('regexp_match', tx(s), tx(p), tx('i')));
        await same(F('regexp_match', tx(s), tx(`^(${p})$`)));
      }),
      { numRuns: 150 },
    );
  });

  it('~, ~* and regexp_like (the lazy DFA), also newline-sensitive', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[abcA1x\n]{0,8}$/), pattern, fc.constantFrom('^', '', ''), fc.constantFrom('$', '', ''), async (s, p, b, e) => {
        const re = `${b}(${p})${e}`;
        await same(O('~', tx(s), tx(re)));
        await same(O('~*', tx(s), tx(re)));
        await same(F('regexp_like', tx(s), tx(re), tx('n')));
        await same(F('regexp_like', tx(s), tx(re), tx('w')));
        await same(F('regexp_like', tx(s), tx(re), tx('p')));
      }),
      { numRuns: 300 },
    );
  });
});
