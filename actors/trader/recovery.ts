import type { Balances } from '../trading/ledger.js';
import type { Order } from '../trading/order.js';
import type { Position } from '../trading/position.js';
import type { TraderMode } from '../risk/limits.js';

/**
 * What a trader started without a snapshot (the platform restarted) gets back from the database:
 * enough to go on trading without repeating itself. The strategy's indicators start again and warm up.
 */
export interface RecoveredTrader {
  positions: Position[];
  /** The latest balance of each asset; undefined when the trader never traded (start from the config). */
  balances: Balances | undefined;
  /** Orders not yet final, to reconcile with the exchange. */
  orders: Order[];
  /** Ids of its latest signals, oldest first, so that a signal sent again is still a duplicate. */
  signalIds: string[];
  mode: TraderMode;
  modeReason: string;
}

/** The persistence actor's answer to `{ type: 'recover', traderId }`. */
export type RecoverReply = { type: 'recovered'; state: RecoveredTrader } | { type: 'recoverFailed'; reason: string };
