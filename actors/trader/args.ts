import type { Address } from '../../runtime/message.js';
import type { StrategySpec } from '../strategies/load.js';
import type { Fixed } from '../trading/fixed.js';
import type { MarginMode } from '../trading/margin.js';
import type { Market } from '../trading/market.js';
import type { PreTradeLimits } from '../risk/limits.js';

/** Everything a trader actor is started with (its spec's `args`), built by the platform from the config file. */
export interface TraderArgs {
  id: string;
  /** Addresses of the actors it talks to. */
  exchange: Address;
  risk: Address;
  reviewer: Address;
  /** Where its events go: the persistence actor when there is a database (it passes them on once stored), else the events hub. */
  events: Address;
  /** The persistence actor, which a trader started without a snapshot asks for its state. */
  persistence?: Address;
  /** Its account on the exchange. */
  account: string;
  /** Markets of the symbols it trades: nothing else is accepted. */
  markets: Market[];
  strategy?: StrategySpec;
  /** Size of an order whose signal gives no quantity, in quote. */
  orderNotional: Fixed;
  /** On a swap market, a SELL beyond the long opens or grows a short; without it SELL only reduces a long. */
  allowShort?: boolean;
  /** Leverage per swap symbol (1 when absent) and the margin mode of every swap position. */
  leverage?: Record<string, number>;
  marginMode?: MarginMode;
  limits: PreTradeLimits;
  /** Which orders wait for the AI reviewer's verdict, and what a missing verdict means. */
  review: ReviewPolicy;
  /** Starting balances of the ledger, the same ones the exchange account opened with. */
  balances: Record<string, Fixed>;
  /**
   * A real account's share (ccxt): at its first start the ledger is this share of what the account
   * holds of the trader's assets, read from the exchange, instead of `balances`.
   */
  accountShare?: Fixed;
  /** Signal ids remembered for the duplicate check. */
  dedupeWindow: number;
  /** How often the trader reports its exposure to the risk manager. */
  reportMs: number;
  /** In a cluster: the generation of this node's lease on the trader, sent with its orders and its events, so that a stale one is refused (`OrderFence`). */
  generation?: number;
}

/** A trader's review policy (the config's `review`): an order is reviewed when any rule asks for it. */
export interface ReviewPolicy {
  all: boolean;
  /** Orders of this notional and more. */
  above?: Fixed;
  /** Orders on a symbol the trader never held. */
  newSymbols: boolean;
  /** Orders after this many losing closes in a row; 0: off. */
  afterLosses: number;
  /** Share of the other orders reviewed, picked by signal id. */
  sample: number;
  timeoutMs: number;
  onFailure: 'reject' | 'pass';
}
