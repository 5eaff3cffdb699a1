import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { browser } from '../../helpers/browser.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * The dashboard in Debian's Chromium against a running platform (paper exchange, real database, the
 * real Anthropic SDK against its loopback fake): what a user does, checked in the browser and in the API.
 * Each view's screenshot goes to test-results/dashboard/.
 */
// What the functions passed to `page.evaluate` use: they run in the page, whose globals these are.
declare const document: any, window: any, sessionStorage: any, getComputedStyle: any;

const SHOTS = join(process.cwd(), 'test-results', 'dashboard');
let api: ApiTestPlatform;
let fake: FakeAnthropic;
const savedKey = process.env.ANTHROPIC_API_KEY;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The two AI reviewers disagree on every order of `held`: each waits for a human in the review queue.
  fake = await startFakeAnthropic({ answer: (r) => (r.model === 'claude-sonnet-5-5' ? { verdict: 'approve', confidence: 0.9 } : { verdict: 'reject', confidence: 0.7, reasons: ['RSI 81: overbought'] }) });
  process.env.ANTHROPIC_API_KEY = 'sk-ant-test-dashboard';
  api = await startApiPlatform({
    traders: [
      { id: 'trend', strategy: { name: 'sma_crossover', symbols: ['BTC/USDT'], timeframe: '1m', params: { fast: 3, slow: 6 } }, balances: { USDT: 100_000 }, orderNotional: 1_000 },
      { id: 'held', symbols: ['ETH/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000, review: { all: true } },
    ],
    ai: { reviewer: 'claude', baseUrl: fake.url, retries: 0 },
  });
  await api.priced();
}, 60_000);
afterAll(async () => {
  await api?.close();
  await fake?.close();
  if (savedKey === undefined) delete process.env.ANTHROPIC_API_KEY;
  else process.env.ANTHROPIC_API_KEY = savedKey;
});

