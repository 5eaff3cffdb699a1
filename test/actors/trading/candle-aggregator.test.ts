import { describe, expect, test } from 'vitest';
import { CandleAggregator } from '../../../actors/trading/candle-aggregator.js';
import type { Candle } from '../../../actors/trading/market.js';
import { fx } from '../../helpers/trading.js';

const T0 = Date.UTC(2025, 0, 1); // a 5-minute boundary
const MIN = 60_000;

/** A one-minute candle `minute` minutes after T0. */
function m1(minute: number, [open, high, low, close]: [number, number, number, number], symbol = 'BTC/USDT', volume = 1): Candle {
  return { symbol, timeframe: '1m', ts: T0 + minute * MIN, open: fx(open), high: fx(high), low: fx(low), close: fx(close), volume: fx(volume) };
}

function feed(aggregator: CandleAggregator, candles: Candle[]): Candle[] {
  return candles.flatMap((c) => aggregator.add(c));
}

describe('CandleAggregator', () => {
  test('hands out a 5m bar as soon as its last 1m candle arrives', () => {
    const aggregator = new CandleAggregator('5m');
    const first = [m1(0, [10, 12, 9, 11]), m1(1, [11, 15, 10, 14], 'BTC/USDT', 2), m1(2, [14, 14, 8, 9]), m1(3, [9, 10, 9, 10])];
    expect(feed(aggregator, first)).toEqual([]);
    expect(aggregator.add(m1(4, [10, 11, 10, 10.5], 'BTC/USDT', 0.5))).toEqual([{
      symbol: 'BTC/USDT',
      timeframe: '5m',
      ts: T0,
      open: fx(10),
      high: fx(15),
      low: fx(8),
      close: fx(10.5),
      volume: fx(5.5),
    }]);
    expect(aggregator.add(m1(5, [10.5, 11, 10, 11]))).toEqual([]);
  });

  test('a candle already of the target timeframe passes straight through', () => {
    const candle = { ...m1(0, [1, 2, 0.5, 1.5]), timeframe: '5m' };
    expect(new CandleAggregator('5m').add(candle)).toEqual([candle]);
    expect(new CandleAggregator('5m').add(candle)[0]).toBe(candle);
  });

  test('bars start on timeframe boundaries, whatever minute the first candle has', () => {
    const aggregator = new CandleAggregator('5m');
    feed(aggregator, [m1(3, [1, 1, 1, 1])]);
    expect(aggregator.add(m1(4, [2, 2, 2, 2]))).toMatchObject([{ ts: T0, open: fx(1), close: fx(2) }]);
  });

  test('a gap closes the open bar, and the next bar starts at its own boundary', () => {
    const aggregator = new CandleAggregator('5m');
    feed(aggregator, [m1(0, [1, 1, 1, 1])]);
    expect(aggregator.add(m1(12, [2, 2, 2, 2]))).toMatchObject([{ ts: T0, close: fx(1) }]);
    expect(aggregator.add(m1(15, [3, 3, 3, 3]))).toMatchObject([{ ts: T0 + 10 * MIN, close: fx(2) }]);
  });

  test('a candle after a gap that also ends its own bar hands out both, oldest first', () => {
    const aggregator = new CandleAggregator('5m');
    feed(aggregator, [m1(0, [1, 1, 1, 1])]);
    expect(aggregator.add(m1(14, [2, 2, 2, 2]))).toMatchObject([
      { ts: T0, close: fx(1) },
      { ts: T0 + 10 * MIN, open: fx(2), close: fx(2) },
    ]);
    expect(aggregator.snapshot()).toEqual({});
  });

  test('keeps each symbol its own bar', () => {
    const aggregator = new CandleAggregator('5m');
    const bars = feed(aggregator, [m1(0, [1, 1, 1, 1]), m1(0, [100, 100, 100, 100], 'ETH/USDT'), m1(1, [2, 3, 1, 2]), m1(5, [5, 5, 5, 5], 'ETH/USDT'), m1(5, [9, 9, 9, 9])]);
    // Both bars stayed open past their end (no candle of minute 4 came): each closes when its next bar starts.
    expect(bars.map((b) => [b.symbol, b.high, b.close])).toEqual([
      ['ETH/USDT', fx(100), fx(100)],
      ['BTC/USDT', fx(3), fx(2)],
    ]);
  });

  test('does not change the candles it is given', () => {
    const candles = [m1(0, [1, 1, 1, 1]), m1(1, [2, 5, 0.5, 2])];
    const copy = structuredClone(candles);
    feed(new CandleAggregator('5m'), candles);
    expect(candles).toEqual(copy);
  });

  // The open bars live in the trader's snapshot; a restart mid-bar must not lose the candles so far.
  test('resumed from a cloned snapshot, it completes the same bar as an uninterrupted run', () => {
    const candles = [m1(0, [10, 12, 9, 11]), m1(1, [11, 15, 10, 14]), m1(2, [14, 14, 8, 9]), m1(5, [9, 9, 9, 9])];
    const uninterrupted = feed(new CandleAggregator('5m'), candles);
    const first = new CandleAggregator('5m');
    feed(first, candles.slice(0, 2));
    const resumed = new CandleAggregator('5m', structuredClone(first.snapshot()));
    expect(feed(resumed, candles.slice(2))).toEqual(uninterrupted);
    expect(uninterrupted).toHaveLength(1);
  });

  test('refuses a timeframe it cannot parse', () => {
    expect(() => new CandleAggregator('5x')).toThrow(/not a timeframe/);
  });
});
