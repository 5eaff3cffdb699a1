import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Candle CSV files for the paper exchange's replay, one 1m candle per close from `start` (default
 * 2026-01-01): each opens at the previous close and its high and low are its close. Returns symbol -> file.
 */
export function replayFiles(closes: Record<string, number[]>, start = Date.UTC(2026, 0, 1)): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'botv3-replay-'));
  return Object.fromEntries(
    Object.entries(closes).map(([symbol, path]) => {
      const rows = path.map((close, i) => `${start + i * 60_000},${path[i - 1] ?? close},${close},${close},${close},1000`);
      const file = join(dir, `${symbol.replace('/', '-')}.csv`);
      writeFileSync(file, `ts,open,high,low,close,volume\n${rows.join('\n')}\n`);
      return [symbol, file];
    }),
  );
}
