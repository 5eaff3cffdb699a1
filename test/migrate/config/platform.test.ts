import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../../adapters/config/load.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import { buildPlatformConfig, type PlatformInput } from '../../../migrate/config/platform.js';
import { migrateStrategies } from '../../../migrate/config/strategies.js';
import { FIXTURE } from './fixtures.js';

const strategies = () => migrateStrategies(readFileSync(join(FIXTURE, 'strategies.yaml'), 'utf8'));
const telegram = { chatIds: [42], notifications: { trade_executed: false, error_alert: true, daily_report: true } };

function build(input: Partial<PlatformInput> = {}) {
  return buildPlatformConfig({ strategies: strategies(), paper: false, keyedExchanges: ['binance', 'bybit', 'okx'], ...input });
}

describe('buildPlatformConfig', () => {
  test('writes a config v3 loads, with comments on where each part came from', () => {
    const { yaml, lines, warnings } = build({ apiPort: 8000, telegram });
    const config = parseConfig(parse(yaml));
    expect(Object.keys(config.exchanges)).toEqual(['binance', 'bybit', 'okx']);
    expect(config.traders.map((t) => t.id)).toEqual(['sma_cross', 'rsi_revert', 'grid_btc']);
    expect(config.telegram).toMatchObject(telegram);
    expect(yaml).toMatch(/^# BOT Trading v3 platform config/);
    expect(yaml).toContain("# v2's telegram.yaml; the token is TELEGRAM_BOT_TOKEN in .env. v3's bot answers v2's commands\n# /start, /status, /balance, /positions, /stop under the same names, plus /help, /traders, /halt, /resume, /reviews.");
    expect(yaml).toContain('daily_report: true # v2 had no daily report switch');
    expect(yaml).toContain("# v2's WEB_PORT.");
    expect(warnings).toEqual([]);
    expect(lines).toContain('exchanges: binance, bybit, okx (ccxt, account "default" for every trader)');
  });

  test('leaves out the api and telegram sections v2 did not have', () => {
    const { yaml } = build();
    expect(Object.keys(parse(yaml))).toEqual(['exchanges', 'traders']);
  });

  test('writes decimals exactly as v2 did, which v3 reads exactly', () => {
    const [entry] = migrateStrategies('strategies:\n  - { strategy_name: sma_x, pairs: [BTCUSDT], exchange: binance, max_position_size: 1000.123456789, stop_loss_pct: 0.10 }\n');
    const { yaml } = build({ strategies: [entry!] });
    expect(yaml).toContain('max_position: 1000.123456789\n');
    expect(yaml).toContain('stop_loss: "0.10"\n');
    expect(parseConfig(parse(yaml)).traders[0]!.strategy!.risk_params).toMatchObject({ max_position: toFixed('1000.123456789', 'x'), stop_loss: toFixed('0.1', 'x') });
  });

  test('flags a live exchange with no keys', () => {
    const { warnings } = build({ keyedExchanges: ['binance', 'okx'] });
    expect(warnings).toEqual(["bybit: no BYBIT_API_KEY and BYBIT_API_SECRET in v2's .env, so its traders cannot place orders until BOTV3_BYBIT_DEFAULT_API_KEY and _SECRET are set"]);
  });

  test('on paper, flags symbols the paper exchange does not list, and needs no keys', () => {
    const [entry] = migrateStrategies('strategies:\n  - { strategy_name: breakout_ada, pairs: [ADAUSDT, BTCUSDT], exchange: kucoin }\n');
    const { yaml, warnings } = build({ strategies: [entry!], paper: true, keyedExchanges: [] });
    expect(parseConfig(parse(yaml)).traders[0]!.exchange).toBe('paper');
    expect(warnings).toEqual(['trader breakout_ada: the paper exchange does not list ADA/USDT (it lists BTC/USDT, ETH/USDT, SOL/USDT, XRP/USDT, BNB/USDT, DOGE/USDT)']);
  });
});
