import { TradingError } from './errors.js';
import type { Fixed } from './fixed.js';

export type Side = 'buy' | 'sell';
export type OrderType = 'market' | 'limit';
export type OrderStatus = 'new' | 'open' | 'partially_filled' | 'filled' | 'cancelled' | 'rejected' | 'expired';

/**
 * The legal moves of an order. An exchange acknowledges (`open`) or rejects a new order; fills, a
 * cancel or an expiry end it. Anything else is a bug or a corrupt exchange report, and is refused.
 */
const TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  new: ['open', 'rejected'],
  open: ['partially_filled', 'filled', 'cancelled', 'expired'],
  partially_filled: ['partially_filled', 'filled', 'cancelled', 'expired'],
  filled: [],
  cancelled: [],
  rejected: [],
  expired: [],
};

export function isTerminal(status: OrderStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/** An order as the trader tracks it. Plain data: it travels in messages and snapshots. */
export interface Order {
  clientOrderId: string;
  exchangeOrderId?: string;
  traderId: string;
  signalId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: Fixed;
  /** Limit price; absent for market orders. */
  price?: Fixed;
  reduceOnly: boolean;
  status: OrderStatus;
  filled: Fixed;
  /** Sum of price * quantity over fills, for the average fill price. */
  filledNotional: Fixed;
  fees: Fixed;
  reason?: string;
  /** Held by the trader for the AI reviewer: the exchange has not seen it. */
  awaitingReview?: boolean;
  /** A new order recovered from the database: its signal's strategy, should it be reviewed again (see `TraderCore.onReconciled`). */
  strategy?: string;
  createdAt: number;
  updatedAt: number;
}

/** Moves `order` to `to`, or throws `ERR_ILLEGAL_TRANSITION`. */
export function transition(order: Order, to: OrderStatus, at: number): void {
  if (!TRANSITIONS[order.status].includes(to)) {
    throw new TradingError('ERR_ILLEGAL_TRANSITION', `order ${order.clientOrderId}: ${order.status} -> ${to} is not a legal transition`);
  }
  order.status = to;
  order.updatedAt = at;
}

/** Records a fill and moves the order to `partially_filled` or `filled`. Overfills are refused. */
export function applyFill(order: Order, quantity: Fixed, notional: Fixed, fee: Fixed, at: number): void {
  const filled = order.filled + quantity;
  if (quantity <= 0n || filled > order.quantity) {
    throw new TradingError('ERR_ILLEGAL_TRANSITION', `order ${order.clientOrderId}: fill of ${quantity} would take it from ${order.filled} to over its quantity ${order.quantity}`);
  }
  transition(order, filled === order.quantity ? 'filled' : 'partially_filled', at);
  order.filled = filled;
  order.filledNotional += notional;
  order.fees += fee;
}
