import { moduleUrl } from '../../runtime/module-url.js';
import type { ActorSpecInput, ChildSpecInput, SupervisorSpecInput } from '../../runtime/options.js';
import type { ActorSystem, ShutdownReport } from '../../runtime/system.js';
import { join } from 'node:path';
import { ccxtExchangeId, strategyModule, traderAccount, traderExchange, traderSymbols, traderTradesSwaps, tradesSwaps, type ExchangeConfig, type PlatformConfig, type TraderConfig } from '../../adapters/config/schema.js';
import { GUARD_DEFAULTS, type CcxtExchangeArgs } from '../../adapters/exchanges/args.js';
import { EXCHANGE_IDS, PROFILES } from '../../adapters/exchanges/profiles/index.js';
import { listedPaperMarkets, type PaperExchangeArgs, type PaperOpening } from '../../adapters/paper/options.js';
import { TradingError } from '../trading/errors.js';
import { fixedToString, ONE, toFixed, type Fixed } from '../trading/fixed.js';
import type { Market } from '../trading/market.js';
import type { SharedLeases } from '../trading/fence.js';
import { isSwapSymbol } from '../trading/symbol.js';
import type { RiskManagerArgs } from '../risk/manager.js';
import type { MonitorLimits } from '../risk/limits.js';
import type { HubArgs } from '../events/hub.js';
import type { ReviewerArgs } from '../reviewer/reviewer.js';
import type { TraderArgs } from '../trader/args.js';
import { PERSISTENCE_DEFAULTS, type PersistedTrader, type PersistenceArgs } from '../persistence/args.js';

/** Fixed addresses of the platform's singleton actors. */
export const ADDRESSES = { events: 'events', persistence: 'persistence', risk: 'risk', reviewer: 'reviewer' } as const;
export const traderAddress = (id: string) => `trader.${id}`;
export const exchangeAddress = (name: string) => `exchange.${name}`;

export interface PlatformOptions {
  /** First candle time of paper exchanges that set none (default: now). */
  now?: number;
  /** Store everything in this database (see `preparePlatformDatabase`); without it nothing is stored. */
  database?: { url: string; poolSize: number; journalPath: string; journalMaxBytes?: number };
  /** Latest stored balances per trader: a restarted platform opens the paper accounts with them. */
  balances?: Record<string, Record<string, string>>;
  /** Stored open perpetual positions per trader (carried from v2, or held before a restart): the paper accounts open with them too. */
  positions?: Record<string, { symbol: string; quantity: string; avgEntry: string }[]>;
  /** Markets of the ccxt exchanges, by exchange name (see `loadTradingMarkets`), and where their cache lives. */
  markets?: Record<string, Market[]>;
  marketsDir?: string;
  /**
   * ccxt exchanges whose markets could not be loaded at start, with the error: their traders are left
   * out of the tree (and of the risk manager) until `PlatformControl.startWaitingTraders`, and the
   * exchange is reported down meanwhile.
   */
  unreachable?: Record<string, string>;
  /** Addresses the events hub pushes every event to (see `ActorSystemOptions.outlets`): the API's stream. */
  outlets?: string[];
  /**
   * A cluster node, by its id: no trader starts with the tree (nor is given to the risk manager or a
   * paper account); the node starts those it holds a lease on, through `PlatformControl.adopt`.
   */
  node?: string;
  /** A cluster node's leases, shared with its exchange actors, which fence orders by them (see `OrderFence`). */
  leases?: SharedLeases;
}

/** Where traders and the risk manager report: persistence when there is a database (it passes events on once stored), else the hub. */
export function reportAddress(options: PlatformOptions): string {
  return options.database ? ADDRESSES.persistence : ADDRESSES.events;
}

/** What the risk manager watches for a trader: its monitor limits plus its strategy's stop loss and take profit. */
export function monitorLimits(trader: TraderConfig): MonitorLimits {
  const riskParams = trader.strategy?.risk_params;
  return {
    ...trader.monitor,
    ...(riskParams?.stop_loss !== undefined ? { stopLoss: riskParams.stop_loss } : {}),
    ...(riskParams?.take_profit !== undefined ? { takeProfit: riskParams.take_profit } : {}),
  };
}

