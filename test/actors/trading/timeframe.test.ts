import { expect, test } from 'vitest';
import { parseTimeframe } from '../../../actors/trading/timeframe.js';
import { tradingError } from '../../helpers/trading.js';

test.each([
  ['1s', 1_000],
  ['1m', 60_000],
  ['15m', 900_000],
  ['1h', 3_600_000],
  ['4h', 14_400_000],
  ['1d', 86_400_000],
  ['1w', 604_800_000],
  ['90m', 5_400_000],
])('%s is %i ms', (timeframe, ms) => {
  expect(parseTimeframe(timeframe)).toBe(ms);
});

// 'M' (ccxt's month) has no fixed length, so it is refused with the rest.
test.each(['', '0m', 'm', '15', '1.5h', '15min', '1M', ' 1m', '-1m', '1y'])('"%s" is refused, naming the field', (timeframe) => {
  const error = tradingError(() => parseTimeframe(timeframe, 'traders[0].strategy.timeframe'), 'ERR_INVALID_CONFIG');
  expect(error.field).toBe('traders[0].strategy.timeframe');
  expect(error.detail).toBe(`"${timeframe}" is not a timeframe such as 1m, 15m, 1h or 1d`);
});

test('the field defaults to "timeframe"', () => {
  expect(tradingError(() => parseTimeframe('x'), 'ERR_INVALID_CONFIG').field).toBe('timeframe');
});
