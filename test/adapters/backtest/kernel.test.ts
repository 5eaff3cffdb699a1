import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadSeries } from '../../../adapters/backtest/data.js';
import { runBacktest } from '../../../adapters/backtest/kernel.js';
import { buildReport } from '../../../adapters/backtest/report.js';
import { parseConfig } from '../../../adapters/config/load.js';
import { resolveStrategies } from '../../../adapters/config/strategies.js';
import { fixedToString } from '../../../actors/trading/fixed.js';
import { fundingPayment } from '../../../actors/trading/margin.js';
import { applyFillToPosition, emptyPosition } from '../../../actors/trading/position.js';
import { FUNDING_INTERVAL_MS, generatedFundingRate } from '../../../adapters/paper/funding.js';
import { START, wave, writeCandles } from '../../helpers/candles.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

async function backtestOf(traders: unknown[], dir: string, symbols: string[]) {
  const config = parseConfig({ traders });
  await resolveStrategies(config, FIXTURES);
  return runBacktest(config, { series: await loadSeries(dir, symbols, '1m'), timeframe: '1m' });
}

describe('backtest kernel', () => {
  test('the same config and candles give byte-identical reports, with series that start at different times', async () => {
    const dir = writeCandles(wave(2_000));
    // ETH starts an hour later: its candles must stay at their own times, not be shifted onto BTC's.
    writeCandles(wave(1_900, 40).map((p) => Math.round(p / 20)), { dir, symbol: 'ETH/USDT', start: START + 3_600_000 });
    const traders = [
      { id: 'cross', balances: { USDT: 20_000 }, orderNotional: 1_000, strategy: { name: 'sma_crossover', symbols: ['BTC/USDT', 'ETH/USDT'], params: { fast: 5, slow: 20 } } },
      { id: 'trend', balances: { USDT: 20_000 }, orderNotional: 2_000, strategy: { name: 'trend', module: './strategies/sma-trend.ts', symbols: ['BTC/USDT'], timeframe: '5m', params: { period: 10 } } },
    ];
    const first = JSON.stringify(buildReport(await backtestOf(traders, dir, ['BTC/USDT', 'ETH/USDT'])));
    const second = JSON.stringify(buildReport(await backtestOf(traders, dir, ['BTC/USDT', 'ETH/USDT'])));
    expect(second).toBe(first);
    const report = JSON.parse(first);
    expect(report.traders.map((t: { summary: { fills: number } }) => t.summary.fills > 10)).toEqual([true, true]);
    const ethFills = report.traders[0].fills.filter((f: { symbol: string }) => f.symbol === 'ETH/USDT');
    expect(ethFills.length).toBeGreaterThan(0);
    expect(Date.parse(ethFills[0].time)).toBeGreaterThan(START + 3_600_000);
  });

  test("a perpetual backtests like spot: the strategy's SELLs open shorts, and funding is paid every 8 hours at the rate the seed gives", async () => {
    const symbol = 'BTC/USDT:USDT';
    const closes = wave(1_500);
    const result = await backtestOf(
      [{ id: 'both-ways', balances: { USDT: 10_000 }, orderNotional: 1_000, allowShort: true, leverage: 3, strategy: { name: 'sma_crossover', symbols: [symbol], params: { fast: 3, slow: 12 } } }],
      writeCandles(closes, { symbol }),
      [symbol],
    );
    const run = result.traders[0]!;
    // Replayed in order: the one-way position, its realized P&L, and how often it was short.
    const position = emptyPosition(symbol);
    let fees = 0n;
    let shortAt = 0;
    for (const f of run.fills) {
      applyFillToPosition(position, f.side, f.quantity, f.price, 0n, f.ts);
      fees += f.fee;
      if (position.quantity < 0n) shortAt++;
    }
    expect(shortAt).toBeGreaterThan(3);
    // No asset changes hands on a perpetual: the ledger holds the quote only.
    expect(Object.keys(run.finalBalances)).toEqual(['USDT']);
    // 25 hours of candles from 00:00: funding at the close of those ending at 08:00, 16:00 and 00:00, on the position the fills at their opens left.
    let funding = 0n;
    for (const at of [1, 2, 3].map((n) => START + n * FUNDING_INTERVAL_MS)) {
      const open = at - 60_000;
      const held = run.fills.filter((f) => f.ts <= open).reduce((q, f) => q + (f.side === 'buy' ? f.quantity : -f.quantity), 0n);
      const close = BigInt(Math.round(closes[(open - START) / 60_000]! * 100)) * 10n ** 7n;
      funding += fundingPayment(held, close, generatedFundingRate(1, symbol, at));
    }
    expect(funding).not.toBe(0n);
    expect(run.finalBalances.USDT).toBe(10_000n * 10n ** 9n + position.realizedPnl - fees + funding);
  });

  test('every fill is in the books: final equity is the cash and holdings the fills leave, marked at the last close', async () => {
    const result = await backtestOf([{ id: 'cross', balances: { USDT: 10_000 }, orderNotional: 1_000, strategy: { name: 'sma_crossover', symbols: ['BTC/USDT'], params: { fast: 3, slow: 12 } } }], writeCandles(wave(600)), ['BTC/USDT']);
    const run = result.traders[0]!;
    let usdt = 10_000n * 10n ** 9n;
    let btc = 0n;
    for (const f of run.fills) {
      const notional = (f.price * f.quantity) / 10n ** 9n;
      usdt += f.side === 'buy' ? -notional - f.fee : notional - f.fee;
      btc += f.side === 'buy' ? f.quantity : -f.quantity;
    }
    const lastClose = BigInt(Math.round(wave(600).at(-1)! * 100)) * 10n ** 7n;
    expect(fixedToString(run.finalEquity)).toBe(fixedToString(usdt + (btc * lastClose) / 10n ** 9n));
  });

  test('the risk manager’s stop-loss closes a position the strategy keeps', async () => {
    // The script buys once and never sells; the price then falls 5 %.
    const falling = [100, 100, 100, 99, 98, 97, 96, 95, 95, 95].map((p) => p * 100);
    const result = await backtestOf(
      [{ id: 'held', balances: { USDT: 100_000 }, strategy: { name: 's', module: './strategies/scripted.ts', symbols: ['BTC/USDT'], params: { script: ['BUY'] }, risk_params: { stop_loss: 0.02 } } }],
      writeCandles(falling),
      ['BTC/USDT'],
    );
    const fills = result.traders[0]!.fills.map((f) => [f.side, fixedToString(f.price), (f.ts - START) / 60_000]);
    // Bought at 10,000 (minute 1). The candle from minute 4 closes at 9,800, down 2 %: the risk close fills at the next open, 9,700 at minute 5.
    expect(fills).toEqual([
      ['buy', '10000', 1],
      ['sell', '9700', 5],
    ]);
  });
});

describe('strategies on several timeframes', () => {
  test('a strategy that asks for 5m candles too gets them beside the trader’s 1m, shorter first', async () => {
    const result = await backtestOf(
      [{ id: 'both', balances: { USDT: 100_000 }, strategy: { name: 'both', module: './strategies/two-timeframes.ts', symbols: ['BTC/USDT'] } }],
      writeCandles([100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111].map((p) => p * 100)),
      ['BTC/USDT'],
    );
    // The first 1m candle closes at minute 1: its BUY fills at the next open. The first 5m bar is handed
    // out with its last 1m candle, the one from minute 4: its BUY fills at the open of minute 5.
    expect(result.traders[0]!.fills.map((f) => [fixedToString(f.quantity), (f.ts - START) / 60_000])).toEqual([
      ['0.1', 1],
      ['0.2', 5],
    ]);
  });
});
