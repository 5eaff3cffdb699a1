import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ActorSystem } from '../../runtime/system.js';
import type { HubStatusReply } from '../../actors/events/hub.js';
import { ADDRESSES, exchangeAddress, platformTree, stopPlatform, traderAddress, type PlatformOptions } from '../../actors/platform/tree.js';
import type { TraderStatus } from '../../actors/trader/core.js';
import type { AccountBalances } from '../../adapters/paper/accounts.js';
import { parseConfig } from '../../adapters/config/load.js';
import { resolveStrategies } from '../../adapters/config/strategies.js';
import { traderExchange, type PlatformConfig } from '../../adapters/config/schema.js';
import { loadTradingMarkets } from '../../adapters/exchanges/markets.js';
import { waitFor } from './wait.js';

/** A running platform on a paper exchange stepped by hand (`advance`), for tests. */
export interface TestPlatform {
  system: ActorSystem;
  config: PlatformConfig;
  status(traderId: string): Promise<TraderStatus>;
  hub(recent?: number): Promise<HubStatusReply>;
  balances(account: string): Promise<AccountBalances>;
  /** Moves the market `candles` candles on. */
  advance(candles?: number): void;
  signal(traderId: string, signal: object): void;
  stop(): Promise<void>;
}

/** Starts the platform of `input` (a config in file format) with the exchange's clock stopped. */
export async function startPlatform(
  input: { traders: unknown[]; exchanges?: Record<string, object>; risk?: object; ai?: object },
  options: Pick<PlatformOptions, 'database' | 'balances' | 'positions' | 'markets' | 'marketsDir'> = {},
): Promise<TestPlatform> {
  const exchanges = input.exchanges ?? { paper: { type: 'paper', seed: 42 } };
  const config = parseConfig({
    ...input,
    exchanges: Object.fromEntries(
      Object.entries(exchanges).map(([name, e]) => [name, (e as { type?: string }).type === 'ccxt' ? e : { candleIntervalMs: 0, startTs: Date.UTC(2026, 0, 1), ...e }]),
    ),
  });
  // Strategy modules are named by absolute path in tests.
  await resolveStrategies(config, process.cwd());
  const system = await ActorSystem.start(platformTree(config, options), { logger: pino({ level: 'silent' }), heartbeatCheckMs: 20 });
  const exchange = exchangeAddress(Object.keys(config.exchanges)[0]!);
  // A trader subscribes over its link to the exchange, which no main-thread message (an `advance`)
  // is ordered with: wait until every paper exchange holds its traders' subscriptions.
  for (const trader of config.traders) {
    const name = traderExchange(trader);
    if (config.exchanges[name]?.type !== 'paper') continue;
    const subscribed = () => traderAddress(trader.id) in ((system.snapshot(exchangeAddress(name)) as { subscribers?: object } | undefined)?.subscribers ?? {});
    await waitFor(subscribed, `${trader.id} to subscribe to ${name}`);
  }
  return {
    system,
    config,
    status: (traderId) => system.request<TraderStatus>(traderAddress(traderId), { type: 'status' }),
    hub: (recent = 1_000) => system.request<HubStatusReply>(ADDRESSES.events, { type: 'status', recent }),
    balances: async (account) => (await system.request<{ balances: AccountBalances }>(exchange, { type: 'getBalances', account })).balances,
    advance: (candles = 1) => void system.send(exchange, { type: 'advance', candles }),
    signal: (traderId, signal) => void system.send(traderAddress(traderId), { type: 'signal', signal }),
    stop: async () => void (await stopPlatform(system, config)),
  };
}

/** As `startPlatform`, with the markets of its ccxt exchanges loaded first (into a cache of its own), as `botv3 start` does. */
export async function startCcxtPlatform(input: Parameters<typeof startPlatform>[0], options: Pick<PlatformOptions, 'database'> = {}): Promise<TestPlatform> {
  const marketsDir = await mkdtemp(join(tmpdir(), 'botv3-markets-'));
  return startPlatform(input, { ...options, markets: await loadTradingMarkets(parseConfig(input), marketsDir), marketsDir });
}
