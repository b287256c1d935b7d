// PostgreSQL numeric: an exact decimal (bigint coefficient, display scale) plus NaN and
// ±Infinity. Result scales follow numeric.c (select_div_scale, sqrt/exp/ln/power rules) so
// that printed results match PostgreSQL digit for digit.

import { SqlError, SQLSTATE, divisionByZero, invalidInput } from '../errors.js';

type Special = 'nan' | 'inf' | '-inf' | null;

const POW10: bigint[] = [1n];
export function pow10(n: number): bigint {
  if (n < 0) throw new Error('pow10 of negative');
  while (POW10.length <= n && POW10.length < 4096) POW10.push(POW10[POW10.length - 1] * 10n);
  return n < POW10.length ? POW10[n] : 10n ** BigInt(n);
}

const MIN_SIG_DIGITS = 16;
const MAX_DISPLAY_SCALE = 1000;
const DEC_DIGITS = 4;

function babs(b: bigint): bigint {
  return b < 0n ? -b : b;
}

/** Number of decimal digits of |b| (0 has 1 digit). */
function digitCount(b: bigint): number {
  return babs(b).toString().length;
}

/** a / b rounded half away from zero (b != 0). */
export function divRound(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a % b;
  if (r === 0n) return q;
  if (2n * babs(r) >= babs(b)) return (a < 0n) !== (b < 0n) ? q - 1n : q + 1n;
  return q;
}

function clampScale(s: number): number {
  return Math.min(Math.max(s, 0), MAX_DISPLAY_SCALE);
}

/** NUMERIC_DSCALE_MAX: the largest display scale */
const NUMERIC_DSCALE_MAX = 16383;
/** (NUMERIC_WEIGHT_MAX + 1) × DEC_DIGITS: the most digits before the decimal point */
const NUMERIC_MAX_INT_DIGITS = 131072;

function overflowError(): SqlError {
  return new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'value overflows numeric format');
}

// below this no value can have too many digits before the point
const CHECK_WEIGHT_FROM = 10n ** 1000n;

/** make_result: 22003 if d has more than 131,072 digits before the decimal point. */
function checkWeight(d: Decimal): Decimal {
  const c = d.coef < 0n ? -d.coef : d.coef;
  if (c < CHECK_WEIGHT_FROM) return d;
  // 2^(4(h-1)) <= c < 2^(4h) bounds the digit count without converting to decimal
  const h = c.toString(16).length;
  const most = Math.ceil(4 * h * Math.LOG10E * Math.LN2) - d.scale;
  if (most <= NUMERIC_MAX_INT_DIGITS) return d;
  const least = Math.floor(4 * (h - 1) * Math.LOG10E * Math.LN2) + 1 - d.scale;
  if (least > NUMERIC_MAX_INT_DIGITS || c >= pow10(NUMERIC_MAX_INT_DIGITS + d.scale)) throw overflowError();
  return d;
}

export class Decimal {
  /** value = coef / 10^scale when special is null. */
  readonly coef: bigint;
  readonly scale: number;
  readonly special: Special;

  private constructor(coef: bigint, scale: number, special: Special = null) {
    this.coef = coef;
    this.scale = scale;
    this.special = special;
  }

  static readonly ZERO = new Decimal(0n, 0);
  static readonly ONE = new Decimal(1n, 0);
  static readonly NAN = new Decimal(0n, 0, 'nan');
  static readonly INFINITY = new Decimal(0n, 0, 'inf');
  static readonly NEG_INFINITY = new Decimal(0n, 0, '-inf');

  static of(coef: bigint, scale: number): Decimal {
    return new Decimal(coef, scale);
  }

  static fromBigInt(b: bigint): Decimal {
    return new Decimal(b, 0);
  }

  static fromInt(n: number): Decimal {
    return new Decimal(BigInt(n), 0);
  }

