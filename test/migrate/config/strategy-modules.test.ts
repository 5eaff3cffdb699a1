import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadStrategyModule } from '../../../actors/strategies/load.js';
import { portStrategies } from '../../../migrate/config/strategy-modules.js';
import { botv3, CLI_TEST } from '../../helpers/cli.js';

const V2_STRATEGIES = `strategies:
  - strategy_name: sma_cross
    pairs: [BTCUSDT]
    exchange: binance
    interval: 15m
    params: { fast: 10, slow: 30 }
  - strategy_name: momentum_alpha
    pairs: [ETH-USDT, BTCUSDT]
    exchange: bybit
    interval: 5m
    max_position_size: 500
    stop_loss_pct: 0.015
    params: { lookback: 20, threshold: 0.5, mode: fast }
`;

/** Generated modules import bot-trading-v3/strategy, which resolves inside the package: their folder is under it, as a user's is. */
const scratch = () => {
  const dir = join(fileURLToPath(new URL('../../../', import.meta.url)), '.scratch');
  mkdirSync(dir, { recursive: true });
  return mkdtempSync(join(dir, 'ported-'));
};

function v2Dir(text = V2_STRATEGIES): string {
  const dir = mkdtempSync(join(tmpdir(), 'v2-'));
  writeFileSync(join(dir, 'strategies.yaml'), text);
  return dir;
}

describe('botv3 migrate strategies', CLI_TEST, () => {
  test('built-ins become config entries; any other a module from the template, reported by check until ported', async () => {
    const out = scratch();
    const result = await portStrategies({ from: v2Dir(), out, paper: true });
    expect(result.lines).toEqual(['sma_cross: built-in sma_crossover', 'momentum_alpha: not a built-in, written as ./strategies/momentum_alpha.ts for its logic to be ported']);
    const config = await readFile(join(out, 'botv3.yaml'), 'utf8');
    expect(config).toContain('module: ./strategies/momentum_alpha.ts');
    expect(config).toMatch(/symbols:\s*\n\s*- ETH\/USDT\s*\n\s*- BTC\/USDT/);

    const module = join(out, 'strategies', 'momentum_alpha.ts');
    const definition = await loadStrategyModule(module);
    expect(definition).toMatchObject({ type: 'momentum_alpha', notPorted: expect.stringContaining('analyze(market_data)') });
    expect(definition.params.parse({})).toEqual({ lookback: 20, threshold: 0.5, mode: 'fast' });

    const env = { ...process.env, DATABASE_URL: '', BOTV3_DATA_DIR: mkdtempSync(join(tmpdir(), 'data-')) };
    const file = join(out, 'botv3.yaml');
    expect((await botv3(['check', file], { env })).stdout).toBe(
      `${file}: valid, 2 trader(s): sma_cross, momentum_alpha\n${file}: traders[1].strategy.module: ${module} is not yet ported: analyze(market_data) from v2 is still to be written as onCandle\n`,
    );
    // Ported: the marker goes, and so does the report.
    await writeFile(module, (await readFile(module, 'utf8')).replace(/^ {2}notPorted: .*\n/m, ''));
    expect((await botv3(['check', file], { env })).stdout).toBe(`${file}: valid, 2 trader(s): sma_cross, momentum_alpha\n`);
  });

  test('files already there are refused, and nothing is written', async () => {
    const out = scratch();
    await portStrategies({ from: v2Dir(), out, paper: true });
    const before = await readFile(join(out, 'botv3.yaml'), 'utf8');
    await expect(portStrategies({ from: v2Dir(V2_STRATEGIES.replace('fast: 10', 'fast: 12')), out, paper: true })).rejects.toMatchObject({ code: 'ERR_MIGRATION_TARGET' });
    expect(await readFile(join(out, 'botv3.yaml'), 'utf8')).toBe(before);
  });

  test('a bad entry of a module strategy names v2’s field', async () => {
    await expect(portStrategies({ from: v2Dir(V2_STRATEGIES.replace('[ETH-USDT, BTCUSDT]', '[ETH USDT]')), out: scratch() })).rejects.toMatchObject({
      code: 'ERR_V2_CONFIG',
      message: expect.stringContaining('strategies.yaml: strategies[1].pairs[0]'),
    });
  });
});
