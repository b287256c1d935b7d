// The Nexmark generator against the reference's rules: proportions, id ranges, references to
// earlier events only, hot keys, prices and event times; determinism and option errors.

import { errorOf } from './test_helpers.js';
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../expr/datetime.js';
import type { Row } from '../../expr/value.js';
import { type, type TypeId } from '../../sql/types.js';
import type { SourceTable } from '../types.js';
import { makeNexmark, NEXMARK_OPTIONS } from './nexmark.js';
import { HOT_CHANNELS } from './nexmark_strings.js';

type Col = [string, TypeId, number?];

const PERSON: Col[] = [
  ['id', 'int8'], ['name', 'varchar'], ['email_address', 'varchar'], ['credit_card', 'varchar'], ['city', 'varchar'],
  ['state', 'varchar'], ['date_time', 'timestamp'], ['extra', 'varchar'],
];
const AUCTION: Col[] = [
  ['id', 'int8'], ['item_name', 'varchar'], ['description', 'varchar'], ['initial_bid', 'int8'], ['reserve', 'int8'],
  ['date_time', 'timestamp'], ['expires', 'timestamp'], ['seller', 'int8'], ['category', 'int8'], ['extra', 'varchar'],
];
const BID: Col[] = [
  ['auction', 'int8'], ['bidder', 'int8'], ['price', 'int8'], ['channel', 'varchar'], ['url', 'varchar'],
  ['date_time', 'timestamp'], ['extra', 'varchar'],
];

function table(name: string, cols: Col[]): SourceTable {
  return { name, columns: cols.map(([n, t, m]) => ({ name: n, type: type(t, m ?? -1), notNull: false })), primaryKey: null };
}

function nexmark(name: string, cols: Col[], opts: Record<string, string> = {}) {
  return makeNexmark(table(name, cols), new Map(Object.entries(opts)));
}

const EVENTS = 50_000;
const people = nexmark('person', PERSON).rows(0, EVENTS);
const auctions = nexmark('auction', AUCTION).rows(0, EVENTS);
const bids = nexmark('bid', BID).rows(0, EVENTS);
const BASE = parseTimestamp('2015-07-15 00:00:00', false);

