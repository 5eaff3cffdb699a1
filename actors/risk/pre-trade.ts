import { abs, fixedToString, mul, pct, type Fixed } from '../trading/fixed.js';
import type { Side } from '../trading/order.js';
import type { PreTradeLimits, TraderMode } from './limits.js';

/** A token bucket, as plain data so it survives in the trader's snapshot. */
export interface RateState {
  tokens: number;
  at: number;
}

export interface PreTradeOrder {
  symbol: string;
  side: Side;
  quantity: Fixed;
  /** Price the order is valued at: its limit, or the last mark for a market order. */
  price: Fixed;
}

export interface PreTradeContext {
  mode: TraderMode;
  /** Signed position in the order's symbol, including the open orders' effect on it. */
  position: Fixed;
  openOrders: number;
  rate: RateState;
  now: number;
}

/**
 * The pre-trade check, run in the trader's own thread for every order so that it costs no message hop.
 * Returns why the order is refused, or undefined when it passes (and then takes a rate token).
 * The risk manager changes what it sees through interventions (mode) and limits.
 */
export function preTradeCheck(order: PreTradeOrder, limits: PreTradeLimits, context: PreTradeContext): string | undefined {
  const reduces = context.position !== 0n && (order.side === 'sell') === context.position > 0n && order.quantity <= abs(context.position);
  if (context.mode === 'halted') return 'trader is halted';
  if (context.mode === 'reduce-only' && !reduces) return 'reduce-only: the order would not reduce the position';
  const notional = mul(order.quantity, order.price);
  if (limits.maxOrderNotional !== undefined && notional > limits.maxOrderNotional) {
    return `order notional ${fixedToString(notional)} above the limit ${fixedToString(limits.maxOrderNotional)}`;
  }
  if (limits.maxPosition !== undefined && !reduces) {
    const after = abs(context.position + (order.side === 'buy' ? order.quantity : -order.quantity));
    const value = mul(after, order.price);
    if (value > limits.maxPosition) return `position would be ${fixedToString(value)}, above the limit ${fixedToString(limits.maxPosition)}`;
  }
  if (limits.maxOpenOrders !== undefined && context.openOrders >= limits.maxOpenOrders) {
    return `${context.openOrders} orders open, the limit is ${limits.maxOpenOrders}`;
  }
  if (limits.maxOrdersPerSecond !== undefined && !takeToken(context.rate, limits.maxOrdersPerSecond, context.now)) {
    return `order rate above ${limits.maxOrdersPerSecond}/s`;
  }
  return undefined;
}

/** What an order would leave on a swap: the trader's leverage and its position's liquidation distance. */
export interface MarginAfter {
  /** Notional of every swap position over equity (ONE = 1x). */
  leverage: Fixed;
  /** |mark - liquidation price| / mark of the order's position; absent when it has none (flat, or a long its collateral covers to zero). */
  liquidationDistance?: Fixed;
}

/** The swap limits of `limits` checked against what an order would leave; undefined when it passes. */
export function marginCheck(after: MarginAfter, limits: PreTradeLimits): string | undefined {
  if (limits.maxLeverage !== undefined && after.leverage > limits.maxLeverage) {
    return `leverage would be ${fixedToString(after.leverage)}x, above the limit ${fixedToString(limits.maxLeverage)}x`;
  }
  if (limits.minLiquidationDistance !== undefined && after.liquidationDistance !== undefined && after.liquidationDistance < limits.minLiquidationDistance) {
    return `liquidation price would be ${pct(after.liquidationDistance)} from the mark, nearer than the limit ${pct(limits.minLiquidationDistance)}`;
  }
  return undefined;
}

function takeToken(rate: RateState, perSecond: number, now: number): boolean {
  rate.tokens = Math.min(perSecond, rate.tokens + ((now - rate.at) * perSecond) / 1000);
  rate.at = now;
  if (rate.tokens < 1) return false;
  rate.tokens -= 1;
  return true;
}
