import { abs, div, min, type Fixed } from '../trading/fixed.js';
import { roundAmount, type Market } from '../trading/market.js';
import type { Side } from '../trading/order.js';
import type { Signal } from '../trading/signal.js';

export type Sizing = { ok: true; side: Side; quantity: Fixed } | { ok: false; reason: string };

/**
 * Turns a signal into a side and a quantity, rounded down to the lot size. Spot is long-only: BUY
 * buys the signal's quantity or `orderNotional` worth at `price`; SELL sells at most what is held;
 * CLOSE sells (or buys back) the whole position.
 */
export function sizeOrder(signal: Signal, market: Market, position: Fixed, price: Fixed, orderNotional: Fixed): Sizing {
  let side: Side;
  let quantity: Fixed;
  if (signal.action === 'CLOSE') {
    if (position === 0n) return { ok: false, reason: 'no position to close' };
    side = position > 0n ? 'sell' : 'buy';
    quantity = abs(position);
  } else if (signal.action === 'BUY') {
    side = 'buy';
    quantity = signal.quantity ?? div(orderNotional, price);
  } else {
    if (position <= 0n) return { ok: false, reason: 'nothing to sell (spot is long-only)' };
    side = 'sell';
    quantity = min(signal.quantity ?? position, position);
  }
  quantity = roundAmount(market, quantity);
  if (quantity <= 0n) return { ok: false, reason: 'quantity rounds to zero at the lot size' };
  return { ok: true, side, quantity };
}