  /** float8 -> numeric as PostgreSQL: through "%.15g" text (float4: digits = 6). */
  static fromFloat(x: number, digits = 15): Decimal {
    if (Number.isNaN(x)) return Decimal.NAN;
    if (x === Infinity) return Decimal.INFINITY;
    if (x === -Infinity) return Decimal.NEG_INFINITY;
    if (x === 0) return Decimal.ZERO;
    const [mant, expStr] = x.toExponential(digits - 1).split('e');
    let ds = mant.replace('-', '').replace('.', '').replace(/0+$/, '');
    if (ds === '') ds = '0';
    const exp = Number(expStr);
    // value = 0.ds * 10^(exp+1); lowest digit position = exp - (ds.length - 1)
    const low = exp - (ds.length - 1);
    let coef = BigInt(ds);
    let scale = 0;
    if (low >= 0) coef *= pow10(low);
    else scale = -low;
    return new Decimal(x < 0 ? -coef : coef, scale);
  }

  static parse(text: string): Decimal {
    const d = Decimal.tryParse(text);
    if (!d) throw invalidInput('numeric', text);
    return d;
  }

  static tryParse(text: string): Decimal | null {
    const plain = parsePlain(text);
    if (plain) return plain;
    // PostgreSQL 15: no underscores between digits (16 accepts them)
    const m = /^[ \t\n\r\v\f]*([+-])?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?[ \t\n\r\v\f]*$/.exec(text);
    if (!m) {
      const s = text.trim().toLowerCase();
      if (s === 'nan') return Decimal.NAN;
      if (s === 'infinity' || s === '+infinity' || s === 'inf' || s === '+inf') return Decimal.INFINITY;
      if (s === '-infinity' || s === '-inf') return Decimal.NEG_INFINITY;
      return null;
    }
    const intPart = m[2] ?? '';
    const frac = m[3] ?? m[4] ?? '';
    const exp = m[5] ? Number(m[5]) : 0;
    // set_var_from_str bounds the exponent; make_result then bounds the value: at most
    // 131,072 digits before the point (weight ≤ 32767 base-10000 digits), a scale ≤ 16383
    if (!(Math.abs(exp) < 1073741823)) throw overflowError();
    const digits = (intPart + frac).replace(/^0+/, '');
    if (digits !== '' && digits.length - frac.length + exp > NUMERIC_MAX_INT_DIGITS) throw overflowError();
    if (frac.length - exp > NUMERIC_DSCALE_MAX) throw overflowError();
    let coef = BigInt(digits || '0');
    let scale = frac.length - exp;
    if (scale < 0) {
      if (coef !== 0n) coef *= pow10(-scale);
      scale = 0;
    }
    return new Decimal(m[1] === '-' ? -coef : coef, scale);
  }

  isNaN(): boolean {
    return this.special === 'nan';
  }

  isFinite(): boolean {
    return this.special === null;
  }

  isZero(): boolean {
    return this.special === null && this.coef === 0n;
  }

  /** -1, 0, 1 (NaN gives NaN as PostgreSQL's sign(NaN) does). */
  sign(): number {
    if (this.special === 'nan') return NaN;
    if (this.special === 'inf') return 1;
    if (this.special === '-inf') return -1;
    return this.coef > 0n ? 1 : this.coef < 0n ? -1 : 0;
  }

  /** Coefficient rescaled to scale s >= this.scale. */
  private at(s: number): bigint {
    return s === this.scale ? this.coef : this.coef * pow10(s - this.scale);
  }

  add(o: Decimal): Decimal {
    if (this.special || o.special) return addSpecial(this, o);
    const s = Math.max(this.scale, o.scale);
    return checkWeight(new Decimal(this.at(s) + o.at(s), s));
  }

  sub(o: Decimal): Decimal {
    return this.add(o.neg());
  }

  mul(o: Decimal): Decimal {
    if (this.special || o.special) {
      if (this.isNaN() || o.isNaN()) return Decimal.NAN;
      const a = this.sign();
      const b = o.sign();
      if (a === 0 || b === 0) return Decimal.NAN;
      return a * b > 0 ? Decimal.INFINITY : Decimal.NEG_INFINITY;
    }
    // numeric_mul: the exact product, rounded if its scale is more than a numeric can hold
    const s = this.scale + o.scale;
    const p = this.coef * o.coef;
    if (s > NUMERIC_DSCALE_MAX) return checkWeight(new Decimal(divRound(p, pow10(s - NUMERIC_DSCALE_MAX)), NUMERIC_DSCALE_MAX));
    return checkWeight(new Decimal(p, s));
  }

