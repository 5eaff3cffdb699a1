import { Big } from 'big.js';
import { TradingError } from './errors.js';

/**
 * Exact decimal money on the hot path: a bigint count of 10^-9 units, as NautilusTrader's standard
 * precision does. Sums and comparisons are plain bigint operations; products and quotients round half
 * to even back to 9 places. big.js does the parsing and printing at the boundaries, so no binary float
 * ever holds a price, a quantity, a fee or a P&L.
 */
export type Fixed = bigint;

export const DECIMALS = 9;
export const ONE: Fixed = 10n ** BigInt(DECIMALS);
/** {@link ONE} as a number, converted once: strategies convert every close they see. */
const ONE_NUMBER = Number(ONE);
/** Sign, up to 15 integer digits (below the limit) and up to 9 decimals: parsed without Big. */
const PLAIN = /^(-?)(\d{1,15})(?:\.(\d{1,9})?)?$/;

/** Inputs beyond this magnitude are rejected: no market quotes or trades 10^15 of anything. */
const LIMIT = new Big('1e15');

/**
 * Parses a decimal given as a string (`"0.015"`) or a JSON number (`0.015`, read through its shortest
 * decimal form, which is what the sender wrote). Throws `ERR_INVALID_DECIMAL` naming `field`.
 *
 * @example
 * ```ts
 * toFixed('0.1', 'price') + toFixed(0.2, 'price') === toFixed('0.3', 'price') // true
 * ```
 */
export function toFixed(value: unknown, field: string): Fixed {
  if (typeof value === 'bigint') return value;
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new TradingError('ERR_INVALID_DECIMAL', `expected a decimal number or string, got ${value === null ? 'null' : typeof value}`, { field });
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new TradingError('ERR_INVALID_DECIMAL', `expected a finite number, got ${value}`, { field });
  }
  const text = typeof value === 'string' ? value.trim() : String(value);
  // Plain decimals of at most 9 places, the common case (CSV candles, API amounts), need no rounding
  // and no Big: their digits are the fixed-point value.
  const small = smallPlain(text);
  if (small !== undefined) return BigInt(small);
  const plain = PLAIN.exec(text);
  if (plain) {
    const units = BigInt(plain[2]! + (plain[3] ?? '').padEnd(DECIMALS, '0'));
    return plain[1] === '-' ? -units : units;
  }
  let big: Big;
  try {
    big = new Big(typeof value === 'string' ? value.trim() : value);
  } catch (cause) {
    throw new TradingError('ERR_INVALID_DECIMAL', `"${String(value).slice(0, 40)}" is not a decimal number`, { field, cause });
  }
  if (big.abs().gt(LIMIT)) throw new TradingError('ERR_INVALID_DECIMAL', `${String(value).slice(0, 40)} is out of range (|x| <= 1e15)`, { field });
  return BigInt(big.times(ONE.toString()).round(0, Big.roundHalfEven).toFixed(0));
}

/**
 * A plain decimal (`-?digits(.digits)?`, at most 9 places) worth less than 2^53 units (about 9 million),
 * as its count of units, read digit by digit: exact in a double, and a bigint made from a number is
 * several times cheaper than one made from text (a year of candles is 2.6 million of these).
 * Undefined for anything else, which the general parse handles.
 */
function smallPlain(text: string): number | undefined {
  const negative = text.charCodeAt(0) === 45;
  let i = negative ? 1 : 0;
  const wholeStart = i;
  let units = 0;
  for (let digit; i < text.length && (digit = text.charCodeAt(i) - 48) >= 0 && digit <= 9; i++) units = units * 10 + digit;
  if (i === wholeStart || i - wholeStart > 7) return undefined;
  let scale = 1e9;
  if (i < text.length && text.charCodeAt(i) === 46) {
    const fractionEnd = Math.min(text.length, ++i + DECIMALS);
    let fraction = 0;
    for (let digit; i < fractionEnd && (digit = text.charCodeAt(i) - 48) >= 0 && digit <= 9; i++) {
      fraction = fraction * 10 + digit;
      scale /= 10;
    }
    units = units * 1e9 + fraction * scale;
  } else {
    units *= 1e9;
  }
  if (i !== text.length || units > Number.MAX_SAFE_INTEGER) return undefined;
  return negative ? -units : units;
}

/** Prints a Fixed as a plain decimal string without trailing zeros: `1500000000n` -> `"1.5"`. */
export function fixedToString(value: Fixed): string {
  // Integer and string arithmetic, not Big: persistence prints several per row, 100,000s of rows a second.
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(DECIMALS + 1, '0');
  let end = digits.length;
  while (end > digits.length - DECIMALS && digits.charCodeAt(end - 1) === 48) end--;
  const whole = digits.slice(0, digits.length - DECIMALS);
  const sign = negative ? '-' : '';
  return end === digits.length - DECIMALS ? `${sign}${whole}` : `${sign}${whole}.${digits.slice(digits.length - DECIMALS, end)}`;
}

/** A fraction as people read it: `0.0301` -> `3.01%`. */
export function pct(fraction: Fixed): string {
  return `${fixedToString(mul(fraction, 100n * ONE))}%`;
}

/** For display and indicator maths only, never for accounting. */
export function fixedToNumber(value: Fixed): number {
  return Number(value) / ONE_NUMBER;
}

/** `a * b`, rounded half to even to 9 places. */
export function mul(a: Fixed, b: Fixed): Fixed {
  return divRound(a * b, ONE);
}

/** `a / b`, rounded half to even to 9 places. `b` must not be zero. */
export function div(a: Fixed, b: Fixed): Fixed {
  return divRound(a * ONE, b);
}

/**
 * Integer division rounded half to even. Equity is marked with a product per held asset at every
 * candle a backtest runs: the remainder comes from a multiplication, cheaper than a second division,
 * and an exact quotient, the usual case with prices and sizes of few decimals, returns at once.
 */
function divRound(n: bigint, d: bigint): bigint {
  if (d < 0n) return divRound(-n, -d);
  const q = n / d;
  const r = n - q * d;
  if (r === 0n) return q;
  const twice = r < 0n ? -2n * r : 2n * r;
  if (twice < d || (twice === d && (q & 1n) === 0n)) return q;
  return n < 0n ? q - 1n : q + 1n;
}

export type Rounding = 'down' | 'up' | 'half-even';

/** Rounds `value` to a multiple of `step` (a market's tick or lot size). `down` and `up` go towards and away from zero. */
export function roundToStep(value: Fixed, step: Fixed, mode: Rounding): Fixed {
  if (step <= 0n) return value;
  const q = value / step;
  const r = value - q * step;
  if (r === 0n) return value;
  if (mode === 'down') return q * step;
  if (mode === 'up') return (value < 0n ? q - 1n : q + 1n) * step;
  return divRound(value, step) * step;
}

export function abs(a: Fixed): Fixed {
  return a < 0n ? -a : a;
}

const INT64_MAX: Fixed = 2n ** 63n - 1n;
const INT64_MIN: Fixed = -(2n ** 63n);

/** Whether `value` fits a 64-bit slot (`BigInt64Array`), as every amount short of 9.2 billion does. */
export function fitsInt64(value: Fixed): boolean {
  return value <= INT64_MAX && value >= INT64_MIN;
}

export function min(a: Fixed, b: Fixed): Fixed {
  return a < b ? a : b;
}

export function max(a: Fixed, b: Fixed): Fixed {
  return a > b ? a : b;
}

/** JSON in which every bigint, the trading core's fixed-point amounts, is exact decimal text. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? fixedToString(v) : v));
}
