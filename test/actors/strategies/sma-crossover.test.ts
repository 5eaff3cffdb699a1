import { describe, expect, test } from 'vitest';
import { smaCrossover } from '../../../actors/strategies/sma-crossover.js';
import { TradingError } from '../../../actors/trading/errors.js';
import { bars, expectSameIndicatorsAfterAnyRestart, expectSameSignalsAfterAnyRestart, indicatorsAfter, paramsIssue, run } from './run.js';

const params = { fast: 2, slow: 3 };
// SMA2 vs SMA3, by hand:
//   i=2  8.5 < 9      below (the starting side: no signal)
//   i=3  8.5 < 8.67
//   i=4  10.5 > 9.67  crossed above: BUY
//   i=5  12.5 > 11.33
//   i=6  12 = 12      a touch: no change
//   i=7  9.5 < 10.67  crossed below: SELL
//   i=8  7.5 < 8.67
//   i=9  8 = 8
//   i=10 10.5 > 9.33  crossed above: BUY
const closes = [10, 9, 8, 9, 12, 13, 11, 8, 7, 9, 12];

describe('sma_crossover', () => {
  test('one signal per cross, at the candle that crosses', () => {
    const signals = run(smaCrossover, params, bars('BTC/USDT', closes));
    expect(signals).toEqual([
      { at: 4, symbol: 'BTC/USDT', action: 'BUY', reason: 'SMA2 crossed above SMA3' },
      { at: 7, symbol: 'BTC/USDT', action: 'SELL', reason: 'SMA2 crossed below SMA3' },
      { at: 10, symbol: 'BTC/USDT', action: 'BUY', reason: 'SMA2 crossed above SMA3' },
    ]);
  });

  test('signals are market orders sized by the trader', () => {
    for (const signal of run(smaCrossover, params, bars('BTC/USDT', closes))) {
      expect(signal.price).toBeUndefined();
      expect(signal.quantity).toBeUndefined();
    }
  });

  test('keeps the averages of each symbol apart', () => {
    const btc = bars('BTC/USDT', closes);
    const eth = bars('ETH/USDT', [...closes].reverse().map((c) => c * 100));
    const interleaved = btc.flatMap((candle, i) => [candle, eth[i]!]);
    const signals = run(smaCrossover, params, interleaved);
    const alone = (symbol: string) => run(smaCrossover, params, symbol === 'BTC/USDT' ? btc : eth).map(({ action, at }) => ({ action, at }));
    for (const symbol of ['BTC/USDT', 'ETH/USDT']) {
      const mixed = signals.filter((s) => s.symbol === symbol).map(({ action, at }) => ({ action, at: Math.floor(at / 2) }));
      expect(mixed).toEqual(alone(symbol));
    }
    expect(signals.filter((s) => s.symbol === 'ETH/USDT').length).toBeGreaterThan(0);
  });

  test('a restart from the snapshot at any candle gives the same signals as an uninterrupted run', () => {
    expectSameSignalsAfterAnyRestart(smaCrossover, params, bars('BTC/USDT', closes));
  });

  test('refuses a snapshot taken with other periods', () => {
    const strategy = smaCrossover.create(smaCrossover.params.parse(params), undefined);
    for (const candle of bars('BTC/USDT', closes)) strategy.onCandle!(candle);
    const snapshot = strategy.snapshot();
    expect(() => smaCrossover.create(smaCrossover.params.parse({ fast: 2, slow: 4 }), snapshot)).toThrow(TradingError);
    expect(() => smaCrossover.create(smaCrossover.params.parse({ fast: 2, slow: 4 }), snapshot)).toThrow(/snapshot: cannot resume, BTC\/USDT\.slow: snapshot was taken with another slow period, not 4/);
  });

  test('params default to 10 and 30', () => {
    expect(smaCrossover.params.parse({})).toEqual({ fast: 10, slow: 30 });
  });

  test('bad params name the field', () => {
    expect(paramsIssue(smaCrossover, { fast: 30, slow: 10 })).toEqual({ path: 'fast', message: 'fast must be less than slow' });
    expect(paramsIssue(smaCrossover, { fast: 5, slow: 5 }).path).toBe('fast');
    expect(paramsIssue(smaCrossover, { fast: 0 }).path).toBe('fast');
    expect(paramsIssue(smaCrossover, { fast: 2.5 }).path).toBe('fast');
    expect(paramsIssue(smaCrossover, { slow: '30' }).path).toBe('slow');
  });

  test('exposes its averages once each has its period of closes, the same after a restart', () => {
    const after = indicatorsAfter(smaCrossover, params, bars('BTC/USDT', closes));
    expect(after.slice(0, 3)).toEqual([[], [{ name: 'SMA2', value: 9.5 }], [{ name: 'SMA2', value: 8.5 }, { name: 'SMA3', value: 9 }]]);
    expect(after[4]!.map((i) => i.value)).toEqual([10.5, expect.closeTo(29 / 3, 12)]);
    expectSameIndicatorsAfterAnyRestart(smaCrossover, params, bars('BTC/USDT', closes));
  });
});