  div(o: Decimal): Decimal {
    if (this.special || o.special) {
      if (this.isNaN() || o.isNaN()) return Decimal.NAN;
      if (this.special) {
        if (o.special) return Decimal.NAN;
        const b = o.sign();
        if (b === 0) throw divisionByZero();
        return this.sign() * b > 0 ? Decimal.INFINITY : Decimal.NEG_INFINITY;
      }
      return Decimal.ZERO; // finite / ±inf
    }
    if (o.coef === 0n) throw divisionByZero();
    return this.divScale(o, selectDivScale(this, o));
  }

  /** this / o rounded half away from zero to `rscale` digits. */
  divScale(o: Decimal, rscale: number): Decimal {
    // coef_a/10^sa / (coef_b/10^sb) * 10^r = coef_a * 10^(r + sb - sa) / coef_b
    const e = rscale + o.scale - this.scale;
    const num = e >= 0 ? this.coef * pow10(e) : this.coef;
    const den = e >= 0 ? o.coef : o.coef * pow10(-e);
    return checkWeight(new Decimal(divRound(num, den), rscale));
  }

  mod(o: Decimal): Decimal {
    if (this.special || o.special) {
      if (this.isNaN() || o.isNaN()) return Decimal.NAN;
      if (this.special) {
        if (o.isZero()) throw divisionByZero();
        return Decimal.NAN;
      }
      return this; // finite % ±inf
    }
    if (o.coef === 0n) throw divisionByZero();
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.at(s) % o.at(s), s);
  }

  neg(): Decimal {
    if (this.special === 'inf') return Decimal.NEG_INFINITY;
    if (this.special === '-inf') return Decimal.INFINITY;
    if (this.special) return this;
    return new Decimal(-this.coef, this.scale);
  }

  abs(): Decimal {
    if (this.special === '-inf') return Decimal.INFINITY;
    if (this.special || this.coef >= 0n) return this;
    return new Decimal(-this.coef, this.scale);
  }

  compare(o: Decimal): number {
    if (this.special || o.special) return specialRank(this) - specialRank(o) || 0;
    if (this.scale === o.scale) return this.coef < o.coef ? -1 : this.coef > o.coef ? 1 : 0;
    const s = Math.max(this.scale, o.scale);
    const a = this.at(s);
    const b = o.at(s);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equals(o: Decimal): boolean {
    return this.compare(o) === 0;
  }

  /** PostgreSQL round(numeric, int): half away from zero; display scale max(scale, 0). */
  round(scale: number): Decimal {
    if (this.special) return this;
    scale = Math.max(Math.min(scale, 2000), -2000);
    if (scale >= this.scale) return scale === this.scale ? this : new Decimal(this.at(scale), scale);
    const q = divRound(this.coef, pow10(this.scale - scale));
    if (scale < 0) return checkWeight(new Decimal(q * pow10(-scale), 0));
    return checkWeight(new Decimal(q, scale));
  }

  trunc(scale: number): Decimal {
    if (this.special) return this;
    scale = Math.max(Math.min(scale, 2000), -2000);
    if (scale >= this.scale) return scale === this.scale ? this : new Decimal(this.at(scale), scale);
    const q = this.coef / pow10(this.scale - scale);
    if (scale < 0) return new Decimal(q * pow10(-scale), 0);
    return new Decimal(q, scale);
  }

  ceil(): Decimal {
    if (this.special) return this;
    const t = this.trunc(0);
    return t.compare(this) < 0 ? checkWeight(new Decimal(t.coef + 1n, 0)) : t;
  }

  floor(): Decimal {
    if (this.special) return this;
    const t = this.trunc(0);
    return t.compare(this) > 0 ? checkWeight(new Decimal(t.coef - 1n, 0)) : t;
  }

  /** Smallest scale that represents the value exactly (trailing zeros stripped). */
  minScale(): number {
    if (this.special || this.coef === 0n) return 0;
    let c = this.coef;
    let s = this.scale;
    while (s > 0 && c % 10n === 0n) {
      c /= 10n;
      s--;
    }
    return s;
  }

  toString(): string {
    if (this.special === 'nan') return 'NaN';
    if (this.special === 'inf') return 'Infinity';
    if (this.special === '-inf') return '-Infinity';
    const neg = this.coef < 0n;
    let digits = babs(this.coef).toString();
    if (this.scale === 0) return neg ? '-' + digits : digits;
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const p = digits.length - this.scale;
    return (neg ? '-' : '') + digits.slice(0, p) + '.' + digits.slice(p);
  }

  normalizedKey(): string {
    if (this.special) return this.toString();
    if (this.coef === 0n) return '0';
    let c = this.coef;
    let s = this.scale;
    while (s > 0 && c % 10n === 0n) {
      c /= 10n;
      s--;
    }
    return s === 0 ? c.toString() : c.toString() + 'e-' + s;
  }

  /** numeric -> float8 as PostgreSQL (through the text form). */
  toNumber(): number {
    const x = Number(this.toString());
    if (this.special === null && !Number.isFinite(x)) {
      throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, `"${this.toString()}" is out of range for type double precision`);
    }
    return x;
  }

  /** numeric -> int8 cast: round half away from zero, range-checked. */
  toBigInt(typeName = 'bigint', min = -(2n ** 63n), max = 2n ** 63n - 1n): bigint {
    if (this.special === 'nan') {
      throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `cannot convert NaN to ${typeName}`);
    }
    if (this.special) throw new SqlError(SQLSTATE.FEATURE_NOT_SUPPORTED, `cannot convert infinity to ${typeName}`);
    const r = this.scale === 0 ? this.coef : divRound(this.coef, pow10(this.scale));
    if (r < min || r > max) throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, `${typeName} out of range`);
    return r;
  }

  /** Decimal weight: position of the most significant digit (0 for 1..9, -1 for 0.1..0.9). */
  dweight(): number {
    if (this.special || this.coef === 0n) return 0;
    return digitCount(this.coef) - 1 - this.scale;
  }

  // --- transcendental functions, with PostgreSQL's result scales ---

  sqrt(): Decimal {
    if (this.special) {
      if (this.special === '-inf') throw sqrtNegative();
      return this;
    }
    if (this.coef < 0n) throw sqrtNegative();
    const sweight = Math.trunc(((nbaseWeight(this) + 1) * DEC_DIGITS) / 2) - 1;
    const rscale = clampScale(Math.max(MIN_SIG_DIGITS - sweight, this.scale));
    // floor(sqrt(v * 10^(2(r+1)))) then round the extra digit
    const e = 2 * (rscale + 1) - this.scale;
    const n = e >= 0 ? this.coef * pow10(e) : this.coef / pow10(-e);
    const root = isqrt(n);
    return new Decimal(divRound(root, 10n), rscale);
  }

  exp(): Decimal {
    if (this.special) {
      if (this.special === '-inf') return Decimal.ZERO;
      return this;
    }
    const x = Number(this.toString());
    let val = x * 0.434294481903252;
    val = Math.max(Math.min(val, 2000), -2000);
    const rscale = clampScale(Math.max(MIN_SIG_DIGITS - Math.trunc(val), this.scale));
    if (Math.abs(x) >= 6000) {
      if (x > 0) throw overflowError();
      return Decimal.of(0n, rscale);
    }
    return expFixed(this, rscale);
  }

  ln(): Decimal {
    if (this.special) {
      if (this.special === 'nan' || this.special === 'inf') return this;
      throw lnNegative();
    }
    if (this.coef === 0n) throw new SqlError(SQLSTATE.INVALID_ARGUMENT_FOR_LOG, 'cannot take logarithm of zero');
    if (this.coef < 0n) throw lnNegative();
    const rscale = clampScale(Math.max(MIN_SIG_DIGITS - estimateLnDweight(this), this.scale));
    return lnFixed(this, rscale);
  }

  /** log(base, this) as PostgreSQL's log_var. */
  log(base: Decimal): Decimal {
    if (this.isNaN() || base.isNaN()) return Decimal.NAN;
    for (const v of [this, base]) {
      if (v.special === '-inf' || (v.special === null && v.coef < 0n)) {
        throw new SqlError(SQLSTATE.INVALID_ARGUMENT_FOR_LOG, 'cannot take logarithm of a negative number');
      }
      if (v.isZero()) throw new SqlError(SQLSTATE.INVALID_ARGUMENT_FOR_LOG, 'cannot take logarithm of zero');
    }
    if (this.special || base.special) {
      if (this.special && base.special) return Decimal.NAN;
      if (base.special) return Decimal.ZERO;
      return base.compare(Decimal.ONE) < 0 ? Decimal.NEG_INFINITY : Decimal.INFINITY;
    }
    if (base.compare(Decimal.ONE) === 0) throw divisionByZero();
    const rdw = estimateLnDweight(this) - estimateLnDweight(base);
    const rscale = clampScale(Math.max(MIN_SIG_DIGITS - rdw, base.scale, this.scale));
    const guard = rscale + 30 + Math.abs(rdw);
    const a = lnBig(this, guard);
    const b = lnBig(base, guard);
    return new Decimal(divRound(a * pow10(rscale), b), rscale);
  }

  power(e: Decimal): Decimal {
    return checkWeight(numericPower(this, e));
  }
}

