import { Big } from 'big.js';
import { EXCHANGE_IDS } from '../../adapters/exchanges/profiles/index.js';
import { normalizeSymbol } from '../../actors/trading/symbol.js';

/** Thrown by a rule when a v2 value breaks v3's rules: the row goes to quarantine with this field and reason. */
export class Quarantined {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {}
}

/** A v2 value v3 reads differently (an upper-case type, a NULL update time) and how: recorded in `migration_notes`. */
export interface Note {
  field: string;
  note: string;
}

/** Where a row's rules put their notes. */
export type Notes = Note[];

const show = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);

/** A value that must be there. */
export function required(value: string | null, field: string): string {
  if (value === null) throw new Quarantined(field, `${field} is NULL`);
  return value;
}

/**
 * Maps an enumerated v2 value through `map` (keys lower case). Case and surrounding blanks are
 * forgiven, with a note; anything else is quarantined, listing what v3 takes.
 */
export function enumerated(value: string | null, field: string, map: Readonly<Record<string, string>>, canonical: (key: string) => string, notes: Notes): string {
  const raw = required(value, field);
  const key = raw.trim().toLowerCase();
  const mapped = map[key];
  if (mapped === undefined) throw new Quarantined(field, `${field} ${show(raw)} is not one of ${Object.keys(map).map(canonical).join(', ')}`);
  // Another spelling (`canceled`) is noted as well as another case; v3's own case for a value is not.
  const spelling = mapped.toLowerCase() === key ? key : mapped.toLowerCase();
  if (raw !== canonical(spelling)) notes.push({ field, note: `${show(raw)} read as ${show(canonical(spelling))}` });
  return mapped;
}

const lower = (key: string) => key;
const EXCHANGES = Object.fromEntries(EXCHANGE_IDS.map((id) => [id, id]));

/** An exchange v3 knows (binance, bybit, okx... of its seven). */
export function exchange(value: string | null, field: string, notes: Notes): string {
  return enumerated(value, field, EXCHANGES, lower, notes);
}

/** A table holds a handful of symbols, each on most of its rows. */
const SYMBOLS = new Map<string, string | undefined>();

/** `BTCUSDT`, `BTC-USDT` -> `BTC/USDT`; a symbol that cannot be split is quarantined. */
export function symbol(value: string | null, field: string): string {
  const raw = required(value, field);
  let unified = SYMBOLS.get(raw);
  if (unified === undefined && !SYMBOLS.has(raw)) {
    unified = normalizeSymbol(raw);
    if (SYMBOLS.size < 100_000) SYMBOLS.set(raw, unified);
  }
  if (unified === undefined) throw new Quarantined(field, `${field} ${show(raw)} is not a symbol v3 can read as BASE/QUOTE`);
  return unified;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
/** v3's trading core takes magnitudes up to 1e15 (`actors/trading/fixed.ts`). */
const LIMIT = new Big('1e15');

/**
 * A NUMERIC value, unchanged: v3's columns hold v2's scales exactly. Quarantined when NULL (unless
 * `nullable`), NaN or infinite, beyond v3's 1e15, or of the wrong sign for `sign`.
 */
export function decimal(value: string | null, field: string, sign: 'positive' | 'non-negative' | 'any', nullable = false): string | null {
  if (value === null) {
    if (nullable) return null;
    throw new Quarantined(field, `${field} is NULL`);
  }
  if (!DECIMAL.test(value)) throw new Quarantined(field, `${field} is ${value}`);
  const digits = value.indexOf('.') === -1 ? value.length : value.indexOf('.');
  // 16 integer digits (17 with a sign) is where 1e15 can be passed; shorter values need no Big.
  if (digits >= 16 && new Big(value).abs().gt(LIMIT)) throw new Quarantined(field, `${field} ${value} is beyond v3's range (|x| <= 1e15)`);
  const negative = value.startsWith('-');
  if (sign !== 'any' && negative) throw new Quarantined(field, `${field} ${value} is negative`);
  if (sign === 'positive' && /^-?0+(\.0+)?$/.test(value)) throw new Quarantined(field, `${field} is 0`);
  return value;
}

const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?$/;

/**
 * A v2 `timestamp` (UTC without a time zone) as a v3 `timestamptz` in UTC. `infinity` and BC dates
 * are no time v3 can use: quarantined.
 */
export function utc(value: string | null, field: string): string {
  const raw = required(value, field);
  if (!TIMESTAMP.test(raw)) throw new Quarantined(field, `${field} ${show(raw)} is not a time`);
  return `${raw}+00`;
}

/** `utc`, for a column that may be NULL. */
export function utcOrNull(value: string | null, field: string): string | null {
  return value === null ? null : utc(value, field);
}
