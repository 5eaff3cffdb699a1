import type { MarketInterface as CcxtMarket } from 'ccxt';
import { toFixed } from '../../actors/trading/fixed.js';
import type { Market } from '../../actors/trading/market.js';
import { ccxtExchangeId, traderExchange, type PlatformConfig } from '../config/schema.js';
import { createClient } from './client.js';
import { ExchangeError } from './errors.js';
import { MarketsCache } from './markets-cache.js';

/**
 * A ccxt market as a trader sizes and rounds with it. The seven exchanges all state precision as
 * tick sizes (ccxt's TICK_SIZE mode), so steps are read as they are. A market without them cannot be
 * traded safely and is refused, naming the field.
 */
export function tradingMarket(exchange: string, market: CcxtMarket): Market {
  const field = (name: string, value: unknown) => {
    if (value === undefined || value === null) throw new ExchangeError('ERR_BAD_RESPONSE', exchange, `${exchange} ${market.symbol}: ${name} is missing from its market`);
    return toFixed(value as number, `${market.symbol}.${name}`);
  };
  const amountStep = field('precision.amount', market.precision.amount);
  return {
    symbol: market.symbol,
    base: market.base,
    quote: market.quote,
    priceStep: field('precision.price', market.precision.price),
    amountStep,
    minAmount: market.limits.amount?.min ? toFixed(market.limits.amount.min, `${market.symbol}.limits.amount.min`) : amountStep,
    minNotional: market.limits.cost?.min ? toFixed(market.limits.cost.min, `${market.symbol}.limits.cost.min`) : 0n,
    makerFee: field('maker', market.maker ?? 0.001),
    takerFee: field('taker', market.taker ?? 0.001),
  };
}

/**
 * The markets the config's traders use on its ccxt exchanges, by exchange name, loaded before the
 * actors start (traders size their orders with them): from the cache in `dir`, else the exchange's
 * public endpoint, no keys needed. A symbol an exchange does not list is left out, and the platform
 * tree names it.
 */
export async function loadTradingMarkets(config: PlatformConfig, dir: string): Promise<Record<string, Market[]>> {
  const cache = new MarketsCache(dir);
  const out: Record<string, Market[]> = {};
  for (const [name, exchange] of Object.entries(config.exchanges)) {
    if (exchange.type !== 'ccxt') continue;
    const id = ccxtExchangeId(name, exchange);
    const client = createClient({ exchange: id, sandbox: exchange.sandbox, timeoutMs: exchange.timeoutMs, ...(exchange.endpoint ? { endpoint: exchange.endpoint } : {}) });
    const markets = await cache.load(client);
    const wanted = new Set(config.traders.filter((t) => traderExchange(t) === name).flatMap((t) => t.symbols ?? t.strategy?.symbols ?? []));
    out[name] = [...wanted].filter((symbol) => markets[symbol]?.spot).map((symbol) => tradingMarket(name, markets[symbol] as CcxtMarket));
  }
  return out;
}
