import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import {
  compareSma,
  emptyRsi,
  emptySma,
  emptyWindow,
  highest,
  lowest,
  perSymbolStrategy,
  rsiPush,
  smaPush,
  smaSchema,
  windowFull,
  windowPush,
} from '../../../actors/strategies/indicators.js';
import { TradingError } from '../../../actors/trading/errors.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import { bars } from './run.js';

const f = (value: number | string) => toFixed(value, 'value');

describe('window', () => {
  test('keeps the last size values, evicting the oldest first', () => {
    const window = emptyWindow(3);
    expect([1, 2, 3].map((v) => windowPush(window, f(v)))).toEqual([undefined, undefined, undefined]);
    expect(windowFull(window)).toBe(true);
    expect([4, 5, 6, 7].map((v) => windowPush(window, f(v)))).toEqual([f(1), f(2), f(3), f(4)]);
    expect([highest(window), lowest(window)]).toEqual([f(7), f(5)]);
  });

  test('an empty window has no highest or lowest', () => {
    expect([highest(emptyWindow(2)), lowest(emptyWindow(2))]).toEqual([undefined, undefined]);
  });
});

describe('sma', () => {
  test('is defined once a full period has been seen', () => {
    const sma = emptySma(3);
    expect([1, 2, 3, 4].map((v) => smaPush(sma, f(v)))).toEqual([false, false, true, true]);
    expect(sma.sum).toBe(f(9));
  });

  test('the running sum never drifts', () => {
    const sma = emptySma(3);
    for (let i = 0; i < 10_000; i++) smaPush(sma, f('0.1'));
    expect(sma.sum).toBe(f('0.3'));
  });

  test('compares averages exactly, beyond the 9th decimal', () => {
    // (0 + 0 + 1e-9) / 3 is 0.333...e-9: it rounds to 0 but is still above an average of 0.
    const three = emptySma(3);
    for (const v of [0n, 0n, 1n]) smaPush(three, v);
    const one = emptySma(1);
    smaPush(one, 0n);
    expect(compareSma(three, one)).toBe(1);
    expect(compareSma(one, three)).toBe(-1);
    smaPush(one, 1n);
    expect(compareSma(three, one)).toBe(-1);
    const equal = emptySma(2);
    for (const v of [f(1), f(3)]) smaPush(equal, v);
    const other = emptySma(4);
    for (const v of [f(2), f(2), f(1), f(3)]) smaPush(other, v);
    expect(compareSma(equal, other)).toBe(0);
  });
});

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

  test('an SMA state schema refuses another period', () => {
    const state = emptySma(3);
    expect(smaSchema(3).safeParse(state).success).toBe(true);
    expect(smaSchema(4).safeParse(state).error?.issues[0]?.message).toBe('snapshot was taken with a window of another size, not 4');
  });
});
