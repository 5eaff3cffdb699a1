import { mul, roundToStep, type Fixed } from './fixed.js';

/** What a trader must know of a market to size and round orders: its precision, minimums and fees. */
export interface Market {
  /** Unified symbol, `BASE/QUOTE`. */
  symbol: string;
  base: string;
  quote: string;
  /** Price tick. */
  priceStep: Fixed;
  /** Lot size. */
  amountStep: Fixed;
  minAmount: Fixed;
  /** Smallest `price * amount` accepted. */
  minNotional: Fixed;
  /** Fee rates as fractions (0.001 = 0.1 %). */
  makerFee: Fixed;
  takerFee: Fixed;
  /** A linear perpetual swap's terms (`BTC/USDT:USDT`, settled in the quote); absent on spot. */
  swap?: SwapTerms;
}

/** What a linear perpetual adds to a market: margin and leverage. Quantities are in the base asset. */
export interface SwapTerms {
  /** Maintenance margin rate: the share of a position's notional at the mark below which it is liquidated (0.004 = 0.4 %). */
  maintenanceMargin: Fixed;
  /** Highest leverage the venue allows on this market. */
  maxLeverage: number;
}

/** One OHLCV bar. `ts` is the bar's open time in ms since the epoch. */
export interface Candle {
  symbol: string;
  timeframe: string;
  ts: number;
  open: Fixed;
  high: Fixed;
  low: Fixed;
  close: Fixed;
  volume: Fixed;
}

/**
 * Why an order of `amount` at `price` is not acceptable on `market`, or undefined when it is. `amount`
 * and `price` must already be rounded to the market's steps.
 */
export function sizeProblem(market: Market, amount: Fixed, price: Fixed): string | undefined {
  if (amount <= 0n) return 'quantity must be positive';
  if (amount < market.minAmount) return `quantity below the market minimum`;
  if (mul(amount, price) < market.minNotional) return `notional below the market minimum`;
  return undefined;
}

/** Rounds a quantity down to the lot size: never trade more than asked. */
export function roundAmount(market: Market, amount: Fixed): Fixed {
  return roundToStep(amount, market.amountStep, 'down');
}

export function roundPrice(market: Market, price: Fixed): Fixed {
  return roundToStep(price, market.priceStep, 'half-even');
}
