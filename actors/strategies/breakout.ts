import { DonchianChannels } from 'trading-signals';
import { z } from 'zod';
import { fixedToNumber } from '../trading/fixed.js';
import { perSymbolStrategy } from './indicators.js';
import { defineStrategy, type StrategySignal } from './strategy.js';

const params = z.strictObject({
  lookback: z.number().int().min(1).max(1000).default(20),
});

/**
 * A long-only channel breakout (`trading-signals`' Donchian channels): BUY when the close breaks above
 * the highest high of the previous `lookback` candles, then SELL to exit when a close breaks below
 * their lowest low. A breakout while already long, or a breakdown while flat, gives nothing, so entries
 * and exits alternate.
 *
 * Its state is plain data, so a restart resumes it exactly: the highs and lows the channel covers and
 * whether it is long. The channel is rebuilt from them.
 */
export const breakout = defineStrategy({
  type: 'breakout',
  description: 'BUY when the close breaks above the highest high of the last `lookback` candles, SELL (exit) when it breaks below their lowest low',
  params,
  warmup: ({ lookback }) => lookback,
  create({ lookback }, snapshot) {
    const stateSchema = z.object({
      lookback: z.literal(lookback, { error: `snapshot was taken with another lookback, not ${lookback}` }),
      candles: z.array(z.object({ high: z.number(), low: z.number() })).max(lookback),
      long: z.boolean(),
    });
    type State = z.infer<typeof stateSchema>;
    const channels = new Map<string, DonchianChannels>();
    /** The channel of a symbol, rebuilt from its state's highs and lows the first time it is needed. */
    const channelOf = (symbol: string, state: State) => {
      let channel = channels.get(symbol);
      if (!channel) {
        channels.set(symbol, (channel = new DonchianChannels(lookback)));
        for (const c of state.candles) channel.add(c);
      }
      return channel;
    };
    return perSymbolStrategy<State>({
      state: stateSchema,
      snapshot,
      init: () => ({ lookback, candles: [], long: false }),
      onCandle(state, candle) {
        const channel = channelOf(candle.symbol, state);
        const signals: StrategySignal[] = [];
        // The channel is that of the previous candles: the current one joins it only after the test.
        const range = channel.getResult();
        if (range) {
          const close = fixedToNumber(candle.close);
          if (!state.long && close > range.upper) {
            state.long = true;
            signals.push({ symbol: candle.symbol, action: 'BUY', reason: `close ${close} broke above the ${lookback}-candle high ${range.upper}` });
          } else if (state.long && close < range.lower) {
            state.long = false;
            signals.push({ symbol: candle.symbol, action: 'SELL', reason: `close ${close} broke below the ${lookback}-candle low ${range.lower}` });
          }
        }
        const span = { high: fixedToNumber(candle.high), low: fixedToNumber(candle.low) };
        channel.add(span);
        state.candles.push(span);
        if (state.candles.length > lookback) state.candles.shift();
        return signals;
      },
      // The channel the next close is tested against: this candle's included.
      indicators(state, symbol) {
        const range = channelOf(symbol, state).getResult();
        if (!range) return [];
        return [
          { name: `high ${lookback}`, value: range.upper },
          { name: `low ${lookback}`, value: range.lower },
        ];
      },
    });
  },
});
