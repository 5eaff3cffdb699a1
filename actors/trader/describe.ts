import { fixedToString } from '../trading/fixed.js';
import type { Position } from '../trading/position.js';
import type { PositionMargin } from './core.js';

/**
 * A perpetual position's terms in words, for people (Telegram, the console):
 * `short 5x isolated, margin 200, liquidation 119.4, funding 0.3`.
 */
export function describePerpetual(position: Position, margin: PositionMargin): string {
  const liquidation = margin.liquidationPrice !== undefined ? `liquidation ${fixedToString(margin.liquidationPrice)}` : 'no liquidation price';
  return `${margin.side} ${margin.leverage}x ${margin.mode}, margin ${fixedToString(margin.margin)}, ${liquidation}, funding ${fixedToString(position.funding ?? 0n)}`;
}
