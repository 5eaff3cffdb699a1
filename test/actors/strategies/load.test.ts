import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadStrategyModule, strategyDefinition } from '../../../actors/strategies/load.js';
import { smaCrossover } from '../../../actors/strategies/sma-crossover.js';
import { bars, expectSameSignalsAfterAnyRestart, run } from './run.js';

const SMA_TREND = fileURLToPath(new URL('../../fixtures/strategies/sma-trend.ts', import.meta.url));

/** A module file with `source`, in a folder of its own. */
function moduleFile(name: string, source: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'strategy-')), name);
  writeFileSync(file, source);
  return file;
}

describe('strategy modules', () => {
  test('a TypeScript module importing bot-trading-v3/strategy and trading-signals loads and trades', async () => {
    const definition = await loadStrategyModule(SMA_TREND);
    expect(definition.type).toBe('sma_trend');
    expect(definition.warmup?.({ period: 3 })).toBe(3);
    const signals = run(definition, { period: 3 }, bars('BTC/USDT', [10, 10, 10, 12, 13, 9, 8]));
    // Flat (the test trader never holds), so each close above the SMA is a BUY; none before the SMA is stable.
    expect(signals.map((s) => [s.at, s.action])).toEqual([
      [3, 'BUY'],
      [4, 'BUY'],
    ]);
  });

  test('a strategy without snapshot() resumes by replaying its warm-up candles, the same as an uninterrupted run', async () => {
    const definition = await loadStrategyModule(SMA_TREND);
    expectSameSignalsAfterAnyRestart(definition, { period: 3 }, bars('BTC/USDT', [10, 11, 9, 12, 13, 9, 8, 14, 15, 7, 16]));
  });

  test('a built-in is found by type, a module by its file', async () => {
    await expect(strategyDefinition({ type: 'sma_crossover', name: 's', timeframe: '1m', params: {} })).resolves.toBe(smaCrossover);
    await expect(strategyDefinition({ type: 'x', name: 's', timeframe: '1m', params: {}, module: SMA_TREND })).resolves.toMatchObject({ type: 'sma_trend' });
    await expect(strategyDefinition({ type: 'nope', name: 's', timeframe: '1m', params: {} })).rejects.toMatchObject({ field: 'strategy.type' });
  });

  test.each([
    ['a missing file', () => join(tmpdir(), 'no-such-strategy.ts'), /cannot be loaded/],
    ['a syntax error', () => moduleFile('broken.ts', 'export default {'), /cannot be loaded/],
    ['a module that throws as it loads', () => moduleFile('throws.js', 'throw new Error("boom at load")'), /boom at load/],
    ['no default export', () => moduleFile('named.ts', 'export const strategy = 1;'), /no default export/],
    ['a default export without create', () => moduleFile('no-create.ts', 'export default { type: "x", params: { safeParse() {} } };'), /field "create" must be a function/],
    ['params that are not a schema', () => moduleFile('no-params.ts', 'export default { type: "x", params: {}, create() {} };'), /field "params" must be a zod schema/],
  ])('%s is an error naming the file', async (_what, file, message) => {
    const path = file();
    const error = await loadStrategyModule(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ERR_INVALID_CONFIG', field: 'strategy.module', message: expect.stringMatching(message) });
    expect((error as Error).message).toContain(path);
  });
});
