import { SMA } from 'trading-signals';
import { z } from 'zod';
import { fixedToNumber } from '../trading/fixed.js';
import { NO_SIGNALS, perSymbolStrategy } from './indicators.js';
import { defineStrategy, type Indicator } from './strategy.js';

const params = z
  .strictObject({
    fast: z.number().int().min(1).max(1000).default(10),
    slow: z.number().int().min(2).max(1000).default(30),
  })
  .refine((p) => p.fast < p.slow, { message: 'fast must be less than slow', path: ['fast'] });

/**
 * Trend following on two simple moving averages of the close (`trading-signals`' SMA): BUY when the
 * fast one crosses above the slow one, SELL when it crosses below. Signals alternate, one per cross:
 * touching without crossing (the averages equal) changes nothing, and the side the averages start on
 * is no cross.
 *
 * Its state is plain data, so a restart resumes it exactly: the closes the slow average covers and the
 * side the averages were last on. The averages are rebuilt from those closes.
 */
export const smaCrossover = defineStrategy({
  type: 'sma_crossover',
  description: 'BUY when the fast SMA of the close crosses above the slow SMA, SELL when it crosses below',
  params,
  warmup: ({ slow }) => slow,
  create({ fast, slow }, snapshot) {
    const stateSchema = z.object({
      slow: z.literal(slow, { error: `snapshot was taken with another slow period, not ${slow}` }),
      closes: z.array(z.number()).max(slow),
      side: z.enum(['above', 'below']).optional(),
    });
    const averages = new Map<string, { fast: SMA; slow: SMA }>();
    /**
     * The averages of a symbol, rebuilt from its state's closes the first time they are needed. The
     * state's closes then become the slow average's own window (the library keeps it in place): the
     * snapshot copies them from there, and no candle pushes each close twice.
     */
    const averagesOf = (symbol: string, state: { closes: number[] }) => {
      let pair = averages.get(symbol);
      if (!pair) {
        pair = { fast: new SMA(fast), slow: new SMA(slow) };
        for (const close of state.closes) {
          pair.fast.add(close);
          pair.slow.add(close);
        }
        state.closes = pair.slow.prices;
        averages.set(symbol, pair);
      }
      return pair;
    };
    return perSymbolStrategy<z.infer<typeof stateSchema>>({
      state: stateSchema,
      snapshot,
      init: () => ({ slow, closes: [] }),
      onCandle(state, candle) {
        const pair = averagesOf(candle.symbol, state);
        const close = fixedToNumber(candle.close);
        pair.fast.add(close);
        pair.slow.add(close);
        // fast < slow, so the fast average is stable whenever the slow one is.
        if (!pair.slow.isStable) return NO_SIGNALS;
        const difference = Number(pair.fast.getResultOrThrow()) - Number(pair.slow.getResultOrThrow());
        if (difference === 0) return NO_SIGNALS;
        const side = difference > 0 ? 'above' : 'below';
        const previous = state.side;
        state.side = side;
        if (previous === undefined || previous === side) return NO_SIGNALS;
        return [{ symbol: candle.symbol, action: side === 'above' ? 'BUY' : 'SELL', reason: `SMA${fast} crossed ${side} SMA${slow}` }];
      },
      indicators(state, symbol) {
        const pair = averagesOf(symbol, state);
        const lines: Indicator[] = [];
        if (pair.fast.isStable) lines.push({ name: `SMA${fast}`, value: Number(pair.fast.getResultOrThrow()) });
        if (pair.slow.isStable) lines.push({ name: `SMA${slow}`, value: Number(pair.slow.getResultOrThrow()) });
        return lines;
      },
    });
  },
});