describe('nexmark proportions and ids', () => {
  it('makes exactly 1 person, 3 auctions and 46 bids in every 50 events', () => {
    expect(people.length).toBe(1000);
    expect(auctions.length).toBe(3000);
    expect(bids.length).toBe(46000);
    for (const from of [0, 50, 4950, 123_450]) {
      expect(nexmark('person', PERSON).rows(from, 50).length).toBe(1);
      expect(nexmark('auction', AUCTION).rows(from, 50).length).toBe(3);
      expect(nexmark('bid', BID).rows(from, 50).length).toBe(46);
    }
    // event 0 is a person, 1-3 auctions, 4-49 bids
    expect(nexmark('person', PERSON).rows(0, 1).length).toBe(1);
    expect(nexmark('auction', AUCTION).rows(1, 3).length).toBe(3);
    expect(nexmark('bid', BID).rows(3, 1).length).toBe(0);
    expect(nexmark('bid', BID).rows(4, 1).length).toBe(1);
  });

  it('numbers people and auctions consecutively from 1000', () => {
    expect(people.map((r) => r[0])).toEqual(Array.from({ length: 1000 }, (_, i) => BigInt(1000 + i)));
    expect(auctions.map((r) => r[0])).toEqual(Array.from({ length: 3000 }, (_, i) => BigInt(1000 + i)));
  });

  it('names only people and auctions of earlier or the same events', () => {
    const person = nexmark('person', PERSON);
    const auction = nexmark('auction', AUCTION);
    const bid = nexmark('bid', BID);
    let maxPerson = -1n;
    let maxAuction = -1n;
    for (let e = 0; e < 20_000; e++) {
      for (const p of person.rows(e, 1)) maxPerson = p[0] as bigint;
      for (const a of auction.rows(e, 1)) {
        maxAuction = a[0] as bigint;
        expect(a[7]).toBeGreaterThanOrEqual(1000n);
        expect(a[7]).toBeLessThanOrEqual(maxPerson);
      }
      for (const b of bid.rows(e, 1)) {
        expect(b[0]).toBeGreaterThanOrEqual(1000n);
        expect(b[0]).toBeLessThanOrEqual(maxAuction);
        expect(b[1]).toBeGreaterThanOrEqual(1000n);
        expect(b[1]).toBeLessThanOrEqual(maxPerson);
      }
    }
  });

  it('keeps random references among the recent: 1000 active people, 100 auctions in flight', () => {
    // from event 70,000: at least 1401 people (base 0-1400) and 4200 auctions
    const late = nexmark('bid', BID).rows(70_000, 10_000);
    for (const b of late) {
      expect(b[0]).toBeGreaterThanOrEqual(BigInt(1000 + 4200 - 100));
      expect(b[1]).toBeGreaterThanOrEqual(BigInt(1000 + 1401 - 1000));
    }
  });

  it('concentrates bids and auctions on hot keys', () => {
    // hot auction: the first of the latest 100 auctions, for 1 in 2 bids
    const hotAuction = bids.filter((b) => ((b[0] as bigint) - 1000n) % 100n === 0n).length / bids.length;
    expect(hotAuction).toBeGreaterThan(0.48);
    expect(hotAuction).toBeLessThan(0.56);
    // hot bidder: the second of the latest 100 people, for 3 in 4 bids
    const hotBidder = bids.filter((b) => ((b[1] as bigint) - 1000n) % 100n <= 1n).length / bids.length;
    expect(hotBidder).toBeGreaterThan(0.72);
    // hot seller: the first of the latest 100 people, for 3 in 4 auctions
    const hotSeller = auctions.filter((a) => ((a[7] as bigint) - 1000n) % 100n === 0n).length / auctions.length;
    expect(hotSeller).toBeGreaterThan(0.72);
    const counts = new Map<bigint, number>();
    for (const b of bids) counts.set(b[0] as bigint, (counts.get(b[0] as bigint) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeGreaterThan(500);
  });

  it('draws prices log-uniformly from 100 to 100,000,000, reserve above the initial bid', () => {
    const prices = bids.map((b) => Number(b[2])).sort((a, b) => a - b);
    expect(prices[0]).toBeGreaterThanOrEqual(100);
    expect(prices[prices.length - 1]).toBeLessThanOrEqual(100_000_000);
    const median = prices[prices.length >> 1];
    expect(median).toBeGreaterThan(60_000);
    expect(median).toBeLessThan(160_000);
    // a sixth of the decades each: about 1/6 below 1,000
    expect(prices.filter((p) => p < 1000).length / prices.length).toBeCloseTo(1 / 6, 1);
    for (const a of auctions) expect(a[4]).toBeGreaterThan(a[3] as bigint);
  });

  it('fills the other fields as the reference does', () => {
    const categories = new Set(auctions.map((a) => a[8]));
    expect([...categories].sort()).toEqual([10n, 11n, 12n, 13n, 14n]);
    for (const p of people.slice(0, 200)) {
      expect(p[1]).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
      expect(p[2]).toMatch(/^[a-z ]*@[a-z ]*\.com$/);
      expect(p[3]).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
      expect(['AZ', 'CA', 'ID', 'OR', 'WA', 'WY']).toContain(p[5]);
      expect(p[7]).toBe('');
    }
    for (const a of auctions.slice(0, 200)) {
      expect((a[1] as string).length).toBeLessThan(20);
      expect((a[2] as string).length).toBeLessThan(100);
    }
    const hot = bids.filter((b) => HOT_CHANNELS.includes(b[3] as string)).length / bids.length;
    expect(hot).toBeGreaterThan(0.47);
    expect(hot).toBeLessThan(0.53);
    for (const b of bids.slice(0, 500)) {
      expect(b[3]).toMatch(/^(Google|Facebook|Baidu|Apple|channel-\d+)$/);
      expect(b[4]).toMatch(/^https:\/\/www\.nexmark\.com\/[a-z_]+\/[a-z_]+\/[a-z_]+\/item\.htm\?query=1(&channel_id=\d+)?$/);
    }
    // a channel always has the same url
    const urls = new Map<string, string>();
    for (const b of bids) {
      expect(urls.get(b[3] as string) ?? b[4]).toBe(b[4]);
      urls.set(b[3] as string, b[4] as string);
    }
  });
});

describe('nexmark times', () => {
  it('spaces events by 1e6 / events_per_second microseconds, in whole ms, from base_time', () => {
    // default 10,000 events per second: event 50 (a person) at 5 ms
    expect(people[0][6]).toBe(BASE);
    expect(people[1][6]).toBe(BASE + 5000n);
    const slow = nexmark('person', PERSON, { events_per_second: '1000', base_time: '2020-01-01 00:00:00' }).rows(0, 200);
    expect(slow.map((r) => r[6])).toEqual([0n, 50n, 100n, 150n].map((ms) => parseTimestamp('2020-01-01', false) + ms * 1000n));
    // as fast as possible: timestamps as at 10,000 per second
    const fast = nexmark('person', PERSON, { events_per_second: '0' });
    expect(fast.rate).toBe(0);
    expect(fast.rows(0, 100).map((r) => r[6])).toEqual([BASE, BASE + 5000n]);
    for (let i = 1; i < bids.length; i++) expect(bids[i][5]).toBeGreaterThanOrEqual(bids[i - 1][5] as bigint);
  });

  it('lets auctions expire within twice the time until 100 more auctions exist', () => {
    // 1666 events at 100 µs: a horizon of ~166 ms, lengths 1 ms to ~333 ms
    let total = 0;
    for (const a of auctions) {
      const length = ((a[6] as bigint) - (a[5] as bigint)) / 1000n;
      expect(length).toBeGreaterThanOrEqual(1n);
      expect(length).toBeLessThanOrEqual(334n);
      total += Number(length);
    }
    expect(total / auctions.length).toBeGreaterThan(150);
    expect(total / auctions.length).toBeLessThan(184);
  });
});

describe('nexmark determinism', () => {
  it('gives the same rows for the same positions, however they are asked for', () => {
    const g = nexmark('bid', BID, { seed: '7' });
    const whole = g.rows(0, 1000);
    expect(nexmark('bid', BID, { seed: '7' }).rows(0, 1000)).toEqual(whole);
    expect([...g.rows(0, 500), ...g.rows(500, 500)]).toEqual(whole);
    const h = nexmark('bid', BID, { seed: '7' });
    h.rows(123_456, 789);
    // events 0-599 hold 12 × 46 bids
    expect(h.rows(600, 400)).toEqual(whole.slice(552));
    expect([...h.rows(0, 17), ...h.rows(17, 983)]).toEqual(whole);
    expect(nexmark('bid', BID, { seed: '8' }).rows(0, 1000)).not.toEqual(whole);
  });

  it('depends on the seed for values, not for ids of people and auctions', () => {
    const a = nexmark('auction', AUCTION, { seed: '1' }).rows(0, 500);
    const b = nexmark('auction', AUCTION, { seed: '2' }).rows(0, 500);
    expect(a.map((r) => r[0])).toEqual(b.map((r) => r[0]));
    expect(a.map((r) => r[3])).not.toEqual(b.map((r) => r[3]));
  });

  it('takes a subset of the columns in any order, with the same values', () => {
    const full = nexmark('bid', BID).rows(0, 300);
    const some = nexmark('bid', [['price', 'int8'], ['date_time', 'timestamptz'], ['auction', 'int8'], ['url', 'text']]).rows(0, 300);
    expect(some).toEqual(full.map((r) => [r[2], r[5], r[0], r[4]]));
  });

  it('stops at max_events and pads extra to extra_bytes on average', () => {
    const g = nexmark('bid', BID, { max_events: '100', extra_bytes: '50' });
    expect(g.end).toBe(100);
    expect(g.rows(90, 20).length).toBe(10);
    expect(g.rows(100, 10)).toEqual([]);
    const lengths = g.rows(0, 100).map((r) => (r[6] as string).length);
    for (const n of lengths) {
      expect(n).toBeGreaterThanOrEqual(40);
      expect(n).toBeLessThan(60);
    }
    expect(nexmark('bid', BID).end).toBe(Infinity);
    expect(nexmark('bid', BID).rate).toBe(10_000);
  });
});

describe('nexmark options and columns', () => {
  it('takes the table type from table_type or the table name', () => {
    const rows: Row[] = makeNexmark(table('bids_copy', BID), new Map([['table_type', 'bid']])).rows(0, 50);
    expect(rows.length).toBe(46);
    const e = errorOf(() => makeNexmark(table('bids_copy', BID), new Map()));
    expect([e.code, e.message]).toEqual(['22023', 'nexmark option "table_type" is required']);
    const bad = errorOf(() => makeNexmark(table('t', BID), new Map([['table_type', 'bids']])));
    expect([bad.code, bad.message]).toEqual(['22023', 'invalid value for option "table_type": "bids"']);
  });

  it('refuses unknown options and bad values with 22023', () => {
    const unknown = errorOf(() => nexmark('bid', BID, { events_per_sec: '10' }));
    expect([unknown.code, unknown.message]).toEqual(['22023', 'unrecognized nexmark option "events_per_sec"']);
    for (const [name, value] of [
      ['events_per_second', 'abc'], ['events_per_second', '-1'], ['seed', '1.5'], ['max_events', '-3'],
      ['base_time', 'yesterday'], ['base_time', 'soon'], ['extra_bytes', 'x'],
    ]) {
      const e = errorOf(() => nexmark('bid', BID, { [name]: value }));
      expect([e.code, e.message]).toEqual(['22023', `invalid value for option "${name}": "${value}"`]);
    }
    expect(Object.keys(NEXMARK_OPTIONS)).toEqual(['connector', 'table_type', 'events_per_second', 'seed', 'max_events', 'base_time', 'extra_bytes']);
    expect(nexmark('bid', BID, { connector: 'nexmark' }).rows(0, 5).length).toBe(1);
  });

  it('refuses columns the stream does not have, or of other types', () => {
    const foo = errorOf(() => nexmark('bid', [...BID, ['foo', 'int8']]));
    expect([foo.code, foo.message]).toEqual(['42703', 'column "foo" is not a column of the Nexmark bid stream']);
    const personColumn = errorOf(() => nexmark('bid', [['name', 'text']]));
    expect(personColumn.code).toBe('42703');
    for (const col of [['price', 'int4'], ['date_time', 'date'], ['url', 'varchar', 20], ['channel', 'bpchar'], ['auction', 'numeric']] as Col[]) {
      const e = errorOf(() => nexmark('bid', [col]));
      expect(e.code).toBe('42804');
      expect(e.message).toMatch(new RegExp(`^column "${col[0]}" is of type .* but the Nexmark bid field "${col[0]}" is `));
    }
  });
});
