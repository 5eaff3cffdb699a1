import type { Fixed } from '../../actors/trading/fixed.js';
import type { Candle } from '../../actors/trading/market.js';

/**
 * Market data replayed from recorded candles (a series per symbol). Each `next()` is one step of the
 * merged timeline: the candles of every symbol that has one at the earliest time not yet handed out,
 * so series that start at different times or have gaps stay aligned by time. A symbol whose series
 * ran out stays at its last close.
 */
export class CandleReplay {
  readonly #series: Map<string, Candle[]>;
  /** Per symbol, the index of its next candle. */
  readonly #next = new Map<string, number>();
  /** Steps taken: the snapshot, from which the cursors are found again by stepping. */
  #index = 0;

  constructor(series: Record<string, Candle[]>, snapshot?: { index: number }) {
    this.#series = new Map(Object.entries(series));
    for (const symbol of this.#series.keys()) this.#next.set(symbol, 0);
    for (let i = 0; i < (snapshot?.index ?? 0); i++) this.next();
  }

  last(symbol: string): Fixed | undefined {
    const candles = this.#series.get(symbol);
    if (!candles || candles.length === 0) return undefined;
    const next = this.#next.get(symbol)!;
    return next === 0 ? candles[0]!.open : candles[next - 1]!.close;
  }

  next(): Candle[] {
    let at = Infinity;
    for (const [symbol, candles] of this.#series) at = Math.min(at, candles[this.#next.get(symbol)!]?.ts ?? Infinity);
    const out: Candle[] = [];
    if (at === Infinity) return out;
    for (const [symbol, candles] of this.#series) {
      const next = this.#next.get(symbol)!;
      if (candles[next]?.ts !== at) continue;
      out.push(candles[next]);
      this.#next.set(symbol, next + 1);
    }
    this.#index++;
    return out;
  }

  snapshot(): { index: number } {
    return { index: this.#index };
  }
}
