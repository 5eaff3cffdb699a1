import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DEMO_CONFIG } from '../../../adapters/config/demo.js';
import { loadConfig, parseConfig } from '../../../adapters/config/load.js';
import { fx, tradingError } from '../../helpers/trading.js';

const sma = { name: 'sma_crossover', symbols: ['BTC/USDT'], params: { fast: 5, slow: 20 } };
const withStrategy = (strategy: unknown, trader: Record<string, unknown> = {}) => ({ traders: [{ id: 'a', strategy, ...trader }] });

/** The ERR_INVALID_CONFIG that `input` gives; its field and message. */
function configError(input: unknown) {
  const error = tradingError(() => parseConfig(input, 'bots.yaml'), 'ERR_INVALID_CONFIG');
  return { field: error.field, detail: error.detail };
}

describe('parseConfig', () => {
  test('a minimal config gets the defaults', () => {
    const config = parseConfig({ traders: [{ id: 'solo', symbols: ['btcusdt'] }] });
    expect(config.exchanges).toEqual({ paper: { type: 'paper', seed: 1, timeframe: '1m', candleIntervalMs: 250, latencyMs: 0, dedupeWindow: 65_536, fills: 'book', slippageBps: 0, lockstep: false } });
    expect(config.risk).toEqual({ portfolio: {} });
    expect(config.traders[0]).toEqual({
      id: 'solo',
      symbols: ['BTC/USDT'],
      balances: { USDT: fx('10000') },
      orderNotional: fx('100'),
      review: { all: false, newSymbols: false, afterLosses: 0, sample: 0, timeoutMs: 30_000, onFailure: 'reject' },
      limits: {},
      monitor: {},
      dedupeWindow: 32_768,
      reportMs: 250,
    });
  });

  test('a v3 strategy: the type inferred from the name, decimals read exactly', () => {
    const config = parseConfig(withStrategy({ ...sma, name: 'sma_fast', timeframe: '15m', risk_params: { max_position: '2500.5', stop_loss: 0.01, take_profit: 0.02 } }));
    expect(config.traders[0]!.strategy).toEqual({
      name: 'sma_fast',
      type: 'sma_crossover',
      symbols: ['BTC/USDT'],
      timeframe: '15m',
      params: { fast: 5, slow: 20 },
      risk_params: { max_position: fx('2500.5'), stop_loss: fx('0.01'), take_profit: fx('0.02') },
    });
  });

  test('a v2 strategy is mapped field by field to the v3 shape', () => {
    const v2 = { strategy_name: 'sma_cross', pairs: ['BTCUSDT', 'eth-usdt'], exchange: 'paper', interval: '5m', max_position_size: 5000, stop_loss_pct: 0.02, params: { fast: 3, slow: 9 } };
    expect(parseConfig(withStrategy(v2)).traders[0]!.strategy).toEqual({
      name: 'sma_cross',
      type: 'sma_crossover',
      symbols: ['BTC/USDT', 'ETH/USDT'],
      timeframe: '5m',
      params: { fast: 3, slow: 9 },
      risk_params: { max_position: fx('5000'), stop_loss: fx('0.02'), take_profit: undefined },
      v2Exchange: 'paper',
    });
  });

  test('review: never and always are short for a policy; a policy keeps its rules', () => {
    const [never, always, policy] = parseConfig({ traders: [{ id: 'a', review: 'never' }, { id: 'b', review: 'always' }, { id: 'c', review: { above: '2500.5', newSymbols: true, onFailure: 'pass' } }] }).traders.map((t) => t.review);
    expect(never).toMatchObject({ all: false, sample: 0 });
    expect(always).toMatchObject({ all: true, onFailure: 'reject', timeoutMs: 30_000 });
    expect(policy).toMatchObject({ all: false, above: fx('2500.5'), newSymbols: true, onFailure: 'pass' });
  });

  test('the demo config stays valid', () => {
    expect(parseConfig(DEMO_CONFIG).traders.map((t) => t.strategy?.type)).toEqual(['sma_crossover', 'rsi_reversion', 'grid', 'breakout']);
  });

  test.each<[string, unknown, string, RegExp]>([
    ['strategy params', withStrategy({ ...sma, params: { fast: 30, slow: 20 } }), 'traders[0].strategy.params.fast', /^fast must be less than slow/],
    ['an unknown strategy type', withStrategy({ ...sma, name: 'moon' }), 'traders[0].strategy.type', /cannot tell the strategy type of "moon"/],
    ['a v3 symbol', withStrategy({ ...sma, symbols: ['BTC/USDT', 'BTC'] }), 'traders[0].strategy.symbols[1]', /"BTC" is not a symbol/],
    ['a v3 timeframe', withStrategy({ ...sma, timeframe: '7x' }), 'traders[0].strategy.timeframe', /must be a timeframe/],
    ['a v3 stop-loss above 1', withStrategy({ ...sma, risk_params: { stop_loss: 2 } }), 'traders[0].strategy.risk_params.stop_loss', /must be a fraction/],
    // v2 entries report their own field names, not "neither format".
    ['a v2 stop_loss_pct above 1', withStrategy({ strategy_name: 'sma_x', pairs: ['BTCUSDT'], stop_loss_pct: 2 }), 'traders[0].strategy.stop_loss_pct', /must be a fraction/],
    ['a v2 interval', withStrategy({ strategy_name: 'sma_x', pairs: ['BTCUSDT'], interval: 'daily' }), 'traders[0].strategy.interval', /must be a timeframe/],
    ['a v2 pair', withStrategy({ strategy_name: 'sma_x', pairs: ['BTC'] }), 'traders[0].strategy.pairs[0]', /"BTC" is not a symbol/],
    ['a v2 max_position_size', withStrategy({ strategy_name: 'sma_x', pairs: ['BTCUSDT'], max_position_size: -5 }), 'traders[0].strategy.max_position_size', /must be positive/],
    ['a strategy that is not an object', withStrategy('sma'), 'traders[0].strategy', /expected object/],
    ['a decimal', { traders: [{ id: 'a' }, { id: 'b', orderNotional: 'lots' }] }, 'traders[1].orderNotional', /"lots" is not a decimal number/],
    ['a balance', { traders: [{ id: 'a', balances: { USDT: '1e999' } }] }, 'traders[0].balances.USDT', /out of range/],
    ['a limit', { traders: [{ id: 'a', limits: { maxOpenOrders: 0 } }] }, 'traders[0].limits.maxOpenOrders', /./],
    ['a trader id', { traders: [{ id: 'has space' }] }, 'traders[0].id', /use 1 to 48 letters/],
    ['no traders', { traders: [] }, 'traders', /./],
    ['a portfolio limit', { risk: { portfolio: { maxDrawdown: 1.5 } }, traders: [{ id: 'a' }] }, 'risk.portfolio.maxDrawdown', /must be a fraction/],
    ['an exchange type', { exchanges: { paper: { type: 'binance' } }, traders: [{ id: 'a' }] }, 'exchanges.paper.type', /./],
    ['a review sample', { traders: [{ id: 'a', review: { sample: 1.5 } }] }, 'traders[0].review.sample', /<=1/],
    ['a review failure policy', { traders: [{ id: 'a', review: { onFailure: 'maybe' } }] }, 'traders[0].review.onFailure', /reject.*pass/],
    ['the AI reviewers', { traders: [{ id: 'a' }], ai: { reviewers: [{ prompt: 'risk', model: 'm' }] } }, 'ai.reviewers', /2/],
    ['the AI reviewer kind', { traders: [{ id: 'a' }], ai: { reviewer: 'gpt' } }, 'ai.reviewer', /auto.*claude.*offline/],
    ['the AI breaker', { traders: [{ id: 'a' }], ai: { breaker: { failureRate: 0 } } }, 'ai.breaker.failureRate', /0/],
    ['a Telegram token', { traders: [{ id: 'a' }], telegram: { token: 'secret' } }, 'telegram.token', /must be a bot token/],
    ['a Telegram chat id', { traders: [{ id: 'a' }], telegram: { chatIds: ['@ops'] } }, 'telegram.chatIds[0]', /number/],
    ['the daily report time', { traders: [{ id: 'a' }], telegram: { dailyReportAt: '25:00' } }, 'telegram.dailyReportAt', /UTC time such as 20:00/],
    ['an alert notifier', { traders: [{ id: 'a' }], alerts: { actions: { page_oncall: ['pager'] } } }, 'alerts.actions.page_oncall[0]', /./],
    ['a cluster fence at the lease TTL', { traders: [{ id: 'a' }], cluster: { leaseTtlMs: 2_000, fenceAfterMs: 2_000 } }, 'cluster.fenceAfterMs', /below leaseTtlMs/],
    ['cluster renewals too rare to fence', { traders: [{ id: 'a' }], cluster: { renewMs: 500, fenceAfterMs: 1_200 } }, 'cluster.renewMs', /a third of fenceAfterMs/],
    ['a cluster name', { traders: [{ id: 'a' }], cluster: { name: 'a.b' } }, 'cluster.name', /letters, digits/],
  ])('an error names the field: %s', (_, input, field, detail) => {
    const error = configError(input);
    expect(error.field).toBe(field);
    expect(error.detail).toMatch(detail);
    expect(error.detail).toMatch(/\(in bots\.yaml\)$/);
  });

  test.each<[string, unknown, string]>([
    ['at the root', { traders: [{ id: 'a' }], trader: [] }, 'trader'],
    ['in a trader', { traders: [{ id: 'a', colour: 'red' }] }, 'traders[0].colour'],
    ['in a v3 strategy', withStrategy({ ...sma, fast: 5 }), 'traders[0].strategy.fast'],
    ['in a v2 strategy', withStrategy({ strategy_name: 'sma_x', pairs: ['BTCUSDT'], confidence: 0.5 }), 'traders[0].strategy.confidence'],
    ['in risk_params', withStrategy({ ...sma, risk_params: { stoploss: 0.1 } }), 'traders[0].strategy.risk_params.stoploss'],
    ['in an exchange', { exchanges: { paper: { type: 'paper', sead: 3 } }, traders: [{ id: 'a' }] }, 'exchanges.paper.sead'],
  ])('an unknown field is refused by name %s', (_, input, field) => {
    expect(configError(input)).toEqual({ field, detail: 'unknown field (in bots.yaml)' });
  });

  test('a trader id used twice names the second', () => {
    expect(configError({ traders: [{ id: 'a' }, { id: 'b' }, { id: 'a' }] })).toEqual({ field: 'traders[2].id', detail: 'trader id "a" is used twice (in bots.yaml)' });
  });

  test('a config that is not an object at all', () => {
    expect(configError(null).field).toBe('(root)');
  });
});

