import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { candlesFile } from '../../adapters/backtest/data.js';

/** A candle as a test writes it: a close, or [open, high, low, close]. */
export type Bar = number | readonly [number, number, number, number];

export const START = Date.UTC(2025, 0, 1);

/** Writes `bars` as a CSV of one-minute candles of `symbol` in `dir` (a fresh folder when absent), as `botv3 data download` lays them out. */
export function writeCandles(bars: readonly Bar[], options: { symbol?: string; dir?: string; timeframeMs?: number; start?: number } = {}): string {
  const dir = options.dir ?? mkdtempSync(`${tmpdir()}/candles-`);
  const file = candlesFile(dir, options.symbol ?? 'BTC/USDT', '1m');
  mkdirSync(dirname(file), { recursive: true });
  const rows = bars.map((bar, i) => {
    const [open, high, low, close] = typeof bar === 'number' ? [bar, bar, bar, bar] : bar;
    return [(options.start ?? START) + i * (options.timeframeMs ?? 60_000), open, high, low, close, 1].join(',');
  });
  writeFileSync(file, ['ts,open,high,low,close,volume', ...rows].join('\n'));
  return dir;
}

/** A wave around 60,000 with a ripple on it: enough crosses for a crossover strategy to trade. */
export function wave(n: number, phase = 0): number[] {
  return Array.from({ length: n }, (_, i) => Math.round((60_000 + 3_000 * Math.sin((i + phase) / 50) + 300 * Math.sin((i + phase) / 7)) * 100) / 100);
}
