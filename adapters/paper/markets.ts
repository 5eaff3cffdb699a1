import { z } from 'zod';
import { div, fixedToString, ONE, toFixed, type Fixed } from '../../actors/trading/fixed.js';
import { swapSymbol, symbolParts } from '../../actors/trading/symbol.js';
import { decimal, fraction, positiveDecimal } from '../config/decimal.js';
import type { Market } from '../../actors/trading/market.js';

/** A paper market: the market spec plus how its price moves and how deep its simulated book is. */
export interface PaperMarket extends Market {
  startPrice: Fixed;
  /** Annualized volatility as a fraction (0.6 = 60 %); a model parameter, not money. */
  volatility: number;
  /** Half the bid-ask spread, in basis points of the mid price. */
  halfSpreadBps: number;
  /** Distance between book levels, in basis points of the mid price. */
  levelBps: number;
  /** Book levels per side; a market order larger than all of them fills partially and expires. */
  levels: number;
  /** Quantity per level, replenished every candle. */
  levelQuantity: Fixed;
  /** A swap's funding rate at every funding time; absent: generated from the seed (see `generatedFundingRate`). */
  fundingRate?: Fixed;
  /** The spot market a swap's price follows when both are listed: its candles are the spot's, renamed. */
  index?: string;
}

const feeRate = decimal.refine((v) => v >= 0n && v < 10n ** 9n, 'must be a fee rate from 0 up to 1 (0.001 = 0.1 %)');

/**
 * A market added to the paper exchange (`exchanges.<name>.markets`), or one of its built-ins changed:
 * steps and minimums as the venue states them. `startPrice` is where a random walk starts (a replay
 * starts at its first candle); `depth`, the quantity of each of the simulated book's 20 levels a side,
 * is for fills against the book and is unlimited by default.
 */
export const paperMarketSpec = z.strictObject({
  priceStep: positiveDecimal,
  amountStep: positiveDecimal,
  /** Default: `amountStep`. */
  minAmount: positiveDecimal.optional(),
  minNotional: decimal.refine((v) => v >= 0n, 'must not be negative').default(0n),
  makerFee: feeRate.default(toFixed('0.001', 'makerFee')),
  takerFee: feeRate.default(toFixed('0.001', 'takerFee')),
  startPrice: positiveDecimal.optional(),
  volatility: z.number().positive().max(10).default(0.8),
  depth: positiveDecimal.optional(),
  /** Swaps only: the maintenance margin rate (default 0.5 %), the highest leverage (default 50) and a fixed funding rate per 8 hours. */
  maintenanceMargin: fraction.optional(),
  maxLeverage: z.number().int().min(1).max(1000).optional(),
  fundingRate: decimal.refine((v) => v > -(10n ** 8n) && v < 10n ** 8n, 'must be a rate per 8 hours between -0.1 and 0.1').optional(),
});

export type PaperMarketSpec = z.infer<typeof paperMarketSpec>;

/** A market's symbol as a key of `markets`: `BASE/QUOTE`, or `BASE/QUOTE:QUOTE` for a linear perpetual. */
export const paperSymbol = z.string().regex(/^[^/\s:]+\/[^/\s:]+(:[^/\s:]+)?$/, 'must be a spot symbol such as ADA/USDT or a linear perpetual such as ADA/USDT:USDT');

/** What only a swap market has, checked against the symbol of each market of `markets` (a linear perpetual settles in its quote). */
export function checkSwapFields(markets: Record<string, PaperMarketSpec>, ctx: z.RefinementCtx): void {
  for (const [symbol, spec] of Object.entries(markets)) {
    const { quote, settle } = symbolParts(symbol);
    if (settle === undefined) {
      for (const field of ['maintenanceMargin', 'maxLeverage', 'fundingRate'] as const) {
        if (spec[field] !== undefined) ctx.addIssue({ code: 'custom', path: [symbol, field], message: `only a perpetual has it (${swapSymbol(symbol)})` });
      }
    } else if (settle !== quote) {
      ctx.addIssue({ code: 'custom', path: [symbol], message: `a perpetual settles in its quote (${symbol.split(':')[0]}:${quote}): inverse perpetuals are not simulated` });
    } else if ((spec.maintenanceMargin ?? DEFAULT_MAINTENANCE) * BigInt(spec.maxLeverage ?? DEFAULT_MAX_LEVERAGE) >= ONE) {
      // At 1 / maintenance a position is liquidated as it opens.
      ctx.addIssue({ code: 'custom', path: [symbol, 'maxLeverage'], message: `must stay below 1 / maintenanceMargin (${fixedToString(div(ONE, spec.maintenanceMargin ?? DEFAULT_MAINTENANCE))})` });
    }
  }
}

