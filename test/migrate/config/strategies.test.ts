import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { migrateStrategies } from '../../../migrate/config/strategies.js';
import { MigrationError } from '../../../migrate/errors.js';
import { FIXTURE } from './fixtures.js';

function failure(text: string): MigrationError {
  try {
    migrateStrategies(text);
  } catch (error) {
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('ERR_V2_CONFIG');
    return error as MigrationError;
  }
  throw new Error('expected migrateStrategies to fail');
}

/** One v2 strategy entry with `extra` lines added to it. */
const entry = (extra = '', name = 'sma_cross') => `strategies:\n  - strategy_name: ${name}\n    pairs: [BTCUSDT]\n    exchange: binance\n${extra}`;

describe('migrateStrategies', () => {
  test('maps the fixture to v3 strategy entries', () => {
    expect(migrateStrategies(readFileSync(join(FIXTURE, 'strategies.yaml'), 'utf8'))).toEqual([
      {
        id: 'sma_cross',
        exchange: 'binance',
        strategy: { name: 'sma_cross', type: 'sma_crossover', symbols: ['BTC/USDT', 'ETH/USDT'], timeframe: '15m', params: { fast: 10, slow: 30 }, risk_params: { max_position: 1000, stop_loss: 0.02 } },
      },
      {
        id: 'rsi_revert',
        exchange: 'bybit',
        strategy: {
          name: 'rsi_revert',
          type: 'rsi_reversion',
          symbols: ['XRP/USDT'],
          timeframe: '5m',
          params: { period: 14, oversold: 30, overbought: 70 },
          risk_params: { max_position: 500, stop_loss: 0.015 },
        },
      },
      {
        id: 'grid_btc',
        exchange: 'okx',
        strategy: { name: 'grid_btc', type: 'grid', symbols: ['BTC/USDT'], timeframe: '1m', params: { levels: 10, spacing_pct: 0.5 }, risk_params: { max_position: 2000, stop_loss: 0.05 } },
      },
    ]);
  });

  test('keeps decimals as v2 wrote them: the text where a number would not keep it', () => {
    const [migrated] = migrateStrategies(entry('    max_position_size: 12345.678901234\n    stop_loss_pct: 0.10\n'));
    expect(migrated!.strategy.risk_params).toEqual({ max_position: 12345.678901234, stop_loss: '0.10' });
    const [quoted] = migrateStrategies(entry('    max_position_size: "1500.50"\n    stop_loss_pct: 2e-2\n'));
    expect(quoted!.strategy.risk_params).toEqual({ max_position: '1500.50', stop_loss: '2e-2' });
  });

  test('reads what v2 left out as v3 defaults it: no risk params, no params, a 1m timeframe', () => {
    const [migrated] = migrateStrategies(entry());
    expect(migrated!.strategy).toEqual({ name: 'sma_cross', type: 'sma_crossover', symbols: ['BTC/USDT'], timeframe: '1m' });
  });

  test('reads merge keys as v2 did, and exchange names in any case', () => {
    const text = 'strategies:\n  - &first { strategy_name: breakout_eth, pairs: [eth_usdt], exchange: Binance, interval: 1h }\n  - { <<: *first, strategy_name: breakout_sol, pairs: [SOL-USDT] }\n';
    expect(migrateStrategies(text)[1]).toEqual({ id: 'breakout_sol', exchange: 'binance', strategy: { name: 'breakout_sol', type: 'breakout', symbols: ['SOL/USDT'], timeframe: '1h' } });
  });

  test.each([
    ['bad YAML', 'strategies:\n  - strategy_name: sma\n    pairs: [BTCUSDT\n', 'strategies.yaml: not valid YAML at line 4, column 1 (BAD_INDENT)'],
    ['an unknown timeframe', entry('    interval: 7x\n'), 'strategies.yaml: strategies[0].interval: must be a timeframe such as 1m, 15m, 1h or 1d'],
    ['a pair with a space', entry().replace('[BTCUSDT]', '[ETHUSDT, BTC USDT]'), 'strategies.yaml: strategies[0].pairs[1]: "BTC USDT" is not a symbol such as BTC/USDT'],
    ['no pairs', entry().replace('[BTCUSDT]', '[]'), 'strategies.yaml: strategies[0].pairs: Too small: expected array to have >=1 items'],
    ['an id with a space', entry('', '"sma cross"'), 'strategies.yaml: strategies[0].strategy_name: cannot be a v3 trader id: use 1 to 48 letters, digits, _ and -'],
    ['an id too long', entry('', `sma_${'x'.repeat(45)}`), 'strategies.yaml: strategies[0].strategy_name: cannot be a v3 trader id: use 1 to 48 letters, digits, _ and -'],
    [
      'a name with no strategy type',
      entry('', 'momentum'),
      'strategies.yaml: strategies[0].strategy_name: cannot tell the strategy type of "momentum": v3 infers it from the name (sma_cross -> sma_crossover); types: sma_crossover, rsi_reversion, grid, breakout',
    ],
    ['an exchange v3 does not trade on', entry().replace('binance', 'kraken'), 'strategies.yaml: strategies[0].exchange: must name an exchange v3 trades on: binance, bybit, okx, bitget, gate, kucoin, htx, kucoinfutures'],
    ['no exchange', entry().replace('    exchange: binance\n', ''), 'strategies.yaml: strategies[0].exchange: must name an exchange v3 trades on: binance, bybit, okx, bitget, gate, kucoin, htx, kucoinfutures'],
    ['a stop loss in percent', entry('    stop_loss_pct: 2\n'), 'strategies.yaml: strategies[0].stop_loss_pct: must be a fraction between 0 and 1 (0.02 = 2 %)'],
    ['a negative position size', entry('    max_position_size: -5\n'), 'strategies.yaml: strategies[0].max_position_size: must be positive'],
    ['params the strategy refuses', entry('    params: { fast: 30, slow: 10 }\n'), 'strategies.yaml: strategies[0].params.fast: fast must be less than slow'],
    ['a field v3 has no place for', entry('    take_profit_pct: 0.1\n'), 'strategies.yaml: strategies[0].take_profit_pct: unknown field: v3 has no place for it (remove it to migrate)'],
    ['a name used twice', `${entry()}  - { strategy_name: sma_cross, pairs: [ETHUSDT], exchange: okx }\n`, 'strategies.yaml: strategies[1].strategy_name: "sma_cross" is also the name of strategies[0], and trader ids must be unique'],
    ['no strategies', 'strategies: []\n', 'strategies.yaml: strategies: expected at least one strategy'],
    ['an empty file', '', 'strategies.yaml: strategies: Invalid input: expected array, received undefined'],
  ])('%s is an error naming the field', (_what, text, message) => {
    expect(failure(text).message).toBe(message);
  });
});
