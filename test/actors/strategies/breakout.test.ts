import { describe, expect, test } from 'vitest';
import { breakout } from '../../../actors/strategies/breakout.js';
import { bars, expectSameIndicatorsAfterAnyRestart, expectSameSignalsAfterAnyRestart, indicatorsAfter, paramsIssue, run } from './run.js';

const params = { lookback: 3 };
// [high, low, close]; the channel is the previous 3 candles' highest high and lowest low.
const candles = bars('BTC/USDT', [
  [10, 9, 9.5],
  [11, 9.5, 10.5],
  [10.5, 9, 10],
  [11.5, 10, 11], // channel 11 / 9: a close equal to the high is no breakout
  [12, 10.5, 11.8], // channel 11.5 / 9: BUY
  [13, 11, 12.5], // channel 12 / 9: above, but already long
  [12.6, 10, 10.2], // channel 13 / 10: inside
  [10.5, 9.6, 9.8], // channel 13 / 10: SELL
  [9.7, 9, 9.1], // channel 13 / 9.6: below, but already flat
  [13.5, 9, 13], // channel 12.6 / 9: BUY
]);

describe('breakout', () => {
  test('enters on a close above the channel and exits on a close below it', () => {
    expect(run(breakout, params, candles)).toEqual([
      { at: 4, symbol: 'BTC/USDT', action: 'BUY', reason: 'close 11.8 broke above the 3-candle high 11.5' },
      { at: 7, symbol: 'BTC/USDT', action: 'SELL', reason: 'close 9.8 broke below the 3-candle low 10' },
      { at: 9, symbol: 'BTC/USDT', action: 'BUY', reason: 'close 13 broke above the 3-candle high 12.6' },
    ]);
  });

  test('says nothing until lookback candles have been seen', () => {
    // With 5, candle 1 (10.5 over 10) and candle 4 (11.8 over 11.5) are too early; the first channel,
    // candles 0..4, tops at 12 and bottoms at 9.
    expect(run(breakout, { lookback: 5 }, candles).map(({ at, action }) => ({ at, action }))).toEqual([
      { at: 5, action: 'BUY' },
      { at: 8, action: 'SELL' }, // candles 3..7 bottom at 9.6
    ]);
  });

  test('keeps the channel of each symbol apart', () => {
    const other = bars('ETH/USDT', candles.map(() => [1000, 1, 500] as const));
    const signals = run(breakout, params, candles.flatMap((candle, i) => [other[i]!, candle]));
    expect(signals.map(({ at, symbol, action }) => ({ at, symbol, action }))).toEqual([
      { at: 9, symbol: 'BTC/USDT', action: 'BUY' },
      { at: 15, symbol: 'BTC/USDT', action: 'SELL' },
      { at: 19, symbol: 'BTC/USDT', action: 'BUY' },
    ]);
  });

  test('a restart from the snapshot at any candle gives the same signals as an uninterrupted run', () => {
    expectSameSignalsAfterAnyRestart(breakout, params, candles);
  });

  test('params default to a lookback of 20', () => {
    expect(breakout.params.parse({})).toEqual({ lookback: 20 });
  });

  test('bad params name the field', () => {
    expect(paramsIssue(breakout, { lookback: 0 }).path).toBe('lookback');
    expect(paramsIssue(breakout, { lookback: 1.5 }).path).toBe('lookback');
    expect(paramsIssue(breakout, { lookback: '20' }).path).toBe('lookback');
  });

  test('exposes the channel the next close is tested against, once lookback candles are in it, the same after a restart', () => {
    const after = indicatorsAfter(breakout, params, candles);
    expect(after.slice(0, 2)).toEqual([[], []]);
    expect(after.slice(2, 5)).toEqual([
      [{ name: 'high 3', value: 11 }, { name: 'low 3', value: 9 }],
      [{ name: 'high 3', value: 11.5 }, { name: 'low 3', value: 9 }],
      [{ name: 'high 3', value: 12 }, { name: 'low 3', value: 9 }],
    ]);
    expectSameIndicatorsAfterAnyRestart(breakout, params, candles);
  });
});