/** How persistence registers a trader (`traders` and `strategies` rows). */
export function persistedTrader(trader: TraderConfig): PersistedTrader {
  const persisted: PersistedTrader = { exchange: traderExchange(trader), account: traderAccount(trader) };
  if (trader.strategy) {
    const { name, type, symbols, timeframe, params, risk_params: riskParams } = trader.strategy;
    persisted.strategy = { name, type, symbols, timeframe, params, riskParams };
  }
  return persisted;
}

/**
 * The supervision tree of a platform config: events, risk and the reviewer in the main thread (the hub
 * feeds the API's stream and positions there, see the README's design notes; the reviewer waits on the
 * network), persistence in a worker (it builds rows and talks to the database), then the exchanges,
 * then the traders, each in its own worker thread. Stopping goes the other way, so persistence
 * outlives every actor that reports to it. Cross checks the schema cannot make (a trader's exchange
 * exists and lists its symbols) fail here, naming the field.
 */
export function platformTree(config: PlatformConfig, options: PlatformOptions = {}): SupervisorSpecInput {
  const accounts = new Map<string, Record<string, Record<string, Fixed>>>();
  const positions = new Map<string, NonNullable<PaperExchangeArgs['positions']>>();
  // ccxt entries first: a trader's error about its market is no help when its exchange is not right.
  const ccxt = new Map(Object.entries(config.exchanges).flatMap(([name, e]) => (e.type === 'ccxt' ? [[name, ccxtSpec(config, name, e, options)] as const] : [])));
  const waiting = (trader: TraderConfig) => options.unreachable?.[traderExchange(trader)] !== undefined;
  const startsLater = (trader: TraderConfig) => options.node !== undefined || waiting(trader);
  const traders = config.traders.flatMap((trader, i) => {
    if (waiting(trader)) return [];
    // Built in a cluster too: its checks name the config's fields before anything starts.
    const built = traderSpec(config, trader, `traders[${i}].`, options);
    if (startsLater(trader)) return [];
    const exchangeAccounts = accounts.get(built.exchange) ?? {};
    exchangeAccounts[built.account] = built.balances;
    accounts.set(built.exchange, exchangeAccounts);
    if (built.positions.length > 0) {
      const exchangePositions = positions.get(built.exchange) ?? {};
      exchangePositions[built.account] = [...(exchangePositions[built.account] ?? []), ...built.positions];
      positions.set(built.exchange, exchangePositions);
    }
    return [built.spec];
  });
  const exchanges: ChildSpecInput[] = Object.entries(config.exchanges).map(([name, exchange]) => {
    if (exchange.type === 'ccxt') return ccxt.get(name)!;
    const { type: _type, ...paper } = exchange;
    const args: PaperExchangeArgs = { ...paper, startTs: paper.startTs ?? options.now ?? Date.now(), accounts: accounts.get(name) ?? {}, ...(options.node !== undefined ? { node: options.node } : {}), ...(options.leases ? { leases: options.leases } : {}) };
    if (positions.has(name)) args.positions = positions.get(name)!;
    if (paper.lockstep) args.traders = config.traders.filter((t) => traderExchange(t) === name && !startsLater(t)).map((t) => traderAddress(t.id));
    return { id: exchangeAddress(name), module: moduleUrl('../../adapters/paper/exchange', import.meta.url), args };
  });
  const risk: RiskManagerArgs = {
    events: reportAddress(options),
    portfolio: config.risk.portfolio,
    traders: Object.fromEntries(config.traders.filter((t) => !startsLater(t)).map((t) => [t.id, { address: traderAddress(t.id), limits: monitorLimits(t) }])),
  };
  return {
    id: 'platform',
    strategy: 'one_for_one',
    children: [
      { id: ADDRESSES.events, module: moduleUrl('../events/hub', import.meta.url), placement: 'main', mailbox: { capacity: 100_000 }, args: { outlets: options.outlets ?? [] } satisfies HubArgs },
      ...(options.database ? [persistenceSpec(config, options.database)] : []),
      { id: ADDRESSES.risk, module: moduleUrl('../risk/manager', import.meta.url), placement: 'main', args: risk },
      // In the main thread: it waits on the network, and a worker would add a hop to every review.
      { id: ADDRESSES.reviewer, module: moduleUrl('../reviewer/reviewer', import.meta.url), placement: 'main', args: { ai: config.ai, events: ADDRESSES.events } satisfies ReviewerArgs },
      { id: 'exchanges', strategy: 'one_for_one', children: exchanges },
      { id: 'traders', strategy: 'one_for_one', children: traders },
    ],
  };
}

