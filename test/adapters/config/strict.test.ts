import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { loadConfig, parseConfig, parseTrader } from '../../../adapters/config/load.js';
import { STRATEGIES, strategyTypes } from '../../../actors/strategies/registry.js';
import { tradingError } from '../../helpers/trading.js';

/** Issue 18: a typo in the config is an error naming it, never a silently applied default. */

const configError = (input: unknown) => {
  const error = tradingError(() => parseConfig(input, 'bots.yaml'), 'ERR_INVALID_CONFIG');
  return { field: error.field, detail: error.detail };
};
const unknownField = (field: string) => ({ field, detail: 'unknown field (in bots.yaml)' });
const trader = (fields: Record<string, unknown> = {}) => ({ traders: [{ id: 'a', ...fields }] });
const sma = { name: 'sma_crossover', symbols: ['BTC/USDT'], params: { fast: 5, slow: 20 } };

describe('strategy params', () => {
  test('a misspelt param is refused by name, not replaced by its default', () => {
    expect(configError(trader({ strategy: { ...sma, params: { fsat: 5, slow: 20 } } }))).toEqual(unknownField('traders[0].strategy.params.fsat'));
  });

  // Every registered strategy, so that a new one with a loose schema fails here.
  test.each(strategyTypes())('%s: its params schema refuses an unknown key', (type) => {
    const parsed = STRATEGIES[type]!.params.safeParse({ typo: 1 });
    expect(parsed.error?.issues).toContainEqual(expect.objectContaining({ code: 'unrecognized_keys', keys: ['typo'] }));
  });

  test.each(strategyTypes())('%s: an unknown param is refused in a v3 entry and in a v2 entry', (type) => {
    expect(configError(trader({ strategy: { name: type, symbols: ['BTC/USDT'], params: { typo: 1 } } }))).toEqual(unknownField('traders[0].strategy.params.typo'));
    expect(configError(trader({ strategy: { strategy_name: type, pairs: ['BTCUSDT'], params: { typo: 1 } } }))).toEqual(unknownField('traders[0].strategy.params.typo'));
  });

  test('known params still parse, in v3 and v2 entries', () => {
    const v2 = { strategy_name: 'grid_sol', pairs: ['SOLUSDT'], interval: '1m', max_position_size: 4000, stop_loss_pct: 0.05, params: { levels: 10, spacing_pct: 0.2 } };
    const [v3Trader, v2Trader] = parseConfig({ traders: [{ id: 'a', strategy: sma }, { id: 'b', strategy: v2 }] }).traders;
    expect(v3Trader!.strategy!.params).toEqual({ fast: 5, slow: 20 });
    expect(v2Trader!.strategy).toMatchObject({ type: 'grid', params: { levels: 10, spacing_pct: 0.2 } });
  });

  test("a trader added through the API (parseTrader) refuses an unknown param too", () => {
    const error = tradingError(() => parseTrader({ id: 'a', strategy: { ...sma, params: { slwo: 20 } } }, 'POST /traders'), 'ERR_INVALID_CONFIG');
    expect(error.message).toBe('strategy.params.slwo: unknown field (in POST /traders)');
  });

  describe('loadConfig', () => {
    const dir = mkdtempSync(join(tmpdir(), 'botv3-strict-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('reading the file validates the params: the error names the file and the field', () => {
      const path = join(dir, 'platform.yaml');
      writeFileSync(path, 'traders:\n  - id: a\n    strategy: { name: sma_crossover, symbols: [BTC/USDT], params: { fsat: 5, slow: 20 } }\n');
      expect(tradingError(() => loadConfig(path), 'ERR_INVALID_CONFIG').message).toBe(`traders[0].strategy.params.fsat: unknown field (in ${path})`);
    });
  });
});