function sqrtNegative(): SqlError {
  return new SqlError('2201F', 'cannot take square root of a negative number');
}
function lnNegative(): SqlError {
  return new SqlError(SQLSTATE.INVALID_ARGUMENT_FOR_LOG, 'cannot take logarithm of a negative number');
}

function specialRank(d: Decimal): number {
  switch (d.special) {
    case 'nan':
      return 3;
    case 'inf':
      return 2;
    case '-inf':
      return -2;
    default:
      return d.coef > 0n ? 1 : d.coef < 0n ? -1 : 0;
  }
}

function addSpecial(a: Decimal, b: Decimal): Decimal {
  if (a.isNaN() || b.isNaN()) return Decimal.NAN;
  if (a.special && b.special) return a.special === b.special ? a : Decimal.NAN;
  return a.special ? a : b;
}

/** PostgreSQL's weight in base-10000 digits of the first nonzero digit, and that digit. */
function nbaseWeight(d: Decimal): number {
  if (d.coef === 0n) return 0;
  return Math.floor(d.dweight() / DEC_DIGITS);
}

function firstNbaseDigit(d: Decimal, w: number): number {
  const e = d.scale + DEC_DIGITS * w;
  const a = babs(d.coef);
  return Number(e >= 0 ? a / pow10(e) : a * pow10(-e));
}

