import { toFixed } from '../../actors/trading/fixed.js';
import type { ReviewSubject } from '../../ai/subject.js';

/**
 * An order to review: `quantity` BTC at `price` for a trader with `equity` USDT, after candles whose
 * closes are `closes` (oldest first).
 */
export function reviewSubject(options: { id?: string; side?: 'buy' | 'sell'; quantity?: string; price?: string; equity?: string; position?: string; closes?: number[]; mode?: string } = {}): ReviewSubject {
  const closes = options.closes ?? [];
  return {
    traderId: 't1',
    order: {
      clientOrderId: options.id ?? 'v3order0000000001',
      signalId: `s-${options.id ?? '1'}`,
      symbol: 'BTC/USDT',
      side: options.side ?? 'buy',
      type: 'limit',
      quantity: toFixed(options.quantity ?? '0.01', 'quantity'),
      price: toFixed(options.price ?? '50000', 'price'),
      reason: 'fast SMA crossed above slow SMA',
      strategy: 'sma_crossover',
    },
    context: {
      mode: options.mode ?? 'active',
      position: toFixed(options.position ?? '0', 'position'),
      mark: toFixed(options.price ?? '50000', 'mark'),
      equity: toFixed(options.equity ?? '10000', 'equity'),
      candles: closes.map((close, i) => {
        const c = toFixed(close, 'close');
        return { ts: Date.UTC(2026, 0, 1) + i * 60_000, open: c, high: c, low: c, close: c, volume: toFixed(1, 'volume') };
      }),
    },
  };
}

/** `n` closes of a steady uptrend from `from`: up two steps, down one (RSI about 67). */
export function uptrend(n: number, from = 50_000, step = 10): number[] {
  let close = from;
  return Array.from({ length: n }, (_, i) => (close += i === 0 ? 0 : i % 2 === 1 ? 2 * step : -step));
}

/** `n` closes that only rise (RSI 100: overbought). */
export const spike = (n: number, from = 50_000, step = 100) => Array.from({ length: n }, (_, i) => from + i * step);
