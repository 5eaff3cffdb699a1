import { z } from 'zod';
import type { Address } from '../../runtime/message.js';
import type { Fixed } from './fixed.js';
import type { MarginMode } from './margin.js';
import type { Candle } from './market.js';
import type { OrderType, Side } from './order.js';

/**
 * The message interface every exchange adapter actor speaks, the paper exchange and the ccxt ones
 * alike, so a trader changes exchange by configuration alone. Batches everywhere: one `place` carries
 * many orders and one `executions` many reports, so a busy trader costs one hop per batch, not per order.
 */

/** An order as sent to an exchange. */
export interface OrderRequest {
  clientOrderId: string;
  account: string;
  /** Where the execution reports go. */
  replyTo: Address;
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: Fixed;
  price?: Fixed;
  /** Never opens or grows a position: the exchange trims or refuses what would. */
  reduceOnly?: boolean;
  /** On a swap: the leverage and margin mode the position is held at (see `SwapTerms`). */
  leverage?: number;
  marginMode?: MarginMode;
  ts: number;
}

/**
 * `liquidation` and `funding` are the exchange's own doing on a swap position, not an order's: their
 * `clientOrderId` is empty. A liquidation carries the closing fill and its `side`; funding, the payment.
 * `fenced`: the order never left this cluster node, which no longer holds its trader's lease (see `OrderFence`).
 */
export type ExecutionKind = 'accepted' | 'fill' | 'cancelled' | 'rejected' | 'expired' | 'duplicate' | 'liquidation' | 'funding' | 'fenced';

export interface Fill {
  tradeId: string;
  quantity: Fixed;
  price: Fixed;
  fee: Fixed;
  feeAsset: string;
  liquidity: 'maker' | 'taker';
}

/** One event in an order's life, in order; the trader replays them through its order state machine. */
export interface ExecutionReport {
  kind: ExecutionKind;
  clientOrderId: string;
  exchangeOrderId?: string;
  account: string;
  symbol: string;
  fill?: Fill;
  /** The side of a liquidation's closing fill. */
  side?: Side;
  /** A funding payment: received (positive) or paid, in the quote, at `rate` of the notional where the exchange says. */
  funding?: { amount: Fixed; rate?: Fixed };
  /** Why an order was rejected, cancelled or expired; why a position was liquidated. */
  reason?: string;
  ts: number;
}

/**
 * What the exchange knows of one order, for reconciliation after a restart: every fill so far, in
 * order, and where the order stands. `known: false`: the exchange has no such order.
 */
export interface ExchangeOrderState {
  clientOrderId: string;
  known: boolean;
  status?: 'open' | 'filled' | 'cancelled' | 'rejected' | 'expired';
  exchangeOrderId?: string;
  fills: Fill[];
  reason?: string;
}

/** The answer to `getBalances`: what the account holds of each asset, free and locked (in orders, or as margin). */
export interface BalancesReply {
  type: 'balances';
  account: string;
  balances: Record<string, { free: Fixed; locked: Fixed }>;
}

/** What an account holds of a perpetual, as the exchange says: signed quantity (long > 0) and entry. */
export interface HeldPosition {
  quantity: Fixed;
  entry: Fixed;
}

/** The answer to `getPositions`: the account's perpetual positions, by symbol (a flat one is absent). */
export interface PositionsReply {
  type: 'positions';
  account: string;
  positions: Record<string, HeldPosition>;
}

export type ExchangeRequest =
  /** `generation`: the trader's lease generation in a cluster (see `OrderFence`); absent in one process. */
  | { type: 'place'; orders: OrderRequest[]; generation?: number }
  | { type: 'cancel'; account: string; replyTo: Address; clientOrderIds?: string[] }
  /**
   * `account`: the subscriber's, whose funding and liquidations on these symbols' perpetuals it is sent,
   * from `since` (ms, per symbol) where given, else from now.
   */
  | { type: 'subscribe'; subscriber: Address; symbols: string[]; account?: string; since?: Record<string, number> }
  | { type: 'openAccount'; account: string; balances: Record<string, Fixed> }
  /** `wallet: 'swap'`: the futures wallet, as a ledger counts it (unrealized P&L left out). */
  | { type: 'getBalances'; account: string; wallet?: 'spot' | 'swap' }
  /** Answered with a `PositionsReply`. */
  | { type: 'getPositions'; account: string }
  | { type: 'getOpenOrders'; account: string }
  /** Answered with a `reconciled` message sent to `replyTo`, behind the reports already sent to it. */
  | { type: 'reconcile'; account: string; replyTo: Address; orders: { clientOrderId: string; symbol: string }[] }
  /** Orders held while their trader's lease lapsed are judged again (a timer of the actor's sends it; see `OrderFence`). */
  | { type: 'unfence' };

export type ExchangeEvent =
  | { type: 'executions'; reports: ExecutionReport[] }
  | { type: 'candles'; candles: Candle[] }
  | { type: 'reconciled'; orders: ExchangeOrderState[] };

const fixed = z.bigint();

/**
 * Validates one order where it enters the exchange actor. Orders arrive in batches whose envelope is
 * checked at the mailbox; each order is checked here so that one bad order is rejected alone, with the
 * field named, and the rest of the batch goes on.
 */
export const orderRequestSchema = z.object({
  clientOrderId: z.string().min(1).max(36),
  account: z.string().min(1),
  replyTo: z.string().min(1),
  symbol: z.string().min(1),
  side: z.enum(['buy', 'sell']),
  type: z.enum(['market', 'limit']),
  quantity: fixed.positive(),
  price: fixed.positive().optional(),
  reduceOnly: z.boolean().optional(),
  leverage: z.number().int().min(1).max(1000).optional(),
  marginMode: z.enum(['isolated', 'cross']).optional(),
  ts: z.number(),
});

/** The mailbox schema of an exchange adapter actor: envelopes only (see `orderRequestSchema`). */
export const exchangeMessages = z.discriminatedUnion('type', [
  z.object({ type: z.literal('place'), orders: z.array(z.unknown()), generation: z.number().int().positive().optional() }),
  z.object({ type: z.literal('cancel'), account: z.string(), replyTo: z.string(), clientOrderIds: z.array(z.string()).optional() }),
  z.object({
    type: z.literal('subscribe'),
    subscriber: z.string(),
    symbols: z.array(z.string()),
    account: z.string().optional(),
    since: z.record(z.string(), z.number()).optional(),
  }),
  z.object({ type: z.literal('openAccount'), account: z.string(), balances: z.record(z.string(), fixed) }),
  z.object({ type: z.literal('getBalances'), account: z.string(), wallet: z.enum(['spot', 'swap']).optional() }),
  z.object({ type: z.literal('getPositions'), account: z.string() }),
  z.object({ type: z.literal('getOpenOrders'), account: z.string() }),
  z.object({
    type: z.literal('reconcile'),
    account: z.string(),
    replyTo: z.string().min(1),
    /** The symbol too: most exchanges look an order up within its market. */
    orders: z.array(z.object({ clientOrderId: z.string(), symbol: z.string() })),
  }),
  z.object({ type: z.literal('unfence') }),
]);
