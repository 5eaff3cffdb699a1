import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parseConfig, parseTrader } from '../../../adapters/config/load.js';
import { loadedStrategy, resolveStrategies } from '../../../adapters/config/strategies.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

function config(strategy: object) {
  return parseConfig({ traders: [{ id: 'mine', strategy: { name: 'trend', symbols: ['BTC/USDT'], ...strategy } }] });
}

describe('strategy modules in a config', () => {
  test('a module path is resolved from the config file’s folder, and its params take their defaults', async () => {
    const c = config({ module: './strategies/sma-trend.ts' });
    await resolveStrategies(c, FIXTURES, 'bot.yaml');
    const strategy = c.traders[0]!.strategy as { module: string; type: string; params: unknown };
    expect(strategy).toMatchObject({ module: join(FIXTURES, 'strategies/sma-trend.ts'), type: 'sma_trend', params: { period: 20 } });
    expect(loadedStrategy(strategy.module)?.description).toMatch(/SMA/);
  });

  test('params the module’s schema refuses name the field, the module and the config file', async () => {
    const c = config({ module: './strategies/sma-trend.ts', params: { period: 1 } });
    await expect(resolveStrategies(c, FIXTURES, 'bot.yaml')).rejects.toMatchObject({
      code: 'ERR_INVALID_CONFIG',
      field: 'traders[0].strategy.params.period',
      message: expect.stringMatching(/sma-trend\.ts, in bot\.yaml/),
    });
    const typo = config({ module: './strategies/sma-trend.ts', params: { perod: 5 } });
    await expect(resolveStrategies(typo, FIXTURES, 'bot.yaml')).rejects.toMatchObject({ field: 'traders[0].strategy.params.perod', message: expect.stringContaining('unknown field') });
  });

  test('a module that does not load stops the config with the trader’s field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strategies-'));
    writeFileSync(join(dir, 'bad.ts'), 'export default 42;');
    await expect(resolveStrategies(config({ module: 'bad.ts' }), dir, 'bot.yaml')).rejects.toMatchObject({
      field: 'traders[0].strategy.module',
      message: expect.stringContaining(join(dir, 'bad.ts')),
    });
  });

  test('the API cannot name a module: it would run code from a path it was sent', () => {
    expect(() => parseTrader({ id: 'x', strategy: { name: 'x', module: '/tmp/evil.js', symbols: ['BTC/USDT'] } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_CONFIG', field: 'strategy.module' }),
    );
  });
});
