import { setTimeout as sleep } from 'node:timers/promises';
import type { Dictionary, Market as CcxtListing, MarketInterface as CcxtMarket } from 'ccxt';
import { backoffDelay, type BackoffOptions } from '../../runtime/backoff.js';
import { div, mul, ONE, toFixed, type Fixed } from '../../actors/trading/fixed.js';
import type { Market } from '../../actors/trading/market.js';
import { ccxtExchangeId, exchangeSymbols, tradesSwaps, type ExchangeConfig, type PlatformConfig } from '../config/schema.js';
import { ExchangeError } from './errors.js';
import { MarketsCache } from './markets-cache.js';

/**
 * A ccxt market as a trader sizes and rounds with it. The seven exchanges all state precision as
 * tick sizes (ccxt's TICK_SIZE mode), so steps are read as they are. A market without them cannot be
 * traded safely and is refused, naming the field.
 */
export function tradingMarket(exchange: string, market: CcxtMarket, swap: SwapOverride = {}): Market {
  const field = (name: string, value: unknown) => {
    if (value === undefined || value === null) throw new ExchangeError('ERR_BAD_RESPONSE', exchange, `${exchange} ${market.symbol}: ${name} is missing from its market`);
    return toFixed(value as number, `${market.symbol}.${name}`);
  };
  // A perpetual's amounts are in contracts of `contractSize` base units; a trader's are in the base.
  const contract = market.swap ? toFixed(market.contractSize ?? 1, `${market.symbol}.contractSize`) : ONE;
  const amountStep = mul(field('precision.amount', market.precision.amount), contract);
  const traded: Market = {
    symbol: market.symbol,
    base: market.base,
    quote: market.quote,
    priceStep: field('precision.price', market.precision.price),
    amountStep,
    minAmount: market.limits.amount?.min ? mul(toFixed(market.limits.amount.min, `${market.symbol}.limits.amount.min`), contract) : amountStep,
    minNotional: market.limits.cost?.min ? toFixed(market.limits.cost.min, `${market.symbol}.limits.cost.min`) : 0n,
    makerFee: field('maker', market.maker ?? 0.001),
    takerFee: field('taker', market.taker ?? 0.001),
  };
  if (!market.swap) return traded;
  const maxLeverage = swap.maxLeverage ?? market.limits.leverage?.max ?? DEFAULT_MAX_LEVERAGE;
  return { ...traded, swap: { maxLeverage, maintenanceMargin: swap.maintenanceMargin ?? div(ONE, BigInt(2 * maxLeverage) * ONE) } };
}

/** A perpetual's tier-1 terms from the config (`exchanges.<name>.swaps`), over what the exchange's market states. */
export interface SwapOverride {
  maxLeverage?: number;
  maintenanceMargin?: Fixed;
}

/** The highest leverage assumed where neither the exchange's market nor the config states one: low, so a guess never over-levers. */
const DEFAULT_MAX_LEVERAGE = 20;

/**
 * The markets the config's traders use on its ccxt exchanges, by exchange name, loaded before the
 * actors start (traders size their orders with them): from the cache in `dir`, else the exchange's
 * public endpoint, no keys needed. A symbol an exchange does not list is left out, and the platform
 * tree names it.
 */
export async function loadTradingMarkets(config: PlatformConfig, dir: string): Promise<Record<string, Market[]>> {
  const cache = new MarketsCache(dir);
  const out: Record<string, Market[]> = {};
  for (const name of ccxtNames(config)) out[name] = await exchangeMarkets(config, name, cache);
  return out;
}

/**
 * As `loadTradingMarkets`, except that an exchange that cannot be reached (a network error, a 5xx, a
 * rate limit) does not stop the start: it is set aside with its error, so that the platform and the
 * other exchanges' traders start while its own wait (see `waitForTradingMarkets`).
 */
export async function loadReachableMarkets(config: PlatformConfig, dir: string): Promise<{ markets: Record<string, Market[]>; unreachable: Record<string, ExchangeError> }> {
  const cache = new MarketsCache(dir);
  const markets: Record<string, Market[]> = {};
  const unreachable: Record<string, ExchangeError> = {};
  for (const name of ccxtNames(config)) {
    try {
      markets[name] = await exchangeMarkets(config, name, cache);
    } catch (error) {
      const failure = await exchangeError(error, name);
      // Anything else (a config error naming its field, a refusal) stops the start, as before.
      if (!failure.retryable) throw error;
      unreachable[name] = failure;
    }
  }
  return { markets, unreachable };
}

