import { z } from 'zod';
import { div, fixedToNumber, fixedToString, mul, type Fixed } from '../actors/trading/fixed.js';
import type { Candle } from '../actors/trading/market.js';
import { emptyRsi, rsiPush } from '../actors/strategies/indicators.js';

const fixed = z.bigint();

/** An order waiting for review and the market context it was made in, as a trader sends it. */
export const reviewSubjectSchema = z.object({
  traderId: z.string(),
  order: z.object({
    clientOrderId: z.string().min(1),
    signalId: z.string(),
    symbol: z.string(),
    side: z.enum(['buy', 'sell']),
    type: z.enum(['market', 'limit']),
    quantity: fixed,
    price: fixed.optional(),
    /** The strategy's stated reason for the signal. */
    reason: z.string().optional(),
    strategy: z.string().optional(),
  }),
  context: z.object({
    mode: z.string(),
    /** Signed quantity held before this order. */
    position: fixed,
    mark: fixed.optional(),
    equity: fixed,
    /** The latest candles of the symbol, oldest first. */
    candles: z.array(z.object({ ts: z.number(), open: fixed, high: fixed, low: fixed, close: fixed, volume: fixed })).max(500),
  }),
});

export type ReviewSubject = z.infer<typeof reviewSubjectSchema>;

/** Indicators worked out from the candles: floats, as they only inform a judgement, never an amount. */
export interface MarketFacts {
  candles: number;
  lastClose?: string;
  changePct?: number;
  sma5?: number;
  sma20?: number;
  rsi14?: number;
  /** Standard deviation of close-to-close returns, in %. */
  volatilityPct?: number;
}

/**
 * What both kinds of reviewer judge: the order with its notional and share of equity, the position, and
 * market facts. Amounts are exact decimal strings; the same subject always gives the same description,
 * which makes it the cache key of a review as much as the prompt's content.
 */
export function describeSubject(subject: ReviewSubject) {
  const { order, context } = subject;
  const price = order.price ?? context.mark;
  const notional = price === undefined ? undefined : mul(order.quantity, price);
  return {
    trader: subject.traderId,
    order: {
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      quantity: fixedToString(order.quantity),
      ...(order.price !== undefined ? { limitPrice: fixedToString(order.price) } : {}),
      ...(notional !== undefined ? { notional: fixedToString(notional) } : {}),
      ...(notional !== undefined && context.equity > 0n ? { equitySharePct: round(fixedToNumber(div(notional, context.equity)) * 100) } : {}),
      strategy: order.strategy ?? null,
      reason: order.reason ?? null,
    },
    account: {
      mode: context.mode,
      position: fixedToString(context.position),
      equity: fixedToString(context.equity),
      ...(context.mark !== undefined ? { mark: fixedToString(context.mark) } : {}),
    },
    market: marketFacts(context.candles as Pick<Candle, 'close'>[]),
  };
}

export type SubjectDescription = ReturnType<typeof describeSubject>;

function marketFacts(candles: readonly Pick<Candle, 'close'>[]): MarketFacts {
  const closes = candles.map((c) => c.close);
  const facts: MarketFacts = { candles: closes.length };
  if (closes.length === 0) return facts;
  const last = closes.at(-1)!;
  facts.lastClose = fixedToString(last);
  const numbers = closes.map(fixedToNumber);
  if (numbers.length >= 2 && numbers[0]! > 0) facts.changePct = round(((numbers.at(-1)! - numbers[0]!) / numbers[0]!) * 100);
  if (numbers.length >= 5) facts.sma5 = round(mean(numbers.slice(-5)));
  if (numbers.length >= 20) facts.sma20 = round(mean(numbers.slice(-20)));
  const rsi = emptyRsi(14);
  let value: number | undefined;
  for (const close of closes) value = rsiPush(rsi, close as Fixed);
  if (value !== undefined) facts.rsi14 = round(value);
  if (numbers.length >= 3) {
    const returns = numbers.slice(1).map((n, i) => (n - numbers[i]!) / numbers[i]!);
    const m = mean(returns);
    facts.volatilityPct = round(Math.sqrt(mean(returns.map((r) => (r - m) ** 2))) * 100);
  }
  return facts;
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const round = (n: number) => Math.round(n * 10_000) / 10_000;
