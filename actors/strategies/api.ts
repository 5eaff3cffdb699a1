/**
 * What a strategy module imports: `import { defineStrategy, z } from 'bot-trading-v3/strategy'`.
 *
 * The README's example, `test/fixtures/strategies/sma-trend.ts`, is one: SMAs from `trading-signals`,
 * a BUY when the close is above its SMA and the trader is flat, a CLOSE below it.
 */
export { defineStrategy, type Indicator, type Strategy, type StrategyContext, type StrategyDefinition, type StrategySignal } from './strategy.js';
export type { Candle } from '../trading/market.js';
export { fixedToNumber, toFixed, type Fixed } from '../trading/fixed.js';
export { z } from 'zod';
