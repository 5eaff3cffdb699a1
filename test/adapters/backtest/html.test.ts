import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { loadSeries } from '../../../adapters/backtest/data.js';
import { writeHtmlReport } from '../../../adapters/backtest/html.js';
import { runBacktest } from '../../../adapters/backtest/kernel.js';
import { buildReport } from '../../../adapters/backtest/report.js';
import { parseConfig } from '../../../adapters/config/load.js';
import { browser } from '../../helpers/browser.js';
import { wave, writeCandles } from '../../helpers/candles.js';

describe('report.html', () => {
  test('opens from disk with no network and draws the summary, equity, drawdown, candles with fills, and every trade', { timeout: 60_000 }, async () => {
    const series = await loadSeries(writeCandles(wave(5_000)), ['BTC/USDT'], '1m');
    const config = parseConfig({ traders: [{ id: 'cross', balances: { USDT: 10_000 }, orderNotional: 1_000, strategy: { name: 'sma_crossover', symbols: ['BTC/USDT'], params: { fast: 5, slow: 20 } } }] });
    const result = await runBacktest(config, { series, timeframe: '1m' });
    const report = buildReport(result);
    const file = await writeHtmlReport(result, report, series, await mkdtemp(join(tmpdir(), 'report-')));

    const page = await (await browser()).newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    // Any request leaving the file is a dependency the report should have carried.
    page.on('request', (request) => request.url().startsWith('file:') || problems.push(`fetched ${request.url()}`));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready="true"]');
    expect(problems).toEqual([]);
    expect(await page.locator('#summary tr').allInnerTexts()).toEqual([
      expect.stringMatching(/return\tCAGR\tmax DD/),
      expect.stringMatching(/^cross\t/),
      expect.stringMatching(/^portfolio\t/),
    ]);
    // Equity of the portfolio and of the trader, then the symbol's candles: each a chart that drew.
    expect(await page.locator('.chart').evaluateAll((boxes) => boxes.map((b) => b.getAttribute('data-title')))).toEqual(['portfolio', 'cross', 'BTC/USDT']);
    for (const box of await page.locator('.chart').all()) expect(await box.locator('canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#trades tr').count()).toBe(report.traders[0]!.trades.length + 1);
    expect(report.traders[0]!.trades.length).toBeGreaterThan(10);
  });
});