/** A new tab, signed in with `token`, on the fleet view; page errors and requests off the platform fail the test. */
async function signedIn(token: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; problems: string[] }> {
  const page = await (await browser()).newPage({ viewport });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('request', (request) => new URL(request.url()).origin === new URL(api.url).origin || problems.push(`fetched ${request.url()}`));
  await page.goto(api.url);
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('table[aria-label=traders] td a');
  return { page, problems };
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

/** A market BUY of `traderId` through the API. */
const buy = (traderId: string, id: string, symbol: string) => api.call('POST', '/api/v1/signals', { token: api.token.trade, body: { id, traderId, strategy: 'dashboard', symbol, action: 'BUY' } });

describe('the dashboard', () => {
  it('is served at / with everything it loads from the platform itself, and keeps the token out of the URL', async () => {
    const page = await (await browser()).newPage();
    const answer = await page.goto(api.url);
    expect(answer!.status()).toBe(200);
    expect(answer!.headers()['content-security-policy']).toMatch(/default-src 'self'/);
    await page.waitForSelector('input[name=token]');
    await page.fill('input[name=token]', 'not-a-token');
    await page.click('button[type=submit]');
    await page.waitForSelector('.signin .error');
    expect(await page.textContent('.signin .error')).toMatch(/unknown or revoked token/);
    expect(page.url()).not.toContain('not-a-token');
  });

  it('signs in, lists every trader of the platform, and shows the scopes buttons for an admin only', async () => {
    const { page, problems } = await signedIn(api.token.admin);
    const rows = await page.locator('table[aria-label=traders] tbody tr').allInnerTexts();
    expect(rows.map((r) => r.split('\t')[0])).toEqual(['trend', 'held']);
    expect(rows[0]).toMatch(/running/);
    expect(await page.getByRole('button', { name: 'Emergency stop' }).count()).toBe(1);
    expect(await page.evaluate(() => sessionStorage.getItem('botv3.token'))).toBe(api.token.admin);
    await shot(page, 'fleet');
    expect(problems).toEqual([]);

    const reader = await signedIn(api.token.read);
    expect(await reader.page.getByRole('button', { name: 'Emergency stop' }).count()).toBe(0);
    expect(await reader.page.getByRole('button', { name: 'halt' }).count()).toBe(0);
  });

  it('draws a fill on the trader chart the moment it happens, with the strategy indicators', async () => {
    const { page, problems } = await signedIn(api.token.admin);
    // The strategy has had candles enough to warm its averages up: the chart gets their lines.
    api.advance(10);
    await waitFor(async () => (await api.call('GET', '/api/v1/traders/trend/candles', { token: api.token.read })).body.indicators.length === 2, 'the averages warmed up');
    const chart = page.waitForResponse((r) => r.url().includes('/traders/trend/candles'));
    await page.click('table[aria-label=traders] a:text("trend")');
    const { indicators } = await (await chart).json();
    expect(indicators.map((i: { name: string }) => i.name).sort()).toEqual(['SMA3', 'SMA6']);
    expect(indicators[0].values.length).toBeGreaterThan(0);
    await page.waitForSelector('[data-testid=candles] canvas');
    const before = Number((await page.getAttribute('[data-testid=candles]', 'data-markers')) ?? 0);
    expect((await buy('trend', 'dash-fill-1', 'BTC/USDT')).status).toBe(202);
    api.advance();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid=candles]')?.getAttribute('data-markers')) > n, before);
    // The fill is in the trade history too.
    const order = await waitFor(async () => (await api.call('GET', '/api/v1/orders?traderId=trend', { token: api.token.read })).body.data.find((o: { signal_id: string; status: string }) => o.signal_id === 'dash-fill-1' && o.status === 'filled'), 'the order filled');
    await page.locator(`table[aria-label=trades] td:text-is("${order.client_order_id}")`).waitFor();
    // Filtered by side, the history asks the API again: the buy leaves the table, then comes back.
    await page.selectOption('select[aria-label="trade side"]', 'SELL');
    await page.locator(`table[aria-label=trades] td:text-is("${order.client_order_id}")`).waitFor({ state: 'detached' });
    expect(await page.locator('table[aria-label=trades] tbody tr td:nth-child(3)').allInnerTexts()).not.toContain('BUY');
    await page.selectOption('select[aria-label="trade side"]', 'BUY');
    await page.locator(`table[aria-label=trades] td:text-is("${order.client_order_id}")`).waitFor();
    await shot(page, 'trader');
    expect(problems).toEqual([]);
  });

  it('halts a trader from the fleet view: the API sees it halted and the page shows it', async () => {
    const { page } = await signedIn(api.token.admin);
    await page.locator('table[aria-label=traders] tr', { hasText: 'trend' }).locator('button', { hasText: 'halt' }).click();
    await waitFor(async () => (await api.call('GET', '/api/v1/traders/trend', { token: api.token.read })).body.live?.mode === 'halted', 'trend halted in the API');
    await page.locator('table[aria-label=traders] tr', { hasText: 'trend' }).locator('.badge:text("halted")').waitFor();
    await page.locator('table[aria-label=traders] tr', { hasText: 'trend' }).locator('button', { hasText: 'resume' }).click();
    await waitFor(async () => (await api.call('GET', '/api/v1/traders/trend', { token: api.token.read })).body.live?.mode === 'active', 'trend resumed');
  });

  it('approves a held order with a note, and the order is filled', async () => {
    const { page } = await signedIn(api.token.trade);
    expect((await buy('held', 'dash-review-1', 'ETH/USDT')).status).toBe(202);
    await page.click('nav a:text("Reviews")');
    const review = page.locator('article.review', { hasText: 'ETH/USDT' });
    await review.waitFor();
    expect(await review.innerText()).toMatch(/overbought/);
    await shot(page, 'reviews');
    await review.locator('input[aria-label=note]').fill('checked the 4h trend');
    const orderId = await review.getAttribute('data-review');
    await review.locator('button', { hasText: 'approve' }).click();
    const filled = await waitFor(async () => {
      const order = await api.call('GET', `/api/v1/orders/${orderId}`, { token: api.token.read });
      if (order.body.status !== 'filled') api.advance();
      return order.body.status === 'filled' && order.body;
    }, 'the approved order filled');
    expect(filled.side).toBe('BUY');
    await page.locator('table[aria-label=decisions] td:text-is("checked the 4h trend")').waitFor();
  });

  it('switches theme, and lays every view out on a 360 px phone without a page-wide scroll', async () => {
    const { page } = await signedIn(api.token.admin, { width: 360, height: 740 });
    expect(await page.getAttribute('html', 'data-theme')).toBe('light');
    await page.click('button[aria-label=theme]');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(15, 18, 24)');
    for (const view of ['fleet', 'trader/trend', 'reviews', 'system', 'backtests']) {
      await page.goto(`${api.url}/#/${view}`);
      await page.waitForSelector('main .card');
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${view} is wider than the phone`).toBeLessThanOrEqual(0);
      await shot(page, `phone-${view.replace('/', '-')}`);
    }
  });

  it('shows the system view with the database, the exchanges and a live event log', async () => {
    const { page } = await signedIn(api.token.read);
    await page.click('nav a:text("System")');
    await page.waitForSelector('table[aria-label=exchanges] td:text("paper")');
    expect(await page.locator('section.card:has(h2:text-is("Database"))').innerText()).toMatch(/reachable\s+ok/);
    // A dead letter, as the runtime records a message to an actor that is gone, is listed once asked again.
    api.system.deadLetter({ address: 'trader.gone', kind: 'unknown_address', reason: 'no actor at "trader.gone"', message: { type: 'status' } });
    await page.click('section.card:has(h2:text-is("Dead letters")) button:text("refresh")');
    await page.locator('table[aria-label="dead letters"] td:text-is("trader.gone")').waitFor();
    expect((await buy('trend', 'dash-log-1', 'BTC/USDT')).status).toBe(202);
    await page.locator('table[aria-label=events] td', { hasText: 'signal.' }).first().waitFor();
    await shot(page, 'system');
  });

  it('compares stored backtest reports side by side', async () => {
    const { page } = await signedIn(api.token.read);
    await page.click('nav a:text("Backtests")');
    const report = (ret: number) => ({
      run: { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z', timeframe: '1h', steps: 744, fills: 'next open' },
      portfolio: { summary: { totalReturn: ret, sharpe: 1.5, trades: 12, feesPaid: '12.3456' } },
      traders: [{ traderId: 'cross', summary: { totalReturn: ret, sharpe: 1.5, trades: 12, feesPaid: '12.3456' }, fills: [] }],
    });
    const files = [1, 2].map((n) => {
      const file = join(SHOTS, `report-${n}.json`);
      writeFileSync(file, JSON.stringify(report(n / 10)));
      return file;
    });
    await page.setInputFiles('input[aria-label="report files"]', files);
    await page.waitForSelector('table[aria-label=comparison]');
    const rows = await page.locator('table[aria-label=comparison] tbody tr').allInnerTexts();
    expect(rows[0]).toBe(['return', '10.00 %', '10.00 %', '20.00 %', '20.00 %'].join('\t'));
    expect(rows.find((r) => r.startsWith('fees paid'))).toContain('12.35');
    await shot(page, 'backtests');
  });
});
