// String functions that walk code points without building per-character arrays (substr,
// left, right, reverse, trims, pads, translate, replace) against PostgreSQL (PGlite), on
// random text with multi-byte and astral characters.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { F, L, runOurs, runPg, type Node, usePglite } from '../pgtest.js';

const oracle = usePglite();

async function same(node: Node): Promise<void> {
  expect(runOurs(node), node.sql).toEqual(await runPg(oracle(), node.sql));
}

const text = fc.array(fc.constantFrom('a', 'b', ' ', 'x', 'é', '😀', '𝄞', 'ß'), { maxLength: 8 }).map((cs) => cs.join(''));
const tx = (s: string) => L(s, 'text');
const i4 = (n: number) => L(String(n), 'int4');
const n = fc.integer({ min: -4, max: 10 });

describe('string functions on code points vs PostgreSQL', () => {
  it('substr, left, right, reverse, trims, pads, translate, replace, split_part', async () => {
    await fc.assert(
      fc.asyncProperty(text, text, n, fc.nat({ max: 6 }), async (s, t, k, m) => {
        await same(F('substr', tx(s), i4(k), i4(m)));
        await same(F('substr', tx(s), i4(k)));
        await same(F('left', tx(s), i4(k)));
        await same(F('right', tx(s), i4(k)));
        await same(F('reverse', tx(s)));
        await same(F('btrim', tx(s), tx(t)));
        await same(F('ltrim', tx(s), tx(t)));
        await same(F('rtrim', tx(s), tx(t)));
        await same(F('lpad', tx(s), i4(k), tx(t)));
        await same(F('rpad', tx(s), i4(k), tx(t)));
        await same(F('rpad', tx(s), i4(k)));
        await same(F('translate', tx(s), tx(t), tx('x😀')));
        await same(F('replace', tx(s), tx(Array.from(t).slice(0, 2).join('')), tx('<😀>')));
        await same(F('split_part', tx(s), tx(Array.from(t).slice(0, 2).join('')), i4(k === 0 ? 1 : k)));
      }),
      { numRuns: 300 },
    );
  });
});