/**
 * Graceful stop: the market clocks stop first, so that no new candles arrive while the traders finish
 * what is in their mailboxes; then the system drains and stops, traders before exchanges.
 */
export async function stopPlatform(system: ActorSystem, config: PlatformConfig): Promise<ShutdownReport> {
  for (const name of Object.keys(config.exchanges)) system.send(exchangeAddress(name), { type: 'pause' });
  return system.shutdown();
}

function persistenceSpec(config: PlatformConfig, database: NonNullable<PlatformOptions['database']>): ChildSpecInput {
  const args: PersistenceArgs = {
    database: { url: database.url, poolSize: database.poolSize },
    journal: { path: database.journalPath, maxBytes: database.journalMaxBytes ?? PERSISTENCE_DEFAULTS.journalMaxBytes },
    forward: ADDRESSES.events,
    traders: Object.fromEntries(config.traders.map((t) => [t.id, persistedTrader(t)])),
    batchRows: PERSISTENCE_DEFAULTS.batchRows,
    flushMs: PERSISTENCE_DEFAULTS.flushMs,
    writers: Math.min(PERSISTENCE_DEFAULTS.writers, database.poolSize),
    maxBufferedRows: PERSISTENCE_DEFAULTS.maxBufferedRows,
    retryMs: PERSISTENCE_DEFAULTS.retryMs,
    signalWindow: Math.max(...config.traders.map((t) => t.dedupeWindow)),
  };
  // Its last flush on a graceful stop may wait for a slow database.
  return { id: ADDRESSES.persistence, module: moduleUrl('../persistence/persistence', import.meta.url), args, mailbox: { capacity: 100_000 }, shutdownTimeoutMs: 30_000 };
}

function ccxtSpec(config: PlatformConfig, name: string, exchange: Extract<ExchangeConfig, { type: 'ccxt' }>, options: PlatformOptions): ChildSpecInput {
  const args: CcxtExchangeArgs = {
    name,
    exchange: ccxtExchangeId(name, exchange),
    sandbox: exchange.sandbox,
    ...(exchange.endpoint !== undefined ? { endpoint: exchange.endpoint } : {}),
    ...(exchange.keysFile !== undefined ? { keysFile: exchange.keysFile } : {}),
    marketsDir: options.marketsDir ?? join('data', 'markets'),
    timeframe: exchange.timeframe,
    pollMs: exchange.pollMs,
    holdingsCheckMs: exchange.holdingsCheckMs,
    timeoutMs: exchange.timeoutMs,
    ...(exchange.rateLimitMs !== undefined ? { rateLimitMs: exchange.rateLimitMs } : {}),
    guard: GUARD_DEFAULTS,
    ...(tradesSwaps(config, name) ? { swaps: true } : {}),
    ...(options.leases ? { leases: options.leases } : {}),
  };
  return { id: exchangeAddress(name), module: moduleUrl('../../adapters/exchanges/exchange', import.meta.url), args };
}

/**
 * A trader's young generation is capped: V8 grows it to tens of MiB under a burst of signals, and a
 * trader's state is small, so it is most of what a trader worker costs. Measured (`npm run bench
 * memory`, RSS per trader worker after 1,000 signals): 24.6 MiB uncapped, 18.7 at 4 MiB, for a few
 * more scavenges (under 15 % of one trader's signals/s in the `baseline` suite).
 */
