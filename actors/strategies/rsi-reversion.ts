import { z } from 'zod';
import { emptyRsi, NO_SIGNALS, perSymbolStrategy, rsiPush, rsiSchema, rsiValue } from './indicators.js';
import { defineStrategy } from './strategy.js';

const params = z
  .strictObject({
    period: z.number().int().min(2).max(1000).default(14),
    oversold: z.number().gt(0).lt(100).default(30),
    overbought: z.number().gt(0).lt(100).default(70),
  })
  .refine((p) => p.oversold < p.overbought, { message: 'oversold must be below overbought', path: ['oversold'] });

const zones = ['oversold', 'neutral', 'overbought'] as const;

/**
 * Mean reversion on Wilder's RSI of the close: BUY when the RSI falls below `oversold`, SELL when it
 * rises above `overbought`. Only entering a zone signals, so a long stay in one gives one signal, and
 * the zone of the first RSI value is no cross.
 */
export const rsiReversion = defineStrategy({
  type: 'rsi_reversion',
  description: 'BUY when the RSI crosses down into oversold, SELL when it crosses up into overbought',
  params,
  create({ period, oversold, overbought }, snapshot) {
    const stateSchema = z.object({ rsi: rsiSchema(period), zone: z.enum(zones).optional() });
    return perSymbolStrategy<z.infer<typeof stateSchema>>({
      state: stateSchema,
      snapshot,
      init: () => ({ rsi: emptyRsi(period) }),
      onCandle(state, candle) {
        const rsi = rsiPush(state.rsi, candle.close);
        if (rsi === undefined) return NO_SIGNALS;
        const zone = rsi < oversold ? 'oversold' : rsi > overbought ? 'overbought' : 'neutral';
        const previous = state.zone;
        state.zone = zone;
        if (previous === undefined || previous === zone || zone === 'neutral') return NO_SIGNALS;
        const value = rsi.toFixed(1);
        return zone === 'oversold'
          ? [{ symbol: candle.symbol, action: 'BUY', reason: `RSI${period} fell below ${oversold} (${value})` }]
          : [{ symbol: candle.symbol, action: 'SELL', reason: `RSI${period} rose above ${overbought} (${value})` }];
      },
      indicators(state) {
        const rsi = rsiValue(state.rsi);
        return rsi === undefined ? [] : [{ name: `RSI${period}`, value: rsi, pane: 'own' }];
      },
    });
  },
});
