import type { Indicator } from '../strategies/strategy.js';
import type { Candle } from '../trading/market.js';

/** Closed candles a running trader keeps of each symbol for its chart: about 200 KB a symbol with two indicators. */
export const CHART_CANDLES = 500;

/** A candle of a chart: its symbol and timeframe are the chart's. */
export type ChartCandle = Omit<Candle, 'symbol' | 'timeframe'>;

/** One indicator over the candles of a chart; a candle it was not computed at yet (warming up) has no value. */
export interface IndicatorSeries {
  name: string;
  pane: 'price' | 'own';
  values: { ts: number; value: number }[];
}

/** What a trader answers a `chart` request with: its latest candles of a symbol, oldest first, and its strategy's indicators over them. */
export type TraderChart = {
  type: 'traderChart';
  symbol: string;
  /** The candles' timeframe (the strategy's); null before the first candle. */
  timeframe: string | null;
  candles: ChartCandle[];
  indicators: IndicatorSeries[];
};

interface Entry {
  candle: ChartCandle;
  indicators: readonly Indicator[];
}

interface Ring {
  timeframe: string;
  /** Oldest at `next` once full. */
  entries: Entry[];
  next: number;
}

/**
 * The last `size` closed candles of each symbol, each with the strategy's indicators as of its close:
 * a ring per symbol. It is kept outside the trader's snapshot, which is copied at every commit, so a
 * restarted trader starts with empty rings that the candles coming in fill again.
 */
export class ChartRing {
  readonly #size: number;
  readonly #rings = new Map<string, Ring>();

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`a chart keeps at least one candle, not ${size}`);
    this.#size = size;
  }

  add(bar: Candle, indicators: readonly Indicator[]): void {
    let ring = this.#rings.get(bar.symbol);
    if (!ring) this.#rings.set(bar.symbol, (ring = { timeframe: bar.timeframe, entries: [], next: 0 }));
    ring.timeframe = bar.timeframe;
    // Its own object: an aggregated bar is built in place, and a reply must not see later changes.
    const entry: Entry = { candle: { ts: bar.ts, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume }, indicators };
    if (ring.entries.length < this.#size) {
      ring.entries.push(entry);
      return;
    }
    ring.entries[ring.next] = entry;
    ring.next = (ring.next + 1) % this.#size;
  }

  /**
   * The last `limit` candles of `symbol`, oldest first, and each indicator's values over them, in the
   * order the strategy first names them. New arrays: a reply leaves the worker at the next commit, after
   * the candles handled in the meantime have moved the ring on.
   */
  chart(symbol: string, limit: number): TraderChart {
    const ring = this.#rings.get(symbol);
    if (!ring) return { type: 'traderChart', symbol, timeframe: null, candles: [], indicators: [] };
    const { entries, next } = ring;
    const ordered = [...entries.slice(next), ...entries.slice(0, next)].slice(-limit);
    const series = new Map<string, IndicatorSeries>();
    for (const { candle, indicators } of ordered) {
      for (const { name, value, pane } of indicators) {
        let line = series.get(name);
        if (!line) series.set(name, (line = { name, pane: pane ?? 'price', values: [] }));
        line.values.push({ ts: candle.ts, value });
      }
    }
    return { type: 'traderChart', symbol, timeframe: ring.timeframe, candles: ordered.map((e) => e.candle), indicators: [...series.values()] };
  }
}
