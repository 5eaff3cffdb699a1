import { z } from 'zod';
import { fixedToString } from '../trading/fixed.js';
import { emptyWindow, highest, lowest, perSymbolStrategy, windowFull, windowPush, windowSchema } from './indicators.js';
import { defineStrategy, type StrategySignal } from './strategy.js';

const params = z.strictObject({
  lookback: z.number().int().min(1).max(1000).default(20),
});

/**
 * A long-only channel breakout (Donchian): BUY when the close breaks above the highest high of the
 * previous `lookback` candles, then SELL to exit when a close breaks below their lowest low. A breakout
 * while already long, or a breakdown while flat, gives nothing, so entries and exits alternate.
 */
export const breakout = defineStrategy({
  type: 'breakout',
  description: 'BUY when the close breaks above the highest high of the last `lookback` candles, SELL (exit) when it breaks below their lowest low',
  params,
  create({ lookback }, snapshot) {
    const stateSchema = z.object({ highs: windowSchema(lookback), lows: windowSchema(lookback), long: z.boolean() });
    return perSymbolStrategy<z.infer<typeof stateSchema>>({
      state: stateSchema,
      snapshot,
      init: () => ({ highs: emptyWindow(lookback), lows: emptyWindow(lookback), long: false }),
      onCandle(state, candle) {
        const signals: StrategySignal[] = [];
        // The channel is that of the previous candles: the current one joins it only after the test.
        if (windowFull(state.highs)) {
          const close = fixedToString(candle.close);
          const high = highest(state.highs)!;
          const low = lowest(state.lows)!;
          if (!state.long && candle.close > high) {
            state.long = true;
            signals.push({ symbol: candle.symbol, action: 'BUY', reason: `close ${close} broke above the ${lookback}-candle high ${fixedToString(high)}` });
          } else if (state.long && candle.close < low) {
            state.long = false;
            signals.push({ symbol: candle.symbol, action: 'SELL', reason: `close ${close} broke below the ${lookback}-candle low ${fixedToString(low)}` });
          }
        }
        windowPush(state.highs, candle.high);
        windowPush(state.lows, candle.low);
        return signals;
      },
    });
  },
});
