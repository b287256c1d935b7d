// The Nexmark generator: the online auction event stream of the Nexmark benchmark, after the
// reference generator (Apache Beam's org.apache.beam.sdk.nexmark.sources.generator:
// GeneratorConfig, Person/Auction/Bid/Price/StringsGenerator; nexmark/nexmark's Flink port
// for bids' channel and url). Events are numbered from 0; in every 50 events, 1 is a new
// person, 3 are new auctions and 46 are bids. A table takes the events of one type
// (table_type); the tables of one seed and base time together form one consistent stream.
//
// Each event's values come from a PRNG seeded by (seed, event id), as the reference seeds
// java.util.Random with the event id, so any range of events can be made on its own. The
// numbers differ from Java's Random; the rules (ids, hot keys, proportions, prices, times)
// are the reference's.

import { SqlError, SQLSTATE } from '../../errors.js';
import type { Row, Value } from '../../expr/value.js';
import { formatType, type SqlType } from '../../sql/types.js';
import type { SourceTable } from '../types.js';
import {
  type Generator, type OptionTable, countOption, integerOption, invalidOption, rateOption, seedOption,
  timestampOption, unknownOption, validNamesHint,
} from './options.js';
import { Rng, seedOf } from './random.js';
import {
  CHANNELS_NUMBER, FIRST_NAMES, HOT_CHANNELS, LAST_NAMES, US_CITIES, US_STATES, letterPool, nextCreditCard,
  nextString, nexmarkChannels,
} from './nexmark_strings.js';

export const NEXMARK_OPTIONS: OptionTable = {
  connector: { default: null, description: "'nexmark'" },
  table_type: { default: null, description: "The events the table receives: 'person', 'auction' or 'bid'; by default the table's name, when it is one of these." },
  events_per_second: { default: '10000', description: 'Events (of all three types) per second; 0 for as fast as possible. Also spaces the events\' date_time (at 10000 per second when 0).' },
  seed: { default: '0', description: 'Seed of the random values; tables with the same seed, base_time and events_per_second see one consistent stream.' },
  max_events: { default: null, description: 'Stop after this many events (of all types); unbounded by default.' },
  base_time: { default: '2015-07-15 00:00:00', description: 'date_time of event 0 (UTC), as in the reference.' },
  extra_bytes: { default: '0', description: 'Average length of the random `extra` padding (±20%); 0 gives empty strings.' },
};

// GeneratorConfig / NexmarkConfiguration defaults
const PERSON_PROPORTION = 1;
const AUCTION_PROPORTION = 3;
const PROPORTION_DENOMINATOR = 50;
const FIRST_PERSON_ID = 1000;
const FIRST_AUCTION_ID = 1000;
const FIRST_CATEGORY_ID = 10;
const NUM_CATEGORIES = 5;
const NUM_ACTIVE_PEOPLE = 1000;
const NUM_IN_FLIGHT_AUCTIONS = 100;
const HOT_AUCTION_RATIO = 2;
const HOT_BIDDERS_RATIO = 4;
const HOT_SELLERS_RATIO = 4;
const HOT_CHANNELS_RATIO = 2;
/** Hot keys are the first auction / person of the latest batch of this many. */
const HOT_BATCH = 100;
/** Events until numInFlightAuctions more auctions exist: an auction's expected lifetime. */
const EVENTS_FOR_IN_FLIGHT_AUCTIONS = Math.floor((NUM_IN_FLIGHT_AUCTIONS * PROPORTION_DENOMINATOR) / AUCTION_PROPORTION);
/** Event rate the timestamps follow when events_per_second = 0 (NexmarkConfiguration.firstEventRate). */
const DEFAULT_TIME_RATE = 10_000;
const MAX_EXTRA_BYTES = 1_000_000;

type TableType = 'person' | 'auction' | 'bid';
type FieldKind = 'id' | 'time' | 'string';

const STREAMS: Record<TableType, Record<string, FieldKind>> = {
  person: { id: 'id', name: 'string', email_address: 'string', credit_card: 'string', city: 'string', state: 'string', date_time: 'time', extra: 'string' },
  auction: {
    id: 'id', item_name: 'string', description: 'string', initial_bid: 'id', reserve: 'id', date_time: 'time', expires: 'time',
    seller: 'id', category: 'id', extra: 'string',
  },
  bid: { auction: 'id', bidder: 'id', price: 'id', channel: 'string', url: 'string', date_time: 'time', extra: 'string' },
};

