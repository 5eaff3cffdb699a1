import type { Fixed } from '../../actors/trading/fixed.js';
import type { Candle } from '../../actors/trading/market.js';

/**
 * Market data replayed from recorded candles (a CSV per symbol): each `next()` hands out the next
 * candle of every symbol that has one left. Once a series runs out its symbol stays at its last close.
 */
export class CandleReplay {
  readonly #series: Record<string, Candle[]>;
  #index: number;

  constructor(series: Record<string, Candle[]>, snapshot?: { index: number }) {
    this.#series = series;
    this.#index = snapshot?.index ?? 0;
  }

  last(symbol: string): Fixed | undefined {
    const candles = this.#series[symbol];
    if (!candles || candles.length === 0) return undefined;
    return this.#index === 0 ? candles[0]!.open : candles[Math.min(this.#index, candles.length) - 1]!.close;
  }

  next(): Candle[] {
    const out: Candle[] = [];
    for (const candles of Object.values(this.#series)) {
      const candle = candles[this.#index];
      if (candle) out.push(candle);
    }
    this.#index++;
    return out;
  }

  snapshot(): { index: number } {
    return { index: this.#index };
  }
}
