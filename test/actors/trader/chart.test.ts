import { describe, expect, test } from 'vitest';
import { ChartRing } from '../../../actors/trader/chart.js';
import { TraderCore } from '../../../actors/trader/core.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import type { Candle } from '../../../actors/trading/market.js';
import { PAPER_MARKETS } from '../../../adapters/paper/markets.js';
import { testTraderArgs } from '../../helpers/trader-desk.js';

const BTC = PAPER_MARKETS.find((m) => m.symbol === 'BTC/USDT')!;

/** One-minute candles of `symbol` closing at `closes`, from ts 0. */
function candles(symbol: string, closes: readonly number[], timeframe = '1m'): Candle[] {
  return closes.map((close, i) => {
    const p = toFixed(close, 'close');
    return { symbol, timeframe, ts: i * 60_000, open: p, high: p, low: p, close: p, volume: toFixed(1, 'volume') };
  });
}

describe('ChartRing', () => {
  test('keeps the last `size` candles of each symbol, oldest first, and each indicator over the candles it has a value at', () => {
    const ring = new ChartRing(3);
    candles('BTC/USDT', [1, 2, 3, 4, 5]).forEach((c, i) => ring.add(c, i < 2 ? [] : [{ name: 'avg', value: i * 10 }, ...(i === 4 ? [{ name: 'rsi', value: 50, pane: 'own' as const }] : [])]));
    ring.add(candles('ETH/USDT', [7])[0]!, []);
    const chart = ring.chart('BTC/USDT', 10);
    expect(chart.timeframe).toBe('1m');
    expect(chart.candles.map((c) => c.close)).toEqual([3, 4, 5].map((n) => toFixed(n, 'n')));
    expect(chart.candles[0]).toEqual({ ts: 120_000, open: toFixed(3, 'n'), high: toFixed(3, 'n'), low: toFixed(3, 'n'), close: toFixed(3, 'n'), volume: toFixed(1, 'n') });
    expect(chart.indicators).toEqual([
      { name: 'avg', pane: 'price', values: [{ ts: 120_000, value: 20 }, { ts: 180_000, value: 30 }, { ts: 240_000, value: 40 }] },
      { name: 'rsi', pane: 'own', values: [{ ts: 240_000, value: 50 }] },
    ]);
    expect(ring.chart('BTC/USDT', 1).candles.map((c) => c.ts)).toEqual([240_000]);
    expect(ring.chart('ETH/USDT', 10).candles).toHaveLength(1);
    expect(ring.chart('SOL/USDT', 10)).toEqual({ type: 'traderChart', symbol: 'SOL/USDT', timeframe: null, candles: [], indicators: [] });
  });

  test('a chart handed out is not moved by the candles added after it', () => {
    const ring = new ChartRing(2);
    const bar = candles('BTC/USDT', [1])[0]!;
    ring.add(bar, []);
    const chart = ring.chart('BTC/USDT', 2);
    bar.close = toFixed(9, 'close');
    for (const c of candles('BTC/USDT', [2, 3])) ring.add(c, []);
    expect(chart.candles.map((c) => c.close)).toEqual([toFixed(1, 'n')]);
  });

  test('refuses a size below one', () => {
    expect(() => new ChartRing(0)).toThrow(RangeError);
  });
});

describe('a trader keeping its chart', () => {
  const args = (strategy?: object) => ({ ...testTraderArgs([BTC], { USDT: toFixed(100_000, 'b') }), ...(strategy ? { strategy: strategy as never } : {}) });

  test("keeps the bars of its strategy's timeframe with the strategy's indicators at each", () => {
    const core = new TraderCore(args({ type: 'sma_crossover', name: 'sma', timeframe: '2m', params: { fast: 2, slow: 3 } }), 'trader.t', undefined);
    core.keepChart(10);
    core.onCandles(candles('BTC/USDT', [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]), 0);
    const chart = core.chart('BTC/USDT', 10);
    expect(chart.timeframe).toBe('2m');
    // 2m bars close at 11, 13, 15, 17, 19; SMA2 from the second, SMA3 from the third.
    expect(chart.candles.map((c) => [c.ts, c.open, c.close])).toEqual([0, 1, 2, 3, 4].map((i) => [i * 120_000, toFixed(10 + 2 * i, 'o'), toFixed(11 + 2 * i, 'c')]));
    expect(chart.indicators).toEqual([
      { name: 'SMA2', pane: 'price', values: [1, 2, 3, 4].map((i) => ({ ts: i * 120_000, value: 10 + 2 * i })) },
      { name: 'SMA3', pane: 'price', values: [2, 3, 4].map((i) => ({ ts: i * 120_000, value: 9 + 2 * i })) },
    ]);
  });

  test('without a strategy keeps the candles as they come; without keepChart keeps none', () => {
    const plain = new TraderCore(args(), 'trader.t', undefined);
    plain.keepChart(2);
    plain.onCandles(candles('BTC/USDT', [1, 2, 3]), 0);
    expect(plain.chart('BTC/USDT', 5)).toMatchObject({ timeframe: '1m', indicators: [] });
    expect(plain.chart('BTC/USDT', 5).candles.map((c) => c.close)).toEqual([toFixed(2, 'n'), toFixed(3, 'n')]);
    const off = new TraderCore(args(), 'trader.t', undefined);
    off.onCandles(candles('BTC/USDT', [1, 2, 3]), 0);
    expect(off.chart('BTC/USDT', 5).candles).toEqual([]);
  });
});
