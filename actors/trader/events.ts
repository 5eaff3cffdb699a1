import type { Fill } from '../trading/exchange-protocol.js';
import type { LedgerEntry } from '../trading/ledger.js';
import type { Order } from '../trading/order.js';
import type { Position } from '../trading/position.js';
import type { TraderMode } from '../risk/limits.js';

/**
 * What a trader reports after each message it processed, in one `traderEvents` message: the feed
 * persistence, the API, the WebSocket stream and the metrics are built on.
 */
export type TraderEvent =
  | { kind: 'signal.rejected'; signalId?: string; field: string; reason: string; at: number }
  | { kind: 'signal.duplicate'; signalId: string; at: number }
  | { kind: 'signal.skipped'; signalId: string; symbol: string; reason: string; at: number }
  | { kind: 'order'; order: Order }
  | { kind: 'fill'; clientOrderId: string; signalId: string; symbol: string; side: Order['side']; fill: Fill; position: Position; at: number }
  | { kind: 'ledger'; entries: LedgerEntry[] }
  | { kind: 'review'; clientOrderId: string; signalId: string; approved: boolean; reason: string; at: number }
  | { kind: 'mode'; mode: TraderMode; reason: string; at: number }
  | { kind: 'execution.invalid'; clientOrderId?: string; reason: string; at: number };

export interface TraderEventsMessage {
  type: 'traderEvents';
  traderId: string;
  events: TraderEvent[];
}