const TRADER_WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

/**
 * A trader's actor spec, and the exchange account it opens with (stored balances after a restart, else
 * the config's). Checks what the schema cannot, naming fields after the prefix `field` (`traders[2].`, or none).
 * A trader is linked to its exchange and to where it reports when that is a worker (persistence):
 * orders, reports, candles and its events go thread to thread, not through the main thread.
 */
export function traderSpec(
  config: PlatformConfig,
  trader: TraderConfig,
  field: string,
  options: PlatformOptions,
): { spec: ChildSpecInput; exchange: string; account: string; balances: Record<string, Fixed>; positions: PaperOpening[] } {
  const exchangeName = traderExchange(trader);
  const exchange = config.exchanges[exchangeName];
  if (!exchange) {
    throw new TradingError('ERR_INVALID_CONFIG', `exchange "${exchangeName}" is not configured (configured: ${Object.keys(config.exchanges).join(', ')})`, { field: `${field}exchange` });
  }
  const symbols = trader.symbols ?? trader.strategy?.symbols;
  if (!symbols) throw new TradingError('ERR_INVALID_CONFIG', 'a trader needs symbols, or a strategy with symbols', { field: `${field}symbols` });
  const listed: readonly Market[] =
    exchange.type === 'ccxt'
      ? (options.markets?.[exchangeName] ?? [])
      : listedPaperMarkets(exchange);
  const symbolField = (j: number) => `${field}${trader.symbols ? 'symbols' : 'strategy.symbols'}[${j}]`;
  const markets: Market[] = symbols.map((symbol, j) => {
    const market = listed.find((m) => m.symbol === symbol);
    if (!market) {
      const names = listed.map((m) => m.symbol);
      const shown = names.length === 0 ? '' : ` (listed: ${names.slice(0, 12).join(', ')}${names.length > 12 ? `, and ${names.length - 12} more` : ''})`;
      const why = exchange.type === 'ccxt' && isSwapSymbol(symbol) && !PROFILES[ccxtExchangeId(exchangeName, exchange)].swaps ? `: v3 trades perpetuals through ccxt on ${EXCHANGE_IDS.filter((id) => PROFILES[id].swaps).join(', ')}` : '';
      throw new TradingError('ERR_INVALID_CONFIG', `${symbol} is not listed on exchange "${exchangeName}"${why}${shown}`, { field: symbolField(j) });
    }
    const { symbol: s, base, quote, priceStep, amountStep, minAmount, minNotional, makerFee, takerFee, swap } = market;
    return { symbol: s, base, quote, priceStep, amountStep, minAmount, minNotional, makerFee, takerFee, ...(swap ? { swap } : {}) };
  });
  const leverage = swapLeverage(trader, markets, field);
  const account = traderAccount(trader);
  if (exchange.type === 'ccxt' && leverage) checkAccountPerpetuals(config, trader, symbols, symbolField, field);
  const stored = options.balances?.[trader.id];
  const balances = stored ? Object.fromEntries(Object.entries(stored).map(([asset, amount]) => [asset, toFixed(amount, `balances.${asset}`)])) : trader.balances;
  const reportTo = reportAddress(options);
  const maxPosition = trader.strategy?.risk_params.max_position;
  const args: TraderArgs = {
    id: trader.id,
    exchange: exchangeAddress(exchangeName),
    risk: ADDRESSES.risk,
    reviewer: ADDRESSES.reviewer,
    events: reportTo,
    ...(reportTo === ADDRESSES.persistence ? { persistence: ADDRESSES.persistence } : {}),
    account,
    markets,
    orderNotional: trader.orderNotional,
    ...(leverage ? { allowShort: trader.allowShort ?? false, leverage, marginMode: trader.marginMode ?? 'isolated' } : {}),
    limits: { ...trader.limits, ...(maxPosition !== undefined ? { maxPosition } : {}) },
    review: trader.review,
    balances: trader.balances,
    ...(exchange.type === 'ccxt' || trader.allocation !== undefined ? { accountShare: accountShare(config, trader, field) } : {}),
    dedupeWindow: trader.dedupeWindow,
    reportMs: trader.reportMs,
  };
  if (trader.strategy) {
    const { type, name, timeframe, params } = trader.strategy;
    const module = strategyModule(trader.strategy);
    args.strategy = { type, name, timeframe, params, ...(module !== undefined ? { module } : {}) };
  }
  const spec: ChildSpecInput = {
    id: traderAddress(trader.id),
    module: moduleUrl('../trader/trader', import.meta.url),
    args,
    mailbox: { capacity: 100_000 },
    batchSize: 4,
    resourceLimits: TRADER_WORKER_LIMITS,
    links: [args.exchange, args.events],
  };
  // What it holds of its perpetuals, stored before: a paper account opens with it (`PaperExchangeArgs.positions`).
  const held = (options.positions?.[trader.id] ?? []).filter((p) => leverage?.[p.symbol] !== undefined);
  const opening = held.map((p) => ({
    symbol: p.symbol,
    quantity: toFixed(p.quantity, 'positions.quantity'),
    entry: toFixed(p.avgEntry, 'positions.avg_entry_price'),
    leverage: leverage![p.symbol]!,
    mode: args.marginMode ?? 'isolated',
    owner: traderAddress(trader.id),
  }));
  return { spec, exchange: exchangeName, account, balances, positions: opening };
}

