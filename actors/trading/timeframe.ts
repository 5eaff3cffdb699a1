import { TradingError } from './errors.js';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `'15m'` -> 900000. ccxt's timeframe notation; throws `ERR_INVALID_CONFIG` naming `field`. */
export function parseTimeframe(timeframe: string, field = 'timeframe'): number {
  const match = /^(\d+)([smhdw])$/.exec(timeframe);
  if (!match || Number(match[1]) === 0) {
    throw new TradingError('ERR_INVALID_CONFIG', `"${timeframe}" is not a timeframe such as 1m, 15m, 1h or 1d`, { field });
  }
  return Number(match[1]) * UNITS[match[2]!]!;
}

/** Whether `value` is a timeframe `parseTimeframe` reads, for schemas that name the field themselves. */
export function isTimeframe(value: string): boolean {
  try {
    parseTimeframe(value);
    return true;
  } catch {
    return false;
  }
}