/** How often an exchange unreachable at start is asked again for its markets: soon, then every 30 s at most (as its circuit breaker would). */
export const MARKETS_RETRY: BackoffOptions = { initialMs: 1_000, maxMs: 30_000, jitter: 0.2 };

/**
 * The markets of exchange `name` once it answers: asked again with backoff while it cannot be reached,
 * until it answers or `signal` aborts. An answer that refuses them throws.
 */
export async function waitForTradingMarkets(config: PlatformConfig, name: string, dir: string, signal: AbortSignal, backoff: BackoffOptions = MARKETS_RETRY): Promise<Market[]> {
  const cache = new MarketsCache(dir);
  for (let attempt = 1; ; attempt++) {
    await sleep(backoffDelay(attempt, backoff), undefined, { signal });
    try {
      const markets = await exchangeMarkets(config, name, cache);
      signal.throwIfAborted();
      return markets;
    } catch (error) {
      signal.throwIfAborted();
      const failure = await exchangeError(error, name);
      if (!failure.retryable) throw failure;
    }
  }
}

/** What a call for an exchange's markets threw, as the platform's error (see `clientOf` on ccxt's loading). */
async function exchangeError(error: unknown, name: string): Promise<ExchangeError> {
  return (await import('./ccxt-errors.js')).toExchangeError(error, name);
}

function ccxtNames(config: PlatformConfig): string[] {
  return Object.entries(config.exchanges).flatMap(([name, exchange]) => (exchange.type === 'ccxt' ? [name] : []));
}

/**
 * The markets of the config's ccxt exchanges as far as the cache in `dir` knows them, whatever their
 * age and without the network (`botv3 check`): an exchange with no cached markets is `unchecked`.
 */
export async function cachedTradingMarkets(config: PlatformConfig, dir: string): Promise<{ markets: Record<string, Market[]>; unchecked: string[] }> {
  const cache = new MarketsCache(dir);
  const markets: Record<string, Market[]> = {};
  const unchecked: string[] = [];
  for (const name of ccxtNames(config)) {
    const listed = await cache.cached(await clientOf(config, name));
    if (listed) markets[name] = tradedOf(config, name, listed);
    else unchecked.push(name);
  }
  return { markets, unchecked };
}

/** The markets of one ccxt exchange that its traders use. */
async function exchangeMarkets(config: PlatformConfig, name: string, cache: MarketsCache): Promise<Market[]> {
  return tradedOf(config, name, await cache.load(await clientOf(config, name)));
}

/*
 * ccxt (a second to load) is imported only for a config with a ccxt exchange: `botv3 check` and a
 * paper-only `botv3 start` never load it.
 */
async function clientOf(config: PlatformConfig, name: string) {
  const { createClient } = await import('./client.js');
  const exchange = config.exchanges[name] as Extract<ExchangeConfig, { type: 'ccxt' }>;
  return createClient({
    exchange: ccxtExchangeId(name, exchange),
    sandbox: exchange.sandbox,
    timeoutMs: exchange.timeoutMs,
    swaps: tradesSwaps(config, name),
    ...(exchange.endpoint ? { endpoint: exchange.endpoint } : {}),
  });
}

/** Of the markets an exchange lists, those its traders use, as traders size with them; unlisted symbols (and inverse perpetuals) are left out for the platform tree to name. */
function tradedOf(config: PlatformConfig, name: string, listed: Dictionary<CcxtListing>): Market[] {
  const swaps = (config.exchanges[name] as Extract<ExchangeConfig, { type: 'ccxt' }>).swaps ?? {};
  return [...exchangeSymbols(config, name)]
    .filter((symbol) => listed[symbol]?.spot || (listed[symbol]?.swap && listed[symbol]?.linear))
    .map((symbol) => tradingMarket(name, listed[symbol] as CcxtMarket, swaps[symbol]));
}
