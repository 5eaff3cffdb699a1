import { describe, expect, test } from 'vitest';
import { rsiReversion } from '../../../actors/strategies/rsi-reversion.js';
import { bars, expectSameIndicatorsAfterAnyRestart, expectSameSignalsAfterAnyRestart, indicatorsAfter, paramsIssue, run } from './run.js';

const params = { period: 2, oversold: 30, overbought: 70 };
// Wilder RSI2, by hand (avg gain / avg loss -> RSI):
//   i=2  1 / 0              100      overbought (the starting zone: no signal)
//   i=3  0.5 / 0.5          50       neutral
//   i=4  0.25 / 0.75        25       into oversold: BUY
//   i=5  0.125 / 0.875      12.5
//   i=6  0.5625 / 0.4375    56.25    neutral
//   i=7  0.78125 / 0.21875  78.125   into overbought: SELL
//   i=8  0.890625 / 0.109375 89.06
//   i=9  0.4453125 / 1.5546875 22.27 straight into oversold: BUY
//   i=10 0.72265625 / 0.77734375 48.2 neutral
const closes = [10, 11, 12, 11, 10, 9, 10, 11, 12, 9, 10];

describe('rsi_reversion', () => {
  test('signals on entering oversold and overbought, once per entry', () => {
    expect(run(rsiReversion, params, bars('ETH/USDT', closes))).toEqual([
      { at: 4, symbol: 'ETH/USDT', action: 'BUY', reason: 'RSI2 fell below 30 (25.0)' },
      { at: 7, symbol: 'ETH/USDT', action: 'SELL', reason: 'RSI2 rose above 70 (78.1)' },
      { at: 9, symbol: 'ETH/USDT', action: 'BUY', reason: 'RSI2 fell below 30 (22.3)' },
    ]);
  });

  test('the thresholds are params', () => {
    // Oversold at 20: 25 is no longer in it, 12.5 is (i=5); 22.27 is not.
    const signals = run(rsiReversion, { ...params, oversold: 20 }, bars('ETH/USDT', closes));
    expect(signals.map(({ at, action }) => ({ at, action }))).toEqual([
      { at: 5, action: 'BUY' },
      { at: 7, action: 'SELL' },
    ]);
  });

  test('keeps the RSI of each symbol apart', () => {
    const eth = bars('ETH/USDT', closes);
    const flat = bars('SOL/USDT', closes.map(() => 20));
    const signals = run(rsiReversion, params, eth.flatMap((candle, i) => [flat[i]!, candle]));
    expect(signals.map(({ at, symbol, action }) => ({ at, symbol, action }))).toEqual([
      { at: 9, symbol: 'ETH/USDT', action: 'BUY' },
      { at: 15, symbol: 'ETH/USDT', action: 'SELL' },
      { at: 19, symbol: 'ETH/USDT', action: 'BUY' },
    ]);
  });

  test('a restart from the snapshot at any candle gives the same signals as an uninterrupted run', () => {
    expectSameSignalsAfterAnyRestart(rsiReversion, params, bars('ETH/USDT', closes));
  });

  test('params default to 14, 30 and 70', () => {
    expect(rsiReversion.params.parse({})).toEqual({ period: 14, oversold: 30, overbought: 70 });
  });

  test('bad params name the field', () => {
    expect(paramsIssue(rsiReversion, { oversold: 70, overbought: 30 })).toEqual({ path: 'oversold', message: 'oversold must be below overbought' });
    expect(paramsIssue(rsiReversion, { period: 1 }).path).toBe('period');
    expect(paramsIssue(rsiReversion, { oversold: 0 }).path).toBe('oversold');
    expect(paramsIssue(rsiReversion, { overbought: 100 }).path).toBe('overbought');
  });

  test('exposes its RSI, in a pane of its own, once it has its period of changes, the same after a restart', () => {
    const after = indicatorsAfter(rsiReversion, params, bars('ETH/USDT', closes));
    expect(after.slice(0, 2)).toEqual([[], []]);
    expect(after.slice(2, 6)).toEqual([100, 50, 25, 12.5].map((value) => [{ name: 'RSI2', value, pane: 'own' }]));
    expectSameIndicatorsAfterAnyRestart(rsiReversion, params, bars('ETH/USDT', closes));
  });
});
