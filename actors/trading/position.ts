import { abs, div, mul, type Fixed } from './fixed.js';
import type { Side } from './order.js';

/**
 * A net position in one symbol: signed quantity (long > 0), average entry price, realized P&L and
 * fees, all in the quote currency. Plain data, so it can be snapshotted and sent.
 */
export interface Position {
  symbol: string;
  quantity: Fixed;
  avgEntry: Fixed;
  realizedPnl: Fixed;
  fees: Fixed;
  openedAt: number;
  /** Funding received (positive) or paid on a swap, in the quote currency; absent on spot. */
  funding?: Fixed;
  /**
   * A swap's funding is booked up to this time (the exchange's, in ms): that of the last payment, or
   * when the trader took the position over. A payment at or before it is one already booked.
   */
  fundedTo?: number;
}

export function emptyPosition(symbol: string): Position {
  return { symbol, quantity: 0n, avgEntry: 0n, realizedPnl: 0n, fees: 0n, openedAt: 0 };
}

/**
 * Applies a fill. Adding to the position moves the average entry; reducing it realizes
 * `(price - entry) * closed` (sign-adjusted for shorts); crossing through zero closes the old side and
 * opens the new one at the fill price.
 */
export function applyFillToPosition(position: Position, side: Side, quantity: Fixed, price: Fixed, fee: Fixed, at: number): void {
  const signed = side === 'buy' ? quantity : -quantity;
  const before = position.quantity;
  position.fees += fee;
  position.realizedPnl -= fee;
  if (before === 0n || (before > 0n) === (signed > 0n)) {
    const total = abs(before) + quantity;
    position.avgEntry = div(mul(position.avgEntry, abs(before)) + mul(price, quantity), total);
    if (before === 0n) position.openedAt = at;
    position.quantity = before + signed;
    return;
  }
  const closed = abs(signed) < abs(before) ? abs(signed) : abs(before);
  const direction = before > 0n ? 1n : -1n;
  position.realizedPnl += mul(price - position.avgEntry, closed) * direction;
  position.quantity = before + signed;
  if (position.quantity === 0n) {
    position.avgEntry = 0n;
  } else if ((position.quantity > 0n) !== (before > 0n)) {
    position.avgEntry = price;
    position.openedAt = at;
  }
}

/** Unrealized P&L at `mark`. */
export function unrealizedPnl(position: Position, mark: Fixed): Fixed {
  return position.quantity === 0n ? 0n : mul(mark - position.avgEntry, position.quantity);
}