describe('loadConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'botv3-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  test('reads YAML', () => {
    const path = file('ok.yaml', ['traders:', '  - id: solo', '    strategy: { strategy_name: rsi_solo, pairs: [ETHUSDT], interval: 1m }', '    orderNotional: "250.5"', ''].join('\n'));
    const config = loadConfig(path);
    expect(config.traders[0]).toMatchObject({ id: 'solo', orderNotional: fx('250.5'), strategy: { type: 'rsi_reversion', symbols: ['ETH/USDT'] } });
  });

  test('reads JSON, which is YAML', () => {
    expect(loadConfig(file('ok.json', JSON.stringify({ traders: [{ id: 'j' }] }))).traders[0]!.id).toBe('j');
  });

  test('bad YAML is ERR_INVALID_CONFIG naming the file', () => {
    const path = file('bad.yaml', 'traders:\n  - id: a\n    strategy: { name: x\n');
    const error = tradingError(() => loadConfig(path), 'ERR_INVALID_CONFIG');
    expect(error.message).toContain(`${path} is not valid YAML or JSON: `);
  });

  test('a schema error names the file and the field', () => {
    const path = file('wrong.yaml', 'traders:\n  - id: a\n    orderNotional: -1\n');
    const error = tradingError(() => loadConfig(path), 'ERR_INVALID_CONFIG');
    expect(error.message).toBe(`traders[0].orderNotional: must be positive (in ${path})`);
  });

  test('a missing file is ERR_INVALID_CONFIG', () => {
    const path = join(dir, 'missing.yaml');
    expect(tradingError(() => loadConfig(path), 'ERR_INVALID_CONFIG').message).toMatch(new RegExp(`^cannot read config file ${path}: .*ENOENT`));
  });
});
