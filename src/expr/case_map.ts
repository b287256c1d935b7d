// Case mapping one code point at a time, as PostgreSQL's lower(), upper(), ILIKE and
// case-insensitive regular expressions do in a UTF-8 database: towlower/towupper of the
// database's locale (C.UTF-8), taken from PostgreSQL 15 itself (pg15_ctype.ts). JS's own
// toLowerCase/toUpperCase differ (full mappings such as ß -> SS, newer Unicode data).

import { CASE_MAP } from './pg15_ctype.js';
import { StringBuilder } from './limits.js';

let lowerMap: Map<number, number> | undefined;
let upperMap: Map<number, number> | undefined;

function load(): void {
  lowerMap = new Map();
  upperMap = new Map();
  for (const line of CASE_MAP.split('\n')) {
    if (!line) continue;
    const [c, lo, up] = line.split(' ').map((x) => parseInt(x, 16));
    if (lo !== c) lowerMap.set(c, lo);
    if (up !== c) upperMap.set(c, up);
  }
}

export function towlower(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp;
  if (!lowerMap) load();
  return lowerMap!.get(cp) ?? cp;
}

export function towupper(cp: number): number {
  if (cp < 0x80) return cp >= 0x61 && cp <= 0x7a ? cp - 32 : cp;
  if (!upperMap) load();
  return upperMap!.get(cp) ?? cp;
}

/** lower() / upper() of a string. */
export function mapCase(s: string, upper: boolean): string {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return upper ? s.toUpperCase() : s.toLowerCase();
  // a StringBuilder: += per character would keep a rope node per character
  const out = new StringBuilder();
  for (const c of s) out.append(String.fromCodePoint((upper ? towupper : towlower)(c.codePointAt(0)!)));
  return out.finish();
}

/** Every code point whose towlower or towupper differs from it. */
export function casedCodePoints(): Iterable<number> {
  if (!lowerMap) load();
  return new Set([...lowerMap!.keys(), ...upperMap!.keys()]);
}
