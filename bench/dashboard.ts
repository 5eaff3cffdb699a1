import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { siteDir } from '../adapters/dashboard/serve.js';
import { CHROMIUM, launchChromium } from '../test/helpers/chromium.js';
import { priced, startBench, type Bench } from './api.js';
import type { Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

const TRADERS = 50;
const SYMBOLS = ['BTC/USDT'];
/** Fills/s while the browser's busy time is measured. */
const FILL_RATE = 20;

// What the functions passed to `page.evaluate` use: they run in the page, whose globals these are.
declare const document: any, window: any, MutationObserver: any;

/**
 * Dashboard suite, in Debian's Chromium against a platform of 50 paper traders on loopback:
 * - the bundle's size, gzipped (what a browser downloads);
 * - first view interactive: from the sign-in click to the fleet table listing every trader;
 * - fill to marker: from the fill's time on the (paper) exchange to the chart of its trader drawing
 *   its marker, one market order at a time (the live paper exchange fills it at once against its book);
 * - the browser's main thread busy (Chrome's TaskDuration over wall time) on the fleet view while the
 *   traders fill 20 orders/s.
 */
export async function dashboardSuite(options: SuiteOptions): Promise<Figure[]> {
  const figures: Figure[] = [{ suite: 'dashboard', name: 'bundle size (gzip)', value: bundleKiB(), unit: 'KiB', goal: { kind: 'max', value: 250 } }];
  if (!existsSync(CHROMIUM)) {
    options.progress(`dashboard: no ${CHROMIUM}, browser figures skipped`);
    return figures;
  }
  const bench = await startBench({ traders: TRADERS, symbols: SYMBOLS, scopes: ['admin'] });
  const browser = await launchChromium();
  try {
    await priced(bench, SYMBOLS);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    options.progress(`dashboard: sign-in to ${TRADERS} traders listed`);
    figures.push(await firstView(page, bench, options.quick ? 3 : 10));
    options.progress('dashboard: fill to marker');
    figures.push(await fillToMarker(page, bench, options.quick ? 20 : 200));
    options.progress(`dashboard: browser busy at ${FILL_RATE} fills/s`);
    figures.push(await busyAtFillRate(browser, bench, options.quick ? 3_000 : 15_000));
    return figures;
  } finally {
    await browser.close();
    await bench.stop();
  }
}

function bundleKiB(): number {
  const dir = siteDir();
  if (!dir) throw new Error('dashboard bench: the dashboard is not built');
  const files = ['index.html', ...readdirSync(join(dir, 'assets')).filter((f) => !f.endsWith('.map')).map((f) => `assets/${f}`)];
  return round(files.reduce((sum, file) => sum + gzipSync(readFileSync(join(dir, file)), { level: 9 }).length, 0) / 1024);
}

async function firstView(page: Page, bench: Bench, runs: number): Promise<Figure> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await page.goto(bench.platform.api.url);
    await page.evaluate(() => window.sessionStorage.clear());
    await page.reload();
    await page.fill('input[name=token]', bench.token);
    const started = performance.now();
    await page.click('button[type=submit]');
    await page.waitForFunction((n) => document.querySelectorAll('table[aria-label=traders] tbody tr td a').length === n, TRADERS, { polling: 'raf' });
    times.push(performance.now() - started);
  }
  return { suite: 'dashboard', name: `first view interactive after sign-in, ${TRADERS} traders (worst of ${runs})`, value: round(Math.max(...times)), unit: 'ms', goal: { kind: 'max', value: 1_000 } };
}

/** A BUY then a SELL of the smallest size, by turns, so positions stay small however many fills. */
function signal(traderId: string, n: number) {
  return { id: `dash-${traderId}-${n}-${Date.now()}`, traderId, strategy: 'bench', symbol: SYMBOLS[0]!, action: n % 2 === 0 ? 'BUY' : 'SELL', quantity: '0.001' };
}

async function fillToMarker(page: Page, { platform }: Bench, fills: number): Promise<Figure> {
  await page.goto(`${platform.api.url}/#/trader/t0`);
  await page.waitForSelector('[data-testid=candles] canvas');
  // The page notes when the chart's marker count changes: the moment a fill is drawn.
  await page.evaluate(() => {
    window.drawn = [];
    const chart = document.querySelector('[data-testid=candles]');
    new MutationObserver(() => window.drawn.push({ at: Date.now(), markers: Number(chart.getAttribute('data-markers')) })).observe(chart, { attributes: true, attributeFilter: ['data-markers'] });
  });
  const latencies: number[] = [];
  let markers = Number((await page.getAttribute('[data-testid=candles]', 'data-markers')) ?? 0);
  for (let i = 0; i < fills; i++) {
    const outcome = await platform.control.submitSignals([signal('t0', i)]);
    if (!outcome[0]!.accepted) throw new Error(`dashboard bench: signal refused: ${JSON.stringify(outcome[0])}`);
    markers++;
    const seen = await page.waitForFunction((n) => window.drawn.find((d: { markers: number }) => d.markers >= n)?.at, markers, { polling: 'raf' });
    const drawnAt = (await seen.jsonValue()) as number;
    const [trade] = (await platform.control.query('trades', { traderId: 't0', limit: 1 })).rows;
    latencies.push(drawnAt - Number(trade!.executed_at));
  }
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.ceil(latencies.length * 0.99) - 1)]!;
  return { suite: 'dashboard', name: `fill on the exchange to marker on the chart p99 (${fills} fills)`, value: p99, unit: 'ms', goal: { kind: 'max', value: 250 } };
}

async function busyAtFillRate(browser: Browser, bench: Bench, ms: number): Promise<Figure> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(bench.platform.api.url);
  await page.fill('input[name=token]', bench.token);
  await page.click('button[type=submit]');
  await page.waitForSelector('table[aria-label=traders] tbody tr td a');
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskSeconds = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')!.value;
  let n = 0;
  // One market order every 1/20 s, each to the next trader, filled at once against the paper book; the market moves a candle a second.
  const timer = setInterval(() => {
    void bench.platform.control.submitSignals([signal(`t${n % TRADERS}`, Math.floor(n / TRADERS))]);
    if (++n % FILL_RATE === 0) bench.platform.system.send('exchange.paper', { type: 'advance', candles: 1 });
  }, 1_000 / FILL_RATE);
  try {
    const before = await taskSeconds();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, ms));
    const busy = (await taskSeconds()) - before;
    return { suite: 'dashboard', name: `browser main thread busy, fleet view, ${TRADERS} traders at ${FILL_RATE} fills/s`, value: round((busy * 1000 * 100) / (performance.now() - started)), unit: '%', goal: { kind: 'max', value: 30 } };
  } finally {
    clearInterval(timer);
    await page.close();
  }
}

const round = (x: number) => Math.round(x * 10) / 10;
