import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { emptyRsi, perSymbolStrategy, rsiPush } from '../../../actors/strategies/indicators.js';
import { TradingError } from '../../../actors/trading/errors.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import { bars } from './run.js';

const f = (value: number | string) => toFixed(value, 'value');

describe('rsi', () => {
  test("Wilder's smoothing after a plain-average seed", () => {
    const rsi = emptyRsi(2);
    const values = [10, 11, 12, 11, 10, 9, 10, 11].map((close) => rsiPush(rsi, f(close)));
    expect(values).toEqual([undefined, undefined, 100, 50, 25, 12.5, 56.25, 78.125]);
    expect(rsiPush(rsi, f(12))).toBeCloseTo(89.0625, 12);
    expect(rsiPush(rsi, f(9))).toBeCloseTo(22.265625, 12);
  });

  test('a flat series is 50, one only rising 100, one only falling 0', () => {
    const run = (closes: number[]) => {
      const rsi = emptyRsi(3);
      return closes.map((close) => rsiPush(rsi, f(close))).at(-1);
    };
    expect(run([5, 5, 5, 5, 5])).toBe(50);
    expect(run([1, 2, 3, 4, 5])).toBe(100);
    expect(run([5, 4, 3, 2, 1])).toBe(0);
  });
});

describe('perSymbolStrategy', () => {
  const counter = (snapshot: unknown) =>
    perSymbolStrategy({
      state: z.object({ count: z.number().int() }),
      snapshot,
      init: () => ({ count: 0 }),
      onCandle(state, candle) {
        state.count++;
        return [{ symbol: candle.symbol, action: 'BUY', reason: `candle ${state.count}` }];
      },
    });

  test('one state per symbol, resumed from the snapshot', () => {
    const strategy = counter(undefined);
    for (const candle of [...bars('A/USDT', [1, 2]), ...bars('B/USDT', [1])]) strategy.onCandle!(candle);
    expect(strategy.snapshot()).toEqual({ 'A/USDT': { count: 2 }, 'B/USDT': { count: 1 } });
    const resumed = counter(strategy.snapshot());
    expect(resumed.onCandle!(bars('A/USDT', [3])[0]!)).toEqual([{ symbol: 'A/USDT', action: 'BUY', reason: 'candle 3' }]);
    expect(counter(null).snapshot()).toEqual({});
  });

  test('the snapshot is a copy', () => {
    const strategy = counter(undefined);
    const candle = bars('A/USDT', [1])[0]!;
    strategy.onCandle!(candle);
    const snapshot = strategy.snapshot() as Record<string, { count: number }>;
    strategy.onCandle!(candle);
    expect(snapshot['A/USDT']!.count).toBe(1);
    snapshot['A/USDT']!.count = 100;
    expect(strategy.onCandle!(candle)[0]!.reason).toBe('candle 3');
  });

  test('refuses a snapshot that does not fit, naming where', () => {
    try {
      counter({ 'A/USDT': { count: 'x' } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(TradingError);
      expect(error).toMatchObject({ code: 'ERR_INVALID_CONFIG', field: 'snapshot' });
      expect((error as Error).message).toMatch(/^snapshot: cannot resume, A\/USDT\.count: /);
    }
    expect(() => counter([1, 2])).toThrow(TradingError);
  });
});