/**
 * A ccxt trader's share of its account: its `allocation`, else an equal part of what the traders of the
 * account that name one leave. Shares may not add up to more than all of it; a paper account, opened
 * with the trader's `balances`, has none to share. `trader` may be one being added to `config`.
 */
function accountShare(config: PlatformConfig, trader: TraderConfig, field: string): Fixed {
  const exchange = traderExchange(trader);
  if (config.exchanges[exchange]?.type !== 'ccxt') {
    throw new TradingError('ERR_INVALID_CONFIG', 'allocation is a share of a real account (ccxt); a paper account opens with the trader’s balances', { field: `${field}allocation` });
  }
  const account = traderAccount(trader);
  const others = config.traders.filter((t) => t.id !== trader.id && traderExchange(t) === exchange && traderAccount(t) === account);
  const at = config.traders.findIndex((t) => t.id === trader.id);
  // The error names the trader whose allocation takes the account past all of it, in the config's order.
  const before = (at < 0 ? others : config.traders.slice(0, at).filter((t) => others.includes(t))).reduce((sum, t) => sum + (t.allocation ?? 0n), 0n);
  if (before + (trader.allocation ?? 0n) > ONE) {
    throw new TradingError('ERR_INVALID_CONFIG', `the traders on account "${account}" of ${exchange} are allocated ${fixedToString(before + trader.allocation!)} of it, more than all of it`, { field: `${field}allocation` });
  }
  if (trader.allocation !== undefined) return trader.allocation;
  const given = others.reduce((sum, t) => sum + (t.allocation ?? 0n), 0n);
  const share = (ONE - given) / BigInt(others.filter((t) => t.allocation === undefined).length + 1);
  if (share === 0n) throw new TradingError('ERR_INVALID_CONFIG', `the other traders on account "${account}" of ${exchange} are allocated all of it: give this one an allocation`, { field: `${field}allocation` });
  return share;
}

/**
 * A real account holds one position per perpetual (one-way mode), so one trader holds it: two traders
 * of an account on one perpetual would net each other's orders out of sight. Where the margin mode is
 * the account's (Bybit's unified account), its traders of perpetuals agree on it. And a ccxt trader
 * trades spot or perpetuals, not both: the exchanges keep them in separate wallets (Binance's spot
 * and USDⓈ-M), and a trader's ledger starts from one.
 */
