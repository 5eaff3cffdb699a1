import type { Opinion } from '../../ai/verdict.js';
import type { Fill } from '../trading/exchange-protocol.js';
import type { Fixed } from '../trading/fixed.js';
import type { LedgerEntry } from '../trading/ledger.js';
import type { Order } from '../trading/order.js';
import type { Position } from '../trading/position.js';
import type { Signal } from '../trading/signal.js';
import type { TraderMode } from '../risk/limits.js';

/**
 * What a trader reports after each message it processed, in one `traderEvents` message: the feed
 * persistence, the API, the WebSocket stream and the metrics are built on.
 */
export type TraderEvent =
  | { kind: 'signal.rejected'; signalId?: string; field: string; reason: string; at: number }
  | { kind: 'signal.duplicate'; signalId: string; at: number }
  | ({ kind: 'signal.accepted'; clientOrderId: string; sized: SizedOrder; at: number } & SignalAsked)
  | ({ kind: 'signal.skipped'; reason: string; at: number } & SignalAsked)
  | { kind: 'order'; order: Order }
  | { kind: 'fill'; clientOrderId: string; signalId: string; symbol: string; side: Order['side']; fill: Fill; position: Position; at: number }
  /** `equity`: the trader's equity in its quote currency once these entries are booked. */
  | { kind: 'ledger'; entries: LedgerEntry[]; equity: Fixed }
  | ({ kind: 'review'; signalId: string; at: number } & ReviewDecision)
  | { kind: 'mode'; mode: TraderMode; reason: string; at: number }
  | { kind: 'execution.invalid'; clientOrderId?: string; reason: string; at: number }
  | { kind: 'reconciled'; clientOrderId: string; outcome: string; at: number }
  /** The order never left: its cluster node no longer holds the trader's lease. It stays new, for the trader's next owner to send. */
  | { kind: 'order.fenced'; clientOrderId: string; reason: string; at: number }
  /** The exchange liquidated a swap position (its fill follows as a `fill` of order `liquidation-<trade id>`). */
  | { kind: 'liquidation'; symbol: string; side: Order['side']; quantity: Fixed; price: Fixed; reason: string; at: number }
  /** A funding payment on a swap position: received (positive) or paid, at `rate` of its notional. */
  | { kind: 'funding'; symbol: string; amount: Fixed; rate?: Fixed; position: Position; at: number }
  /** At its first start on a real account, the trader took over the perpetual positions the account held. */
  | { kind: 'positions.adopted'; positions: Position[]; at: number }
  /** At a start from the database, the account's perpetual positions differed from the trader's: it halted. */
  | { kind: 'positions.mismatch'; positions: { symbol: string; ours: Fixed; theirs: Fixed }[]; at: number }
  /** An exit ended: the symbol is `flat`, or `unclosed` with `quantity` left and the reason. */
  | { kind: 'exit'; symbol: string; signalId: string; outcome: 'flat' | 'unclosed'; quantity: Fixed; reason: string; at: number };

/** What a signal asked for, as it was asked: stored with its outcome. */
export interface SignalAsked {
  signalId: string;
  strategy: string;
  symbol: string;
  action: Signal['action'];
  /** `limit` when the signal named a price, else `market`. */
  orderType: 'market' | 'limit';
  /** The quantity asked for; absent when the trader sizes it (a BUY by `orderNotional`, a SELL or CLOSE of what is held). */
  quantity?: Fixed;
  /** The limit price asked for. */
  price?: Fixed;
}

/** The order an accepted signal became. */
export interface SizedOrder {
  side: Order['side'];
  quantity: Fixed;
  /** Held for the AI reviewer: the order waits for its verdict before it reaches the exchange. */
  review: boolean;
  /** Why the quantity differs from the one asked for (only what is held can be sold; lots round down). */
  note?: string;
}

/** How a held order was decided (the reviewer's `verdict` message, less its type). */
export interface ReviewDecision {
  clientOrderId: string;
  approved: boolean;
  reason: string;
  /** `ai`: both reviews agreed; `human`: the review queue; `policy`: no verdict in time or the reviewer failed; `expiry`: nobody decided in time. */
  by: 'ai' | 'human' | 'policy' | 'expiry';
  /** Passed without a review, by the trader's `onFailure: pass`. */
  flagged: boolean;
  opinions: Opinion[];
  /** The human reviewer's note. */
  note?: string;
  /** Who decided, when a human did (the API token's name). */
  decidedBy?: string;
}

export type TraderEventsMessage = {
  type: 'traderEvents';
  traderId: string;
  events: TraderEvent[];
  /** In a cluster: the lease generation the trader made them under (see `Fenced`). */
  generation?: number;
};