/** The last person id (base 0) at or before event `e`: one person per 50 events, first at 0. */
function lastPerson(e: number): number {
  return Math.floor(e / PROPORTION_DENOMINATOR);
}

/** The last auction id (base 0) at or before event `e` (AuctionGenerator.lastBase0AuctionId). */
function lastAuction(e: number): number {
  const epoch = Math.floor(e / PROPORTION_DENOMINATOR);
  const offset = e % PROPORTION_DENOMINATOR;
  if (offset < PERSON_PROPORTION) return epoch * AUCTION_PROPORTION - 1;
  if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) return epoch * AUCTION_PROPORTION + AUCTION_PROPORTION - 1;
  return epoch * AUCTION_PROPORTION + offset - PERSON_PROPORTION;
}

/**
 * A random recent person (PersonGenerator.nextBase0PersonId): one of the last 1000. The
 * reference adds 10 ids of people not yet created (PERSON_ID_LEAD); we do not, so that every
 * id a bid or auction names belongs to a person generated at an earlier event.
 */
function randomPerson(e: number, rng: Rng): number {
  const numPeople = lastPerson(e) + 1;
  const active = Math.min(numPeople, NUM_ACTIVE_PEOPLE);
  return numPeople - active + rng.int(active);
}

/** A random auction likely still open (AuctionGenerator.nextBase0AuctionId), without the reference's 10-id lead. */
function randomAuction(e: number, rng: Rng): number {
  const max = lastAuction(e);
  const min = Math.max(max - NUM_IN_FLIGHT_AUCTIONS, 0);
  return min + rng.int(max - min + 1);
}

/** PriceGenerator.nextPrice: 10^(0..6) × 100, log-uniform from 100 to 100,000,000. */
function nextPrice(rng: Rng): number {
  return Math.round(Math.pow(10, rng.float() * 6) * 100);
}

class NexmarkGenerator implements Generator {
  private readonly rng: Rng;
  /** The Nexmark field each table column takes, by its position in the type's field list. */
  private readonly fields: Int8Array;
  private readonly delayUs: number;
  private readonly baseUs: bigint;
  private lastMs = NaN;
  private lastTs = 0n;
  private readonly channels = nexmarkChannels();
  private readonly pool: string;

  constructor(
    private readonly type: TableType,
    table: SourceTable,
    seed: bigint,
    readonly rate: number,
    readonly end: number,
    baseTime: bigint,
    private readonly extraBytes: number,
  ) {
    this.rng = new Rng(seedOf(seed));
    const names = Object.keys(STREAMS[type]);
    this.fields = Int8Array.from(table.columns.map((c) => names.indexOf(c.name)));
    this.delayUs = 1e6 / (rate > 0 ? rate : DEFAULT_TIME_RATE);
    this.baseUs = baseTime;
    this.pool = extraBytes > 0 ? letterPool(4 * extraBytes) : '';
  }

  rows(from: number, count: number): Row[] {
    const to = Math.min(from + count, this.end);
    const out: Row[] = [];
    if (this.type === 'person') {
      for (let e = Math.ceil(from / PROPORTION_DENOMINATOR) * PROPORTION_DENOMINATOR; e < to; e += PROPORTION_DENOMINATOR) {
        out.push(this.person(e));
      }
    } else if (this.type === 'auction') {
      for (let e = from; e < to; e++) {
        const offset = e % PROPORTION_DENOMINATOR;
        if (offset >= PERSON_PROPORTION && offset < PERSON_PROPORTION + AUCTION_PROPORTION) out.push(this.auction(e));
      }
    } else {
      for (let e = from; e < to; e++) {
        if (e % PROPORTION_DENOMINATOR >= PERSON_PROPORTION + AUCTION_PROPORTION) out.push(this.bid(e));
      }
    }
    return out;
  }

  /** GeneratorConfig.timestampForEvent, in milliseconds after base_time. */
  private eventMs(e: number): number {
    return Math.floor((e * this.delayUs) / 1000);
  }

