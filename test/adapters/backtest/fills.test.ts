import { describe, expect, test } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runBacktest } from '../../../adapters/backtest/kernel.js';
import { loadSeries } from '../../../adapters/backtest/data.js';
import { parseConfig } from '../../../adapters/config/load.js';
import { resolveStrategies } from '../../../adapters/config/strategies.js';
import { fixedToString } from '../../../actors/trading/fixed.js';
import { START, writeCandles, type Bar } from '../../helpers/candles.js';

const SCRIPTED = fileURLToPath(new URL('../../fixtures/strategies/scripted.ts', import.meta.url));

async function run(bars: Bar[], script: string[], slippageBps = 0) {
  const config = parseConfig({ traders: [{ id: 't', balances: { USDT: 100_000 }, strategy: { name: 's', module: SCRIPTED, symbols: ['BTC/USDT'], params: { script } } }] });
  await resolveStrategies(config, '/');
  const series = await loadSeries(writeCandles(bars), ['BTC/USDT'], '1m');
  const result = await runBacktest(config, { series, timeframe: '1m', slippageBps });
  return result.traders[0]!.fills.map((f) => ({ minute: (f.ts - START) / 60_000, side: f.side, price: fixedToString(f.price), quantity: fixedToString(f.quantity), fee: fixedToString(f.fee) }));
}

describe('backtest fill rules', () => {
  test('a market order decided on a close fills at the next candle’s open, with the taker fee', async () => {
    const fills = await run([[100, 101, 99, 100], [103, 104, 102, 103], [105, 106, 104, 105], [107, 108, 106, 107]], ['BUY', '', 'SELL']);
    // Decided at minute 1 (the first close), filled at the open of the candle starting then; the sell likewise.
    expect(fills).toEqual([
      { minute: 1, side: 'buy', price: '103', quantity: '0.1', fee: '0.0103' },
      { minute: 3, side: 'sell', price: '107', quantity: '0.1', fee: '0.0107' },
    ]);
  });

  test('slippage moves the fill against the order, rounded to the tick away from it', async () => {
    const fills = await run([100, [103, 104, 102, 103], 105, [107, 108, 106, 107]], ['BUY', '', 'SELL'], 25);
    // 103 + 0.25 % = 103.2575 -> 103.26 (tick 0.01, up for a buy); 107 - 0.25 % = 106.7325 -> 106.73.
    expect(fills.map((f) => f.price)).toEqual(['103.26', '106.73']);
  });

  test('a limit buy fills at its price once a later candle trades through it, not when it only touches', async () => {
    const fills = await run([[100, 100, 100, 100], [100, 101, 99, 100], [100, 100, 98, 99], [99, 99, 97, 98]], ['BUY@99']);
    // Minute 1's low touches 99 (not through); minute 2's low of 98 trades through: filled at 99, as a maker.
    expect(fills).toEqual([{ minute: 2, side: 'buy', price: '99', quantity: '0.1', fee: '0.0099' }]);
  });

  test('a limit buy the next candle opens below fills at that open', async () => {
    const fills = await run([[100, 100, 100, 100], [95, 96, 94, 95], 95], ['BUY@99']);
    expect(fills).toEqual([{ minute: 1, side: 'buy', price: '95', quantity: '0.1', fee: '0.0095' }]);
  });

  test('an order decided on the last candle never fills: there is no next open', async () => {
    expect(await run([100, 101], ['', 'BUY'])).toEqual([]);
  });
});
