import { TradingError } from '../../actors/trading/errors.js';

/**
 * A time option (`--from`, `--to`): ms since the epoch, or an ISO 8601 date or date-time, UTC when it
 * has no offset.
 *
 * @throws TradingError `ERR_INVALID_CONFIG` naming the option.
 */
export function parseTimeOption(value: string, option: string): number {
  const ts = /^\d+$/.test(value) ? Number(value) : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) || !value.includes('T') ? value : `${value}Z`);
  if (!Number.isFinite(ts)) throw new TradingError('ERR_INVALID_CONFIG', `${value} is not a time: ms since the epoch or an ISO date such as 2025-01-01`, { field: option });
  return ts;
}