/** As good as unlimited: a billion of the base asset on every level. */
const UNLIMITED_DEPTH = 10n ** 18n;

/** A market as the paper exchange trades it, from its spec (see `paperMarketSpec`). */
function paperMarket(symbol: string, spec: PaperMarketSpec): PaperMarket {
  const { base, quote, settle } = symbolParts(symbol);
  const market: PaperMarket = {
    symbol,
    base,
    quote,
    priceStep: spec.priceStep,
    amountStep: spec.amountStep,
    minAmount: spec.minAmount ?? spec.amountStep,
    minNotional: spec.minNotional,
    makerFee: spec.makerFee,
    takerFee: spec.takerFee,
    startPrice: spec.startPrice ?? 0n,
    volatility: spec.volatility,
    halfSpreadBps: 1,
    levelBps: 2,
    levels: 20,
    levelQuantity: spec.depth ?? UNLIMITED_DEPTH,
  };
  if (settle === undefined) return market;
  market.swap = { maintenanceMargin: spec.maintenanceMargin ?? DEFAULT_MAINTENANCE, maxLeverage: spec.maxLeverage ?? DEFAULT_MAX_LEVERAGE };
  if (spec.fundingRate !== undefined) market.fundingRate = spec.fundingRate;
  return market;
}

const DEFAULT_MAINTENANCE = toFixed('0.005', 'maintenanceMargin');
const DEFAULT_MAX_LEVERAGE = 50;

/** Spot markets with Binance-like precision, minimums and 0.1 % fees. */
export const PAPER_MARKETS: readonly PaperMarket[] = Object.entries({
  'BTC/USDT': { startPrice: '95000', priceStep: '0.01', amountStep: '0.00001', volatility: 0.55, depth: '2' },
  'ETH/USDT': { startPrice: '3400', priceStep: '0.01', amountStep: '0.0001', volatility: 0.7, depth: '40' },
  'SOL/USDT': { startPrice: '180', priceStep: '0.01', amountStep: '0.001', volatility: 0.9, depth: '600' },
  'XRP/USDT': { startPrice: '2.2', priceStep: '0.0001', amountStep: '0.1', volatility: 0.9, depth: '50000' },
  'BNB/USDT': { startPrice: '650', priceStep: '0.01', amountStep: '0.001', volatility: 0.5, depth: '150' },
  'DOGE/USDT': { startPrice: '0.32', priceStep: '0.00001', amountStep: '1', volatility: 1.1, depth: '300000' },
}).map(([symbol, spec]) => paperMarket(symbol, paperMarketSpec.parse({ ...spec, minNotional: '5' })));

/**
 * A linear perpetual beside each spot built-in (`BTC/USDT:USDT`), with USDⓈ-M-like fees (0.02 % maker,
 * 0.05 % taker), 0.5 % maintenance margin and up to 50x. Its price is its spot market's where both are listed.
 */
export const PAPER_SWAPS: readonly PaperMarket[] = PAPER_MARKETS.map((spot) => ({
  ...spot,
  symbol: swapSymbol(spot.symbol),
  makerFee: toFixed('0.0002', 'makerFee'),
  takerFee: toFixed('0.0005', 'takerFee'),
  swap: { maintenanceMargin: DEFAULT_MAINTENANCE, maxLeverage: DEFAULT_MAX_LEVERAGE },
  index: spot.symbol,
}));

/** The paper exchange's markets: the built-ins (spot, then perpetuals), with those of `specs` added or put in their place. */
export function paperMarkets(specs: Record<string, PaperMarketSpec> = {}): PaperMarket[] {
  return [...PAPER_MARKETS, ...PAPER_SWAPS].filter((m) => !(m.symbol in specs)).concat(Object.entries(specs).map(([symbol, spec]) => paperMarket(symbol, spec)));
}
