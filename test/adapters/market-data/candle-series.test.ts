import { describe, expect, test } from 'vitest';
import { CandleColumns, receiveSeries, SeriesBuilder, shareSeries } from '../../../adapters/market-data/candle-series.js';
import type { Candle } from '../../../actors/trading/market.js';

function candle(i: number, volume = BigInt(i) * 10n ** 9n): Candle {
  return { symbol: 'BTC/USDT', timeframe: '1m', ts: 1_700_000_000_000 + i * 60_000, open: 100n + BigInt(i), high: 200n + BigInt(i), low: 50n, close: 150n, volume };
}

describe('candle series', () => {
  test('columns give back every candle exactly, past their first growth, and negative indices from the end', () => {
    const builder = new SeriesBuilder('BTC/USDT', '1m');
    const candles = Array.from({ length: 3_000 }, (_, i) => candle(i));
    for (const c of candles) builder.add(c);
    const series = builder.done();
    expect(series).toBeInstanceOf(CandleColumns);
    expect(series.length).toBe(3_000);
    expect(Array.from({ length: series.length }, (_, i) => series.at(i))).toEqual(candles);
    expect(series.at(-1)).toEqual(candles.at(-1));
    expect(series.at(3_000)).toBeUndefined();
    expect(series.at(-3_001)).toBeUndefined();
  });

  test('a value beyond 64 bits keeps the whole series as candles, unchanged', () => {
    const builder = new SeriesBuilder('BTC/USDT', '1m');
    const candles = [candle(0), candle(1, 10n ** 21n), candle(2)];
    for (const c of candles) builder.add(c);
    const series = builder.done();
    expect(Array.isArray(series)).toBe(true);
    expect(series).toEqual(candles);
  });

  test('columns cross to another thread by reference, arrays as copies', () => {
    const builder = new SeriesBuilder('BTC/USDT', '1m');
    builder.add(candle(7));
    const columns = builder.done();
    const received = receiveSeries(structuredClone(shareSeries(columns)));
    expect(received.at(0)).toEqual(candle(7));
    const shared = shareSeries(columns) as { values: BigInt64Array };
    expect(shared.values.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(receiveSeries(structuredClone(shareSeries([candle(1)])))).toEqual([candle(1)]);
  });
});
