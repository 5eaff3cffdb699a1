import type { Fixed } from '../trading/fixed.js';

/** Per-trader limits checked before every order. Notionals are in the quote currency. */
export interface PreTradeLimits {
  /** Largest position per symbol, as notional at the order's price (v2 `max_position_size`). */
  maxPosition?: Fixed;
  maxOrderNotional?: Fixed;
  maxOpenOrders?: number;
  /** Orders per second, as a token bucket with a burst of the same size. */
  maxOrdersPerSecond?: number;
  /** Swaps: the largest notional of every swap position over equity an order may leave (3 = 3x). */
  maxLeverage?: Fixed;
  /** Swaps: the nearest an order may bring its position's liquidation price to the mark, as a fraction of the mark. */
  minLiquidationDistance?: Fixed;
}

/** What the risk manager watches, per trader and for the whole portfolio. Fractions are `Fixed` (0.02 = 2 %). */
export interface MonitorLimits {
  /** Close a position whose loss from its entry reaches this fraction (v2 `stop_loss_pct`). */
  stopLoss?: Fixed;
  /** Close a position whose gain from its entry reaches this fraction. */
  takeProfit?: Fixed;
  /** Loss since the start of the UTC day, in quote; beyond it: halt and close positions (emergency stop for the portfolio). */
  dailyLossLimit?: Fixed;
  /** Fall from the equity peak, as a fraction; beyond it: halt (every trader for the portfolio). */
  maxDrawdown?: Fixed;
  /** Sum of |position notional| in quote; beyond it: reduce-only. */
  maxExposure?: Fixed;
  /** Swaps: close a position whose margin ratio (maintenance over collateral plus P&L, 1 = liquidation) reaches this. */
  maxMarginRatio?: Fixed;
}

export type TraderMode = 'active' | 'reduce-only' | 'halted';

/** `lift-reduce-only` ends a reduce-only mode but leaves a halt in place; `resume` ends either. */
export type InterventionAction = 'halt' | 'reduce-only' | 'lift-reduce-only' | 'close-positions' | 'emergency-stop' | 'resume';
