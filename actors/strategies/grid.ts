import { z } from 'zod';
import { div, fixedToNumber, fixedToString, mul, ONE, toFixed, type Fixed } from '../trading/fixed.js';
import { perSymbolStrategy } from './indicators.js';
import { defineStrategy, type Indicator, type StrategySignal } from './strategy.js';

const params = z
  .strictObject({
    levels: z
      .number()
      .int()
      .min(2)
      .max(200)
      .default(10)
      .refine((n) => n % 2 === 0, { message: 'levels must be even: half the lines go below the anchor, half above' }),
    /** Distance between lines in percent of the anchor (v2 format: 0.5 means 0.5 %, not 50 %). */
    spacing_pct: z.number().min(0.001).max(50).default(0.5),
  })
  .refine((p) => (p.levels / 2) * p.spacing_pct < 100, {
    message: 'spacing_pct times levels/2 must stay below 100, or the lowest grid lines fall to zero or below',
    path: ['spacing_pct'],
  });

const HUNDRED: Fixed = 100n * ONE;

interface GridState {
  /** The first close: line k sits at `anchor * (1 + k * spacing_pct / 100)`. */
  anchor: Fixed;
  /** The params the grid was built with, so that a snapshot is never resumed on another grid. */
  levels: number;
  spacing: Fixed;
  /** How many grid lines the last close was at or above. */
  level: number;
}

/**
 * A price grid anchored at each symbol's first close, `levels / 2` lines below it and as many above,
 * `spacing_pct` percent of the anchor apart. Every line the close crosses downwards gives a BUY, every
 * line crossed upwards a SELL (market orders), so a fall through three lines buys three times.
 */
export const grid = defineStrategy({
  type: 'grid',
  description: 'Anchors a grid at the first close; BUY for each grid line the close falls through, SELL for each it rises through',
  params,
  create({ levels, spacing_pct }, snapshot) {
    const spacing = toFixed(spacing_pct, 'spacing_pct');
    const half = levels / 2;
    // Line numbers from the lowest to the highest. The anchor is no line: a tick below the first close
    // is no reason to buy.
    const lines = [...Array(levels).keys()].map((i) => (i < half ? i - half : i - half + 1));
    const offset = (line: number): Fixed => HUNDRED + BigInt(line) * spacing;
    // Compared exactly, cross-multiplied, so a close exactly on a line is at it, not a rounding error away.
    const levelOf = (anchor: Fixed, close: Fixed): number => lines.filter((line) => close * HUNDRED >= anchor * offset(line)).length;

    const priceOf = (anchor: Fixed, line: number): Fixed => div(mul(anchor, offset(line)), HUNDRED);

    function signal(anchor: Fixed, symbol: string, line: number, action: 'BUY' | 'SELL'): StrategySignal {
      const price = fixedToString(priceOf(anchor, line));
      const reason = `close ${action === 'BUY' ? 'fell' : 'rose'} through grid line ${line > 0 ? '+' : ''}${line} (${price})`;
      return { symbol, action, reason };
    }

    return perSymbolStrategy<GridState>({
      state: z.object({
        anchor: z.bigint(),
        levels: z.literal(levels, { error: `snapshot was taken with other grid levels, not ${levels}` }),
        spacing: z.literal(spacing, { error: `snapshot was taken with another spacing_pct, not ${spacing_pct}` }),
        level: z.number().int().min(0).max(levels),
      }),
      snapshot,
      init: (candle) => ({ anchor: candle.close, levels, spacing, level: levelOf(candle.close, candle.close) }),
      onCandle(state, candle) {
        const level = levelOf(state.anchor, candle.close);
        const from = state.level;
        state.level = level;
        // Lines are listed low to high and the close is at or above exactly the first `level` of them.
        if (level < from) return lines.slice(level, from).reverse().map((line) => signal(state.anchor, candle.symbol, line, 'BUY'));
        return lines.slice(from, level).map((line) => signal(state.anchor, candle.symbol, line, 'SELL'));
      },
      // The anchor and the two lines around the close: the next to buy at, the next to sell at. Not every
      // line: a grid has up to 200, kept for each of the chart's candles.
      indicators({ anchor, level }) {
        const out: Indicator[] = [{ name: 'grid anchor', value: fixedToNumber(anchor) }];
        if (level > 0) out.push({ name: 'grid buy', value: fixedToNumber(priceOf(anchor, lines[level - 1]!)) });
        if (level < levels) out.push({ name: 'grid sell', value: fixedToNumber(priceOf(anchor, lines[level]!)) });
        return out;
      },
    });
  },
});
