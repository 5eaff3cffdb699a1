import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { isWellFormedSignal, signalShape } from '../../../actors/strategies/driver.js';
import { defineStrategy } from '../../../actors/strategies/strategy.js';
import { bars, drive } from './run.js';

/** A strategy that returns whatever the test put in `out` for each candle, or throws it. */
function scripted(out: unknown) {
  return defineStrategy({
    type: 'scripted',
    description: '',
    params: z.strictObject({}),
    create: () => ({
      onCandle: () => {
        if (out instanceof Error) throw out;
        return out as never;
      },
    }),
  });
}

const [candle] = bars('BTC/USDT', [100]);

describe('StrategyDriver', () => {
  test('malformed signals are reported by field, the good ones beside them go on', () => {
    const { signals, malformed } = drive(
      scripted([
        { symbol: 'BTC/USDT', action: 'BUY', reason: 'good' },
        { symbol: 'BTC/USDT', action: 'HODL', reason: 'bad action' },
        { symbol: 'BTC/USDT', action: 'SELL' },
        { symbol: 'BTC/USDT', action: 'SELL', reason: 'r', price: 5 },
        { symbol: 'BTC/USDT', action: 'CLOSE', reason: 'r', leverage: 3n },
        'not an object',
      ]),
      {},
    ).onCandle(candle!, { position: () => 0n, mark: () => undefined });
    expect(signals).toEqual([{ symbol: 'BTC/USDT', action: 'BUY', reason: 'good' }]);
    expect(malformed.map((m) => m.field)).toEqual([
      'strategy.signals[1].action',
      'strategy.signals[2].reason',
      'strategy.signals[3].price',
      'strategy.signals[4].leverage',
      'strategy.signals[5]',
    ]);
    for (const m of malformed) expect(m.reason).toMatch(/^strategy test: /);
  });

  test('the quick check of a signal takes exactly what its schema takes', () => {
    // Each field right, wrong or missing, and now and then a field the schema does not know.
    const field = <T,>(good: fc.Arbitrary<T>) => fc.option(fc.oneof(good, fc.anything()), { nil: undefined });
    const amount = fc.oneof(fc.bigInt({ min: -2n, max: 2n }), fc.bigInt({ min: 1n, max: 10n ** 12n }));
    const shaped = fc.record(
      {
        symbol: field(fc.constantFrom('BTC/USDT', '')),
        action: field(fc.constantFrom('BUY', 'SELL', 'CLOSE', 'buy')),
        price: field(amount),
        quantity: field(amount),
        reason: field(fc.constantFrom('cross', '')),
        leverage: fc.constant(3),
      },
      { requiredKeys: ['symbol', 'action', 'reason'] },
    );
    fc.assert(
      fc.property(fc.oneof(shaped, fc.anything()), (value) => {
        expect(isWellFormedSignal(value)).toBe(signalShape.safeParse(value).success);
      }),
      { numRuns: 5_000 },
    );
  });

  test('a return that is not an array is reported; returning nothing is no signal', () => {
    const context = { position: () => 0n, mark: () => undefined };
    expect(drive(scripted(undefined), {}).onCandle(candle!, context)).toEqual({ signals: [], malformed: [] });
    expect(drive(scripted({ action: 'BUY' }), {}).onCandle(candle!, context).malformed).toEqual([
      { field: 'strategy.signals', reason: 'strategy test: onCandle must return an array of signals, got object' },
    ]);
  });

  test('a strategy that throws fails with ERR_STRATEGY naming its file and the candle', () => {
    expect(() => drive(scripted(new Error('division by zero')), {}).onCandle(candle!, { position: () => 0n, mark: () => undefined })).toThrow(
      expect.objectContaining({ code: 'ERR_STRATEGY', message: expect.stringMatching(/^strategy test: onCandle threw on the BTC\/USDT 1m candle of .+: division by zero$/) }),
    );
  });

  test('params its schema refuses name the field', () => {
    const strict = defineStrategy({ type: 's', description: '', params: z.strictObject({ period: z.number().int() }), create: () => ({}) });
    expect(() => drive(strict, { period: 1.5 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG', field: 'strategy.params.period' }));
  });

  test('a warm-up that is not a whole number of candles is refused', () => {
    const bad = defineStrategy({ type: 's', description: '', params: z.strictObject({}), warmup: () => -1, create: () => ({}) });
    expect(() => drive(bad, {})).toThrow(expect.objectContaining({ code: 'ERR_STRATEGY', message: expect.stringContaining('warmup must return a whole number') }));
  });

  test('the strategy sees the trader’s position', () => {
    const seen: bigint[] = [];
    const watcher = defineStrategy({
      type: 'w',
      description: '',
      params: z.strictObject({}),
      create: () => ({ onCandle: (c, trader) => void seen.push(trader.position(c.symbol)) }),
    });
    const driver = drive(watcher, {});
    driver.onCandle(candle!, { position: () => 0n, mark: () => undefined });
    driver.onCandle(candle!, { position: () => 7n, mark: () => undefined });
    expect(seen).toEqual([0n, 7n]);
  });

  test('indicators: the well-formed ones, copied; none from a strategy without them or whose indicators() throws', () => {
    const exposing = (indicators: () => unknown) =>
      defineStrategy({ type: 'exposing', description: '', params: z.strictObject({}), create: () => ({ onCandle: () => [], indicators: indicators as never }) });
    const returned = [{ name: 'a', value: 1 }, { name: 'b', value: Number.NaN }, { name: '', value: 2 }, { value: 3 }, null, { name: 'c', value: 4, pane: 'own', extra: true }, { name: 'd', value: 5, pane: 'price' }];
    const driver = drive(exposing(() => returned), {});
    expect(driver.indicators('BTC/USDT')).toEqual([{ name: 'a', value: 1 }, { name: 'c', value: 4, pane: 'own' }, { name: 'd', value: 5 }]);
    expect(driver.indicators('BTC/USDT')[0]).not.toBe(returned[0]);
    expect(drive(exposing(() => 'lines'), {}).indicators('BTC/USDT')).toEqual([]);
    expect(drive(exposing(() => { throw new Error('no'); }), {}).indicators('BTC/USDT')).toEqual([]);
    expect(drive(scripted([]), {}).indicators('BTC/USDT')).toEqual([]);
  });
});
