import { abs, div, fixedToString, min, type Fixed } from '../trading/fixed.js';
import { roundAmount, sizeProblem, type Market } from '../trading/market.js';
import type { Side } from '../trading/order.js';
import type { Signal } from '../trading/signal.js';

export type Sizing = { ok: true; side: Side; quantity: Fixed; note?: string } | { ok: false; reason: string };

/** What the trader holds of a symbol, as sizing sees it. */
export interface Holding {
  /** Signed filled position: what is actually held. */
  position: Fixed;
  /** Quantity already promised to live sell orders (not yet filled). */
  selling: Fixed;
}

/**
 * Turns a BUY or SELL into a side and a quantity, rounded down to the lot size. BUY buys the signal's
 * quantity or `orderNotional` worth at `price`. Spot is long-only, and so is a swap unless `shorts`:
 * SELL sells at most what is held and not already promised to a live sell order. With `shorts` (a swap
 * whose trader allows them) SELL is BUY's mirror: one-way mode nets it against a long, and what is left
 * opens or grows a short. Resting BUYs never count as held: their quantity may never arrive. When the
 * quantity differs from the one asked for, `note` says why.
 */
export function sizeOrder(signal: Signal, market: Market, holding: Holding, price: Fixed, orderNotional: Fixed, shorts = false): Sizing {
  let side: Side;
  let quantity: Fixed;
  let note: string | undefined;
  if (signal.action === 'BUY' || shorts) {
    side = signal.action === 'BUY' ? 'buy' : 'sell';
    quantity = signal.quantity ?? div(orderNotional, price);
  } else {
    const sellable = holding.position - holding.selling;
    if (sellable <= 0n) {
      const longOnly = market.swap ? 'shorts need allowShort' : 'spot is long-only';
      return { ok: false, reason: holding.position <= 0n ? `nothing to sell (${longOnly})` : `nothing to sell: ${fixedToString(holding.position)} held, all of it in live sell orders` };
    }
    side = 'sell';
    quantity = min(signal.quantity ?? sellable, sellable);
    if (signal.quantity !== undefined && quantity < signal.quantity) {
      note = `sized down from ${fixedToString(signal.quantity)} to ${fixedToString(quantity)}: ${fixedToString(holding.position)} held${holding.selling > 0n ? `, ${fixedToString(holding.selling)} of it in live sell orders` : ''}`;
    }
  }
  const rounded = roundAmount(market, quantity);
  if (rounded <= 0n) return { ok: false, reason: 'quantity rounds to zero at the lot size' };
  if (rounded < quantity && signal.quantity !== undefined) note = `${note ?? `sized down from ${fixedToString(quantity)}`}; rounded down to the lot size ${fixedToString(market.amountStep)}`;
  return note === undefined ? { ok: true, side, quantity: rounded } : { ok: true, side, quantity: rounded, note };
}

/**
 * The order that flattens a position: the whole filled position, rounded down to the lot size, on the
 * other side. What remains below the lot size or the exchange's minimums cannot be traded: the reason says so.
 */
export function sizeExit(market: Market, position: Fixed, price: Fixed): Sizing {
  const quantity = roundAmount(market, abs(position));
  const problem = quantity === 0n ? 'below one lot' : sizeProblem(market, quantity, price);
  if (problem) return { ok: false, reason: `${fixedToString(abs(position))} ${market.base} cannot be traded: ${problem} (lot ${fixedToString(market.amountStep)}, minimum ${fixedToString(market.minAmount)} ${market.base} and ${fixedToString(market.minNotional)} ${market.quote})` };
  return { ok: true, side: position > 0n ? 'sell' : 'buy', quantity };
}
