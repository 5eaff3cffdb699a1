import { afterEach, describe, expect, test } from 'vitest';
import { loadSeries, candlesFile } from '../../../adapters/backtest/data.js';
import { runBacktest } from '../../../adapters/backtest/kernel.js';
import { parseConfig } from '../../../adapters/config/load.js';
import type { PaperSnapshot } from '../../../adapters/paper/engine.js';
import { exchangeAddress } from '../../../actors/platform/tree.js';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { wave, writeCandles } from '../../helpers/candles.js';
import { waitFor } from '../../helpers/wait.js';

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

const CANDLES = 600;
const traders = [
  { id: 'cross', balances: { USDT: 20_000 }, orderNotional: 1_000, strategy: { name: 'sma_crossover', symbols: ['BTC/USDT'], params: { fast: 4, slow: 15 } } },
  { id: 'trend', balances: { USDT: 20_000 }, orderNotional: 3_000, strategy: { name: 'breakout', symbols: ['BTC/USDT'], timeframe: '5m', params: { lookback: 6 } } },
];

describe('backtest and live replay agree', () => {
  test('the same candles through the platform (paper exchange replaying in lockstep, traders in workers) and through the backtest give the same fills and books', { timeout: 120_000 }, async () => {
    const data = writeCandles(wave(CANDLES));
    const file = candlesFile(data, 'BTC/USDT', '1m');
    platform = await startPlatform({
      exchanges: { paper: { type: 'paper', replay: { 'BTC/USDT': file }, fills: 'next-bar', lockstep: true, candleIntervalMs: 1 } },
      traders,
    });
    const p = platform;
    // Done when the exchange has handed out every candle and every trader handled the last.
    await waitFor(() => {
      const state = p.system.snapshot(exchangeAddress('paper')) as { engine: PaperSnapshot; awaiting: string[] } | undefined;
      return (state?.engine.walk as { index: number } | undefined)?.index === CANDLES && state!.awaiting.length === 0;
    }, 'the replay to end');

    const result = await runBacktest(parseConfig({ traders }), { series: await loadSeries(data, ['BTC/USDT'], '1m'), timeframe: '1m' });
    const events = (await p.hub(1_000)).recent;
    for (const run of result.traders) {
      const live = events.flatMap((e) => (e.kind === 'fill' && e.traderId === run.traderId ? [e] : []));
      expect(run.fills.length, run.traderId).toBeGreaterThan(4);
      expect(live.map((e) => [e.clientOrderId, e.side, e.fill.price, e.fill.quantity, e.fill.fee])).toEqual(run.fills.map((f) => [f.clientOrderId, f.side, f.price, f.quantity, f.fee]));
      const status = await p.status(run.traderId);
      expect(status.balances).toEqual(run.finalBalances);
    }
  });
});
