// CopyParser: input split anywhere into pieces gives the records parseCopy gives for the whole
// (COPY FROM STDIN parses CopyData as it arrives, and a message may end mid-record, mid-quote,
// between \r and \n, or mid-escape).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CopyParser, copyOptions, parseCopy, type CopyOptions, type CopyRecord } from './copy_format.js';

function opts(o: Partial<CopyOptions>): CopyOptions {
  return { ...copyOptions([]), ...o };
}

const csv = (o: Partial<CopyOptions> = {}) => opts({ format: 'csv', delimiter: ',', null: '', ...o });

function pieces(text: string, o: CopyOptions, cuts: number[]): CopyRecord[] {
  const p = new CopyParser(o);
  const out: CopyRecord[] = [];
  let from = 0;
  for (const c of [...cuts, text.length]) {
    out.push(...p.push(text.slice(from, c)));
    from = c;
  }
  return [...out, ...p.end()];
}

const CASES: [string, string, CopyOptions][] = [
  ['text: escapes, NULL, CRLF, no final newline', '1\ta\\tb\t\\N\r\n2\tc\\\\\td\n3\t\\x41\\101\tlast', opts({})],
  ['text: end marker, then ignored junk', '1\tx\n\\.\nnot\tread\n', opts({})],
  ['csv: quotes, doubled quotes, newlines in quotes, empty vs NULL', 'k,v\n1,"a ""q""\nnext, line"\n2,,""\r\n3,"x"\r4,y', csv({ header: true })],
  ['csv: custom escape and quote', "1,'it\\'s',\\\\\n2,'a\\\\b','c'\n", csv({ quote: "'", escape: '\\' })],
  ['csv: end marker', '1,a\n\\.\n"unterminated', csv()],
];

describe('CopyParser', () => {
  for (const [name, text, o] of CASES) {
    it(`${name}: every split into two and three pieces gives the whole's records`, () => {
      const whole = parseCopy(text, o);
      expect(whole.length).toBeGreaterThan(0);
      for (let i = 0; i <= text.length; i++) {
        expect(pieces(text, o, [i])).toEqual(whole);
        for (let j = i; j <= text.length; j += 3) expect(pieces(text, o, [i, j])).toEqual(whole);
      }
      // one character at a time
      expect(pieces(text, o, [...text].map((_, i) => i))).toEqual(whole);
    });
  }

  it('numbers lines across pieces (a quoted newline counts)', () => {
    const recs = pieces('a,"x\ny"\nb,c\n', csv(), [3, 9]);
    expect(recs.map((r) => r.line)).toEqual([1, 3]);
  });

  it('an unterminated quote fails at the end with its record\'s line', () => {
    const p = new CopyParser(csv());
    expect(p.push('1,a\n2,"open\nstill open\n').map((r) => r.line)).toEqual([1]);
    expect(() => p.end()).toThrow(expect.objectContaining({ code: '22P04', where: 'COPY, line 2' }));
  });

  it('text: fields of lines without a backslash, with the default NULL marker and another one', () => {
    expect(parseCopy('1\tx\t\n2\t\\N\ty\n', opts({})).map((r) => r.fields)).toEqual([['1', 'x', ''], ['2', null, 'y']]);
    expect(parseCopy('1\tNA\tx\nNA\t\tNA\n', opts({ null: 'NA' })).map((r) => r.fields)).toEqual([['1', null, 'x'], [null, '', null]]);
    expect(parseCopy('a|b||\n', opts({ delimiter: '|' })).map((r) => r.fields)).toEqual([['a', 'b', '', '']]);
  });

  it('text without a backslash: each line split at the delimiter, as String.split splits it, in any pieces (property)', () => {
    const char = fc.constantFrom('a', '1', ' ', '\t', '|', '\n', '\r', 'é');
    fc.assert(
      fc.property(fc.array(char, { maxLength: 60 }).map((cs) => cs.join('')), fc.constantFrom('\t', '|'), fc.nat(60), (text, delimiter, cut) => {
        const lines = text.split('\n');
        if (lines[lines.length - 1] === '') lines.pop();
        const want = lines.map((l, n) => ({ fields: (l.endsWith('\r') ? l.slice(0, -1) : l).split(delimiter), line: n + 1 }));
        const o = opts({ delimiter });
        expect(parseCopy(text, o)).toEqual(want);
        expect(pieces(text, o, [Math.min(cut, text.length)])).toEqual(want);
      }),
    );
  });
});
