import { z } from 'zod';
import { compareSma, emptySma, perSymbolStrategy, smaPush, smaSchema } from './indicators.js';
import { defineStrategy } from './strategy.js';

const params = z
  .strictObject({
    fast: z.number().int().min(1).max(1000).default(10),
    slow: z.number().int().min(2).max(1000).default(30),
  })
  .refine((p) => p.fast < p.slow, { message: 'fast must be less than slow', path: ['fast'] });

/**
 * Trend following on two simple moving averages of the close: BUY when the fast one crosses above the
 * slow one, SELL when it crosses below. Signals alternate, one per cross: touching without crossing
 * (the averages equal) changes nothing, and the side the averages start on is no cross.
 */
export const smaCrossover = defineStrategy({
  type: 'sma_crossover',
  description: 'BUY when the fast SMA of the close crosses above the slow SMA, SELL when it crosses below',
  params,
  create({ fast, slow }, snapshot) {
    const stateSchema = z.object({ fast: smaSchema(fast), slow: smaSchema(slow), side: z.enum(['above', 'below']).optional() });
    return perSymbolStrategy<z.infer<typeof stateSchema>>({
      state: stateSchema,
      snapshot,
      init: () => ({ fast: emptySma(fast), slow: emptySma(slow) }),
      onCandle(averages, candle) {
        smaPush(averages.fast, candle.close);
        // fast < slow, so the fast average is defined whenever the slow one is.
        if (!smaPush(averages.slow, candle.close)) return [];
        const order = compareSma(averages.fast, averages.slow);
        if (order === 0) return [];
        const side = order > 0 ? 'above' : 'below';
        const previous = averages.side;
        averages.side = side;
        if (previous === undefined || previous === side) return [];
        return [{ symbol: candle.symbol, action: side === 'above' ? 'BUY' : 'SELL', reason: `SMA${fast} crossed ${side} SMA${slow}` }];
      },
    });
  },
});