  /** The event's date_time: base_time + its ms; consecutive events often share a ms, so the bigint is reused. */
  private dateTime(ms: number): bigint {
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastTs = this.baseUs + BigInt(ms * 1000);
    }
    return this.lastTs;
  }

  /** StringsGenerator.nextExtra with extra_bytes as the average length. */
  private extra(rng: Rng): string {
    const avg = this.extraBytes;
    if (avg === 0) return '';
    const delta = Math.round(avg * 0.2);
    const size = avg - delta + (delta === 0 ? 0 : rng.int(2 * delta));
    const at = rng.int(this.pool.length - size);
    return this.pool.substring(at, at + size);
  }

  private person(e: number): Row {
    const rng = this.rng.at(0, e);
    const id = lastPerson(e) + FIRST_PERSON_ID;
    const name = `${FIRST_NAMES[rng.int(FIRST_NAMES.length)]} ${LAST_NAMES[rng.int(LAST_NAMES.length)]}`;
    const email = `${nextString(rng, 7)}@${nextString(rng, 5)}.com`;
    const creditCard = nextCreditCard(rng);
    const city = US_CITIES[rng.int(US_CITIES.length)];
    const state = US_STATES[rng.int(US_STATES.length)];
    const extra = this.extra(rng);
    const fields = this.fields;
    const row: Value[] = new Array(fields.length);
    for (let c = 0; c < fields.length; c++) {
      switch (fields[c]) {
        case 0: row[c] = BigInt(id); break;
        case 1: row[c] = name; break;
        case 2: row[c] = email; break;
        case 3: row[c] = creditCard; break;
        case 4: row[c] = city; break;
        case 5: row[c] = state; break;
        case 6: row[c] = this.dateTime(this.eventMs(e)); break;
        default: row[c] = extra;
      }
    }
    return row;
  }

  private auction(e: number): Row {
    const rng = this.rng.at(0, e);
    const id = lastAuction(e) + FIRST_AUCTION_ID;
    // P(hot seller) = 1 - 1/hotSellersRatio: the first person of the latest batch of 100
    const seller =
      (rng.int(HOT_SELLERS_RATIO) > 0 ? Math.floor(lastPerson(e) / HOT_BATCH) * HOT_BATCH : randomPerson(e, rng)) + FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + rng.int(NUM_CATEGORIES);
    const initialBid = nextPrice(rng);
    // AuctionGenerator.nextAuctionLengthMs: on average, until numInFlightAuctions more auctions exist
    const ms = this.eventMs(e);
    const horizonMs = this.eventMs(e + EVENTS_FOR_IN_FLIGHT_AUCTIONS) - ms;
    const lengthMs = 1 + rng.long(Math.max(horizonMs * 2, 1));
    const itemName = nextString(rng, 20);
    const description = nextString(rng, 100);
    const reserve = initialBid + nextPrice(rng);
    const extra = this.extra(rng);
    const fields = this.fields;
    const row: Value[] = new Array(fields.length);
    for (let c = 0; c < fields.length; c++) {
      switch (fields[c]) {
        case 0: row[c] = BigInt(id); break;
        case 1: row[c] = itemName; break;
        case 2: row[c] = description; break;
        case 3: row[c] = BigInt(initialBid); break;
        case 4: row[c] = BigInt(reserve); break;
        case 5: row[c] = this.dateTime(ms); break;
        case 6: row[c] = this.baseUs + BigInt((ms + lengthMs) * 1000); break;
        case 7: row[c] = BigInt(seller); break;
        case 8: row[c] = BigInt(category); break;
        default: row[c] = extra;
      }
    }
    return row;
  }

  private bid(e: number): Row {
    const rng = this.rng.at(0, e);
    // P(hot auction) = 1 - 1/hotAuctionRatio: the first auction of the latest batch of 100
    const auction =
      (rng.int(HOT_AUCTION_RATIO) > 0 ? Math.floor(lastAuction(e) / HOT_BATCH) * HOT_BATCH : randomAuction(e, rng)) + FIRST_AUCTION_ID;
    let bidder: number;
    if (rng.int(HOT_BIDDERS_RATIO) > 0) {
      // the second person of the latest batch (so hot bidders and hot sellers differ); the
      // reference may name a person not yet created here, we take the latest instead
      const last = lastPerson(e);
      bidder = Math.min(Math.floor(last / HOT_BATCH) * HOT_BATCH + 1, last);
    } else {
      bidder = randomPerson(e, rng);
    }
    bidder += FIRST_PERSON_ID;
    const price = nextPrice(rng);
    let channel: string;
    let url: string;
    if (rng.int(HOT_CHANNELS_RATIO) > 0) {
      const i = rng.int(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i];
      url = this.channels.hotUrls[i];
    } else {
      const i = rng.int(CHANNELS_NUMBER);
      channel = this.channels.names[i];
      url = this.channels.urls[i];
    }
    const extra = this.extra(rng);
    const fields = this.fields;
    const row: Value[] = new Array(fields.length);
    for (let c = 0; c < fields.length; c++) {
      switch (fields[c]) {
        case 0: row[c] = BigInt(auction); break;
        case 1: row[c] = BigInt(bidder); break;
        case 2: row[c] = BigInt(price); break;
        case 3: row[c] = channel; break;
        case 4: row[c] = url; break;
        case 5: row[c] = this.dateTime(this.eventMs(e)); break;
        default: row[c] = extra;
      }
    }
    return row;
  }
}