// One row per object of the config schema: each is strict.
test.each<[string, unknown, string]>([
  ['the root', { ...trader(), tradres: [] }, 'tradres'],
  ['a paper exchange', { exchanges: { paper: { type: 'paper', sed: 1 } }, ...trader() }, 'exchanges.paper.sed'],
  ['a ccxt exchange', { exchanges: { binance: { type: 'ccxt', sandbx: true } }, ...trader() }, 'exchanges.binance.sandbx'],
  ['risk', { risk: { portfollio: {} }, ...trader() }, 'risk.portfollio'],
  ['risk.portfolio', { risk: { portfolio: { maxDrawdwn: 0.1 } }, ...trader() }, 'risk.portfolio.maxDrawdwn'],
  ['a trader', trader({ oderNotional: 5 }), 'traders[0].oderNotional'],
  ['a v3 strategy', trader({ strategy: { ...sma, timeframes: '1m' } }), 'traders[0].strategy.timeframes'],
  ['a v2 strategy', trader({ strategy: { strategy_name: 'sma_x', pairs: ['BTCUSDT'], intervall: '1m' } }), 'traders[0].strategy.intervall'],
  ['risk_params', trader({ strategy: { ...sma, risk_params: { stop_los: 0.1 } } }), 'traders[0].strategy.risk_params.stop_los'],
  ['a review policy', trader({ review: { all: true, allways: true } }), 'traders[0].review.allways'],
  ['limits', trader({ limits: { maxOrders: 1 } }), 'traders[0].limits.maxOrders'],
  ['monitor', trader({ monitor: { maxDrawdwn: 0.1 } }), 'traders[0].monitor.maxDrawdwn'],
  ['api', { ...trader(), api: { prot: 1 } }, 'api.prot'],
  ['api.rateLimit', { ...trader(), api: { rateLimit: { request: 1 } } }, 'api.rateLimit.request'],
  ['api.stream', { ...trader(), api: { stream: { heartbeat: 1 } } }, 'api.stream.heartbeat'],
  ['ai', { ...trader(), ai: { reviwer: 'offline' } }, 'ai.reviwer'],
  ['an AI reviewer', { ...trader(), ai: { reviewers: [{ prompt: 'risk', model: 'm', temp: 1 }, { prompt: 'market', model: 'm' }] } }, 'ai.reviewers[0].temp'],
  ['ai.budget', { ...trader(), ai: { budget: { callsPerMin: 1 } } }, 'ai.budget.callsPerMin'],
  ['ai.breaker', { ...trader(), ai: { breaker: { reset: 1 } } }, 'ai.breaker.reset'],
  ['ai.queue', { ...trader(), ai: { queue: { size: 1 } } }, 'ai.queue.size'],
  ['telegram', { ...trader(), telegram: { chatId: [1] } }, 'telegram.chatId'],
  ['telegram.webhook', { ...trader(), telegram: { webhook: { url: 'https://bot.example/', secret: 'x' } } }, 'telegram.webhook.secret'],
  ['telegram.notifications', { ...trader(), telegram: { notifications: { trade: false } } }, 'telegram.notifications.trade'],
  ['alerts', { ...trader(), alerts: { evaluate: 1 } }, 'alerts.evaluate'],
  ['a webhook notifier', { ...trader(), alerts: { actions: { page_oncall: [{ webhook: 'https://hook.example/', method: 'PUT' }] } } }, 'alerts.actions.page_oncall[0].method'],
])('an unknown key in %s is refused by name', (_, input, field) => {
  expect(configError(input)).toEqual(unknownField(field));
});

describe('text the database cannot store', () => {
  test.each([
    ['a NUL in a trader id', { traders: [{ id: 'a\u0000b', symbols: ['BTC/USDT'] }] }, 'traders[0].id'],
    ['a lone surrogate in a strategy param key', { traders: [{ id: 'a', strategy: { name: 'grid', symbols: ['BTC/USDT'], params: { ['x\ud800']: 1 } } }] }, 'traders[0].strategy.params'],
    ['a NUL in an exchange name', { exchanges: { ['pa\u0000per']: { type: 'paper' } }, traders: [] }, 'exchanges'],
  ])('%s is refused, naming the field', (_, input, field) => {
    expect(() => parseConfig(input, 'platform.yaml')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_CONFIG', field, message: expect.stringMatching(/cannot be stored \(in platform\.yaml\)$/) }));
  });
});