function checkAccountPerpetuals(config: PlatformConfig, trader: TraderConfig, symbols: readonly string[], symbolField: (j: number) => string, field: string): void {
  const spot = symbols.findIndex((s) => !isSwapSymbol(s));
  if (spot >= 0) throw new TradingError('ERR_INVALID_CONFIG', `${symbols[spot]}: a trader on a real exchange trades spot or perpetuals, not both (its ledger starts from one wallet); give the spot symbols a trader of their own`, { field: symbolField(spot) });
  const exchange = traderExchange(trader);
  const account = traderAccount(trader);
  // The error names the later of two traders, in the config's order.
  const at = config.traders.findIndex((t) => t.id === trader.id);
  for (const other of at < 0 ? config.traders : config.traders.slice(0, at)) {
    if (traderExchange(other) !== exchange || traderAccount(other) !== account) continue;
    const j = symbols.findIndex((s) => traderSymbols(other).includes(s));
    if (j >= 0) throw new TradingError('ERR_INVALID_CONFIG', `${symbols[j]} is already held by trader "${other.id}" on account "${account}" of ${exchange}: one position per perpetual and account, so one trader each`, { field: symbolField(j) });
    const id = ccxtExchangeId(exchange, config.exchanges[exchange] as Extract<ExchangeConfig, { type: 'ccxt' }>);
    const mode = (t: TraderConfig) => t.marginMode ?? 'isolated';
    if (PROFILES[id].swaps?.marginModePerAccount && traderTradesSwaps(other) && mode(other) !== mode(trader)) {
      throw new TradingError('ERR_INVALID_CONFIG', `${mode(trader)}: ${id} sets one margin mode for the whole account, and trader "${other.id}" on account "${account}" trades ${mode(other)}`, { field: `${field}marginMode` });
    }
  }
}

/**
 * The leverage of each of a trader's perpetuals, checked against the market's highest; undefined for a
 * spot-only trader, which may then set none of the swap fields.
 */
function swapLeverage(trader: TraderConfig, markets: readonly Market[], field: string): Record<string, number> | undefined {
  const swaps = markets.filter((m) => m.swap);
  if (swaps.length === 0) {
    const set = (['allowShort', 'leverage', 'marginMode'] as const).find((name) => trader[name] !== undefined);
    if (set) throw new TradingError('ERR_INVALID_CONFIG', `${set} is for perpetuals, and none of the trader's symbols is one (BTC/USDT:USDT is BTC/USDT's)`, { field: `${field}${set}` });
    return undefined;
  }
  const asked = typeof trader.leverage === 'number' ? Object.fromEntries(swaps.map((m) => [m.symbol, trader.leverage as number])) : (trader.leverage ?? {});
  for (const symbol of Object.keys(asked)) {
    if (!swaps.some((m) => m.symbol === symbol)) throw new TradingError('ERR_INVALID_CONFIG', `${symbol} is not one of the trader's perpetuals`, { field: `${field}leverage.${symbol}` });
  }
  return Object.fromEntries(
    swaps.map((m) => {
      const chosen = asked[m.symbol] ?? 1;
      const named = typeof trader.leverage === 'number' ? 'leverage' : `leverage.${m.symbol}`;
      if (chosen > m.swap!.maxLeverage) throw new TradingError('ERR_INVALID_CONFIG', `${chosen}x is above ${m.symbol}'s highest leverage, ${m.swap!.maxLeverage}x`, { field: `${field}${named}` });
      return [m.symbol, chosen];
    }),
  );
}

/** The args the tree starts actor `address` with, found in any supervisor: for running its core without the runtime (bench, backtest). */
export function actorArgs<A>(tree: SupervisorSpecInput, address: string): A {
  const found = findSpec(tree, address);
  if (!found) throw new Error(`no actor "${address}" in the platform tree`);
  return found.args as A;
}

function findSpec(tree: SupervisorSpecInput, address: string): ActorSpecInput | undefined {
  for (const child of tree.children ?? []) {
    const found = isSupervisorInput(child) ? findSpec(child, address) : child.id === address ? child : undefined;
    if (found) return found;
  }
  return undefined;
}

function isSupervisorInput(child: ChildSpecInput): child is SupervisorSpecInput {
  return 'children' in child;
}