function checkColumns(type: TableType, table: SourceTable): void {
  const stream = STREAMS[type];
  for (const col of table.columns) {
    const kind = Object.hasOwn(stream, col.name) ? stream[col.name] : undefined;
    if (kind === undefined) {
      throw new SqlError(SQLSTATE.UNDEFINED_COLUMN, `column "${col.name}" is not a column of the Nexmark ${type} stream`, {
        hint: `The ${type} stream's columns are: ${Object.keys(stream).join(', ')}.`,
      });
    }
    if (!fits(kind, col.type)) {
      const wanted = kind === 'id' ? 'bigint' : kind === 'time' ? 'timestamp or timestamp with time zone' : 'text or character varying';
      throw new SqlError(
        SQLSTATE.DATATYPE_MISMATCH,
        `column "${col.name}" is of type ${formatType(col.type)} but the Nexmark ${type} field "${col.name}" is ${wanted}`,
      );
    }
  }
}

function fits(kind: FieldKind, t: SqlType): boolean {
  switch (kind) {
    case 'id':
      return t.id === 'int8';
    case 'time':
      return t.id === 'timestamp' || t.id === 'timestamptz';
    case 'string':
      // varchar(n) could be too short for a description or a url
      return t.id === 'text' || (t.id === 'varchar' && t.typmod < 0);
  }
}

export function makeNexmark(table: SourceTable, options: Map<string, string>): Generator {
  for (const name of options.keys()) {
    if (!Object.hasOwn(NEXMARK_OPTIONS, name)) throw unknownOption('nexmark', name, validNamesHint(Object.keys(NEXMARK_OPTIONS)));
  }
  const opt = (name: string): string => options.get(name) ?? NEXMARK_OPTIONS[name].default!;
  const typeText = options.get('table_type');
  let type: TableType;
  if (typeText !== undefined) {
    const t = typeText.trim().toLowerCase();
    if (t !== 'person' && t !== 'auction' && t !== 'bid') {
      throw invalidOption('table_type', typeText, undefined, "The Nexmark table types are 'person', 'auction' and 'bid'.");
    }
    type = t;
  } else if (table.name === 'person' || table.name === 'auction' || table.name === 'bid') {
    type = table.name;
  } else {
    throw new SqlError(SQLSTATE.INVALID_PARAMETER_VALUE, 'nexmark option "table_type" is required', {
      hint: "Set table_type to 'person', 'auction' or 'bid'.",
    });
  }
  checkColumns(type, table);
  const rate = rateOption('events_per_second', opt('events_per_second'));
  const seed = seedOption('seed', opt('seed'));
  const end = options.has('max_events') ? countOption('max_events', options.get('max_events')!) : Infinity;
  const baseTime = timestampOption('base_time', opt('base_time'));
  const extraBytes = Number(integerOption('extra_bytes', opt('extra_bytes'), 0n, BigInt(MAX_EXTRA_BYTES)));
  return new NexmarkGenerator(type, table, seed, rate, end, baseTime, extraBytes);
}

