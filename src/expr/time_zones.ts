// Time zone words in datetime input (tz_names.ts, generated from PostgreSQL 15): the fixed
// abbreviations of the `Default` set give their offset; an abbreviation whose offset depends
// on the date (MSK, ART…), a full zone name (America/New_York) or a POSIX-style spec (UTC+3)
// needs the tz database, which Tributary does not have, so timestamptz input refuses them.
// timestamp and date input ignore a zone, as PostgreSQL does.

import { DYNAMIC_ABBREVIATIONS, FIXED_ABBREVIATIONS, ZONE_NAMES } from './tz_names.js';

export type ZoneWord =
  | { kind: 'offset'; seconds: number }
  /** a zone PostgreSQL knows but only its tz database can resolve */
  | { kind: 'unsupported' }
  /** a zone name PostgreSQL's tz code rejects: 22023 "time zone … not recognized" */
  | { kind: 'unrecognized' }
  /** not a zone at all: a plain syntax error */
  | null;

let fixed: Map<string, number> | undefined;
let named: Set<string> | undefined;

function load(): void {
  fixed = new Map();
  for (const l of FIXED_ABBREVIATIONS.split('\n')) {
    if (!l) continue;
    const [a, s] = l.split(' ');
    fixed.set(a, Number(s));
  }
  named = new Set();
  for (const l of DYNAMIC_ABBREVIATIONS.split('\n')) if (l) named.add(l.split(' ')[0]);
  for (const l of ZONE_NAMES.split('\n')) if (l) named.add(l.toLowerCase());
}

/** A lower-cased word in the zone position of datetime input; null if it is not a zone. */
export function zoneWord(word: string): ZoneWord {
  if (!fixed) load();
  const s = fixed!.get(word);
  if (s !== undefined) return { kind: 'offset', seconds: s };
  const bare = word.startsWith('posix/') ? word.slice(6) : word;
  if (named!.has(bare)) return { kind: 'unsupported' };
  // letters only: an unknown abbreviation (ParseDateTime's DTK_STRING)
  if (/^[a-z]+$/.test(word)) return null;
  // with punctuation or digits, DecodeDateTime hands it to pg_tzset, which also parses
  // POSIX-style "std offset [dst]" specs (utc+3, pst8pdt)
  if (/^[a-z]+[+-]?\d{1,2}(:\d{1,2}){0,2}[a-z]*$/.test(word)) return { kind: 'unsupported' };
  return { kind: 'unrecognized' };
}