export function selectDivScale(a: Decimal, b: Decimal): number {
  const w1 = nbaseWeight(a);
  const w2 = nbaseWeight(b);
  const d1 = a.coef === 0n ? 0 : firstNbaseDigit(a, w1);
  const d2 = b.coef === 0n ? 0 : firstNbaseDigit(b, w2);
  let qweight = w1 - w2;
  if (d1 <= d2) qweight--;
  let rscale = MIN_SIG_DIGITS - qweight * DEC_DIGITS;
  rscale = Math.max(rscale, a.scale, b.scale, 0);
  return Math.min(rscale, MAX_DISPLAY_SCALE);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  // start above the root (2^ceil(bits/2)); Newton then decreases monotonically
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  // Newton from an estimate; converges quickly, then fix up by ±1
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

/** estimate_ln_dweight from numeric.c. */
function estimateLnDweight(v: Decimal): number {
  if (v.coef <= 0n) return 0;
  if (v.compare(Decimal.of(9n, 1)) >= 0 && v.compare(Decimal.of(11n, 1)) <= 0) {
    const x = v.sub(Decimal.ONE);
    if (x.coef === 0n) return 0;
    const w = nbaseWeight(x);
    return w * DEC_DIGITS + Math.trunc(Math.log10(firstNbaseDigit(x, w)));
  }
  const w = nbaseWeight(v);
  let digits = firstNbaseDigit(v, w);
  let dweight = w * DEC_DIGITS;
  // PostgreSQL also uses the second base-10000 digit when any nonzero digit follows the first
  const a = babs(v.coef);
  const e1 = v.scale + DEC_DIGITS * w;
  const hasMore = e1 > 0 && a !== BigInt(digits) * pow10(e1);
  if (hasMore) {
    const e2 = e1 - DEC_DIGITS;
    digits = Number(e2 >= 0 ? a / pow10(e2) : a * pow10(-e2));
    dweight -= DEC_DIGITS;
  }
  const lnVar = Math.log(digits) + dweight * 2.302585092994046;
  return Math.trunc(Math.log10(Math.abs(lnVar)));
}

// Fixed-point helpers: a bigint x stands for x / 10^p.

/** ln(v) * 10^p, v > 0. */
function lnBig(v: Decimal, p: number): bigint {
  // v = m * 10^k with m in [1, 10): ln v = k ln 10 + ln m
  const k = v.dweight();
  const one = pow10(p);
  const shift = p - (v.scale + k);
  let m = shift >= 0 ? v.coef * pow10(shift) : v.coef / pow10(-shift);
  // reduce m towards 1 with square roots: ln m = 2^j ln(m^(1/2^j))
  let j = 0;
  while (m > one + one / 100n || m < one - one / 100n) {
    m = isqrt(m * one);
    j++;
  }
  let r = atanhLn(m, one);
  r <<= BigInt(j);
  if (k !== 0) r += BigInt(k) * ln10(p);
  return r;
}

/** ln(m) for m near one, via 2 atanh((m-1)/(m+1)). */
function atanhLn(m: bigint, one: bigint): bigint {
  const t = ((m - one) * one) / (m + one);
  const t2 = (t * t) / one;
  let term = t;
  let sum = 0n;
  for (let n = 1n; term !== 0n; n += 2n) {
    sum += term / n;
    term = (term * t2) / one;
  }
  return 2n * sum;
}

const LN10_CACHE = new Map<number, bigint>();
function ln10(p: number): bigint {
  let v = LN10_CACHE.get(p);
  if (v === undefined) {
    const one = pow10(p + 10);
    // ln 10 = 3 ln 2 + ln 1.25 ; ln 2 = 2 ln(1.25) + ln(1.28)... use sqrt reduction of 10
    let m = 10n * one;
    let j = 0;
    while (m > one + one / 100n) {
      m = isqrt(m * one);
      j++;
    }
    v = (atanhLn(m, one) << BigInt(j)) / pow10(10);
    LN10_CACHE.set(p, v);
  }
  return v;
}

/** exp(x) * 10^p for a fixed-point x (scale p). */
function expBig(x: bigint, p: number): bigint {
  const one = pow10(p);
  // halve until |x| < 0.01, Taylor, then square back
  let j = 0;
  while (babs(x) > one / 100n) {
    x /= 2n;
    j++;
  }
  let sum = one;
  let term = one;
  for (let n = 1n; term !== 0n; n++) {
    term = (term * x) / one / n;
    sum += term;
  }
  for (let i = 0; i < j; i++) sum = (sum * sum) / one;
  return sum;
}

function lnFixed(v: Decimal, rscale: number): Decimal {
  const p = rscale + 30;
  return Decimal.of(divRound(lnBig(v, p), pow10(30)), rscale);
}

function expFixed(x: Decimal, rscale: number): Decimal {
  const mag = Math.max(0, Math.ceil(Math.abs(Number(x.toString())) * 0.4343)) + 5;
  const p = rscale + 30 + mag;
  const xs = p >= x.scale ? x.coef * pow10(p - x.scale) : x.coef / pow10(x.scale - p);
  return Decimal.of(divRound(expBig(xs, p), pow10(p - rscale)), rscale);
}

function numericPower(base: Decimal, e: Decimal): Decimal {
  if (base.isNaN() || e.isNaN()) {
    if (base.isNaN() && e.isZero()) return Decimal.of(1n, 0);
    if (e.isNaN() && base.compare(Decimal.ONE) === 0) return Decimal.of(1n, 0);
    return Decimal.NAN;
  }
  if (base.special || e.special) return powerSpecial(base, e);
  if (base.isZero() && e.coef < 0n) {
    throw new SqlError('2201F', 'zero raised to a negative power is undefined');
  }
  const isInt = e.trunc(0).compare(e) === 0;
  if (isInt) {
    const n = e.trunc(0).coef;
    if (n >= -2147483648n && n <= 2147483647n) {
      // PostgreSQL 15's power_var: an int32 exponent ignores the exponent's own scale
      // (PostgreSQL 16 changed this to power_var's general rule)
      const rscale = clampScale(Math.max(MIN_SIG_DIGITS, base.scale));
      return powerInt(base, Number(n), rscale);
    }
  }
  if (base.isZero()) return Decimal.of(0n, MIN_SIG_DIGITS);
  let negate = false;
  if (base.coef < 0n) {
    if (!isInt) {
      throw new SqlError('2201F', 'a negative number raised to a non-integer power yields a complex result');
    }
    negate = e.trunc(0).coef % 2n !== 0n;
    base = base.abs();
  }
  // result = exp(e * ln(base))
  const lnd = estimateLnDweight(base);
  const local = Math.max(8 - lnd, 0);
  // PostgreSQL estimates the result weight from ln(base) and the product rounded to `local`
  const lnLocal = Decimal.of(divRound(lnBig(base, local + 10), pow10(10)), local);
  const approx = Number(lnLocal.mul(e).round(local).toString());
  if (Math.abs(approx) > 1000 * 3.01) {
    if (approx > 0) throw overflowError();
    return Decimal.of(0n, MAX_DISPLAY_SCALE);
  }
  const val = approx * 0.434294481903252;
  const rscale = clampScale(Math.max(MIN_SIG_DIGITS - Math.trunc(val), base.scale, e.scale));
  const mag = Math.max(0, Math.ceil(val)) + 5;
  const p = rscale + 30 + mag;
  const lnb = lnBig(base, p + e.dweight() + 5);
  // x = e * ln(base) at scale p
  const prodScale = p + e.dweight() + 5 + e.scale;
  const prod = lnb * e.coef;
  const x = prodScale >= p ? divRound(prod, pow10(prodScale - p)) : prod * pow10(p - prodScale);
  const r = Decimal.of(divRound(expBig(x, p), pow10(p - rscale)), rscale);
  return negate ? r.neg() : r;
}

/** Decimal digits as a rounding of the exact product to `rscale` (mul_var). */
function mulRound(a: Decimal, b: Decimal, rscale: number): Decimal {
  return Decimal.of(a.coef * b.coef, a.scale + b.scale).round(rscale);
}

/**
 * power_var_int of PostgreSQL 15: binary exponentiation whose intermediate products keep
 * only the digits the result needs (so a huge exponent costs no more than its precision),
 * then a rounding (or a division, for a negative exponent) to rscale.
 */
function powerInt(base: Decimal, exp: number, rscale: number): Decimal {
  switch (exp) {
    case 0:
      return Decimal.of(pow10(rscale), rscale);
    case 1:
      return base.round(rscale);
    case -1:
      return Decimal.ONE.divScale(base, rscale);
    case 2:
      return mulRound(base, base, rscale);
  }
  if (base.isZero()) {
    if (exp < 0) throw divisionByZero();
    return Decimal.of(0n, rscale);
  }
  // base ~= f * 10^p using up to 4 base-10000 digits (trailing zero digits are not stored)
  const w = nbaseWeight(base);
  const e = base.scale + DEC_DIGITS * (w - 3);
  const a = babs(base.coef);
  let digits = Number(e >= 0 ? a / pow10(e) : a * pow10(-e));
  let p = (w - 3) * DEC_DIGITS;
  while (p < w * DEC_DIGITS && digits % 10000 === 0) {
    digits /= 10000;
    p += DEC_DIGITS;
  }
  const f = exp * (Math.log10(digits) + p);
  if (f > 3 * 32767 * DEC_DIGITS) throw overflowError();
  if (f + 1 < -rscale || f + 1 < -MAX_DISPLAY_SCALE) return Decimal.of(0n, rscale);
  const sigDigits = 1 + rscale + Math.trunc(f) + Math.trunc(Math.log(Math.abs(exp))) + 8;
  let neg = exp < 0;
  let mask = Math.abs(exp);
  let prod = base;
  let result = mask & 1 ? base : Decimal.ONE;
  while ((mask = Math.floor(mask / 2)) > 0) {
    let local = sigDigits - 2 * nbaseWeight(prod) * DEC_DIGITS;
    local = Math.max(Math.min(local, 2 * prod.scale), 0);
    prod = mulRound(prod, prod, local);
    if (mask & 1) {
      local = sigDigits - (nbaseWeight(prod) + nbaseWeight(result)) * DEC_DIGITS;
      local = Math.max(Math.min(local, prod.scale + result.scale), 0);
      result = mulRound(prod, result, local);
    }
    // past int16 weights the result certainly overflows (or underflows, for exp < 0)
    if (nbaseWeight(prod) > 32767 || nbaseWeight(result) > 32767) {
      if (!neg) throw overflowError();
      result = Decimal.ZERO;
      neg = false;
      break;
    }
  }
  if (neg) return Decimal.ONE.divScale(result, rscale);
  return result.round(rscale);
}

function powerSpecial(base: Decimal, e: Decimal): Decimal {
  const bs = base.sign();
  const es = e.sign();
  if (e.special) {
    // |base| vs 1 decides
    const ab = base.abs();
    const c = ab.special ? 1 : ab.compare(Decimal.ONE);
    if (c === 0) return Decimal.of(1n, 0);
    if (es > 0) return c > 0 ? Decimal.INFINITY : Decimal.ZERO;
    return c > 0 ? Decimal.ZERO : Decimal.INFINITY;
  }
  // base infinite, exponent finite
  if (es === 0) return Decimal.of(1n, 0);
  if (es < 0) return Decimal.ZERO;
  if (bs > 0) return Decimal.INFINITY;
  // -inf ^ positive: sign depends on odd integer exponent
  const isOddInt = e.trunc(0).compare(e) === 0 && e.trunc(0).coef % 2n !== 0n;
  return isOddInt ? Decimal.NEG_INFINITY : Decimal.INFINITY;
}

/** numeric(p,s)'s precision and scale from its typmod; -1 and -1 for plain numeric. */
export function numericTypmodParts(typmod: number): [precision: number, scale: number] {
  return typmod < 0 ? [-1, -1] : [(typmod >> 16) & 0xffff, typmod & 0xffff];
}

/** numeric(p,s) coercion: round to s, then the integer digits must fit p - s. */
export function applyTypmod(d: Decimal, typmod: number): Decimal {
  if (typmod < 0 || d.isNaN()) return d;
  const [precision, scale] = numericTypmodParts(typmod);
  if (d.special) {
    throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'numeric field overflow', {
      detail: `A field with precision ${precision}, scale ${scale} cannot hold an infinite value.`,
    });
  }
  const r = d.round(scale);
  const maxDigits = precision - scale;
  if (r.coef !== 0n && r.dweight() + 1 > maxDigits) {
    throw new SqlError(SQLSTATE.NUMERIC_VALUE_OUT_OF_RANGE, 'numeric field overflow', {
      detail: `A field with precision ${precision}, scale ${scale} must round to an absolute value less than ${
        maxDigits > 0 ? '10^' + maxDigits : '1'
      }.`,
    });
  }
  return r;
}

/**
 * The common case of Decimal.tryParse without its regular expression: an optional sign, at
 * most 15 digits and at most one point (`-12.50`, `.5`, `7.`), so the coefficient is exact as
 * a double. Anything else (spaces, exponents, NaN, more digits) gives null: the full parser
 * decides.
 */
function parsePlain(text: string): Decimal | null {
  const n = text.length;
  if (n === 0 || n > 17) return null;
  let i = 0;
  const first = text.charCodeAt(0);
  const neg = first === 45; // '-'
  if (neg || first === 43) i = 1; // '+'
  let v = 0;
  let digits = 0;
  let scale = -1; // -1 until the point
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0) scale = 0;
    else return null;
  }
  if (digits === 0 || digits > 15) return null;
  return Decimal.of(BigInt(neg ? -v : v), scale < 0 ? 0 : scale);
}
