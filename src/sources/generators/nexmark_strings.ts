// The string parts of Nexmark events, after the reference generator (Apache Beam's
// sources/generator/model/{PersonGenerator,StringsGenerator}.java and nexmark/nexmark's
// nexmark-flink BidGenerator.java, which added a bid's channel and url).

import { Rng, randomLetters, seedOf } from './random.js';

export const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
export const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
export const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
export const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];

export const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];
export const CHANNELS_NUMBER = 10_000;

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * StringsGenerator.nextString: 3 to maxLength - 1 characters, each a lowercase letter or
 * (1 in 13) `special`, trimmed of spaces. One draw per character (the reference takes two).
 */
export function nextString(rng: Rng, maxLength: number, special = ' '): string {
  let len = 3 + rng.int(maxLength - 3);
  let out = '';
  while (len-- > 0) {
    const r = rng.u32();
    out += r % 13 === 0 ? special : LETTERS[Math.floor(r / 13) % 26];
  }
  return special === ' ' ? out.trim() : out;
}

/** PersonGenerator.nextCreditCard: four groups of four digits. */
export function nextCreditCard(rng: Rng): string {
  return `${pad4(rng.int(10000))} ${pad4(rng.int(10000))} ${pad4(rng.int(10000))} ${pad4(rng.int(10000))}`;
}

function pad4(n: number): string {
  return n < 10 ? '000' + n : n < 100 ? '00' + n : n < 1000 ? '0' + n : String(n);
}

function baseUrl(rng: Rng): string {
  return `https://www.nexmark.com/${nextString(rng, 5, '_')}/${nextString(rng, 5, '_')}/${nextString(rng, 5, '_')}/item.htm?query=1`;
}

/** java.lang.Integer.reverse: the 32 bits in reverse order, as a signed int. */
function reverse32(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return ((x >>> 16) | (x << 16)) | 0;
}

export interface Channels {
  hotUrls: string[];
  names: string[];
  urls: string[];
}

let channels: Channels | null = null;

/**
 * The hot channels' urls and the 10,000 other channels with their urls. The reference makes
 * these once per process from an unseeded Random; ours come from a fixed seed, so they are
 * the same in every run and for every seed.
 */
export function nexmarkChannels(): Channels {
  if (channels) return channels;
  const rng = new Rng(seedOf(2n));
  const hotUrls = HOT_CHANNELS.map((_, i) => baseUrl(rng.at(1, i)));
  const names: string[] = new Array(CHANNELS_NUMBER);
  const urls: string[] = new Array(CHANNELS_NUMBER);
  for (let i = 0; i < CHANNELS_NUMBER; i++) {
    rng.at(2, i);
    const url = baseUrl(rng);
    names[i] = `channel-${i}`;
    // 9 in 10 channels name themselves in the url
    urls[i] = rng.int(10) > 0 ? `${url}&channel_id=${Math.abs(reverse32(i))}` : url;
  }
  return (channels = { hotUrls, names, urls });
}

let pool = '';

/**
 * Padding for the `extra` columns: a slice of a fixed string of random letters. The
 * reference makes a fresh random string per event; a slice at a random offset costs nothing
 * and looks the same to a query.
 */
export function letterPool(minLength: number): string {
  if (pool.length < minLength) {
    const rng = new Rng(seedOf(3n));
    const chunks: string[] = [];
    const length = Math.max(minLength, 1 << 16);
    for (let i = 0; i * 1024 < length; i++) chunks.push(randomLetters(rng.at(0, i), 1024));
    pool = chunks.join('');
  }
  return pool;
}
