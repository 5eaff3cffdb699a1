import type { RouteConfig } from '@hono/zod-openapi';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createApi } from '../../../adapters/api/app.js';
import { Metrics } from '../../../adapters/api/metrics.js';
import type { ApiRouter } from '../../../adapters/api/openapi.js';
import { SignalOutcomes } from '../../../adapters/api/outcomes.js';
import { Stream } from '../../../adapters/api/stream.js';
import { Wake } from '../../../adapters/api/wake.js';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { browser } from '../../helpers/browser.js';
import { startFakeAnthropic, type FakeAnthropic } from '../../helpers/fake-anthropic.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * The OpenAPI document against the API itself: every route is in it and nothing else; real requests to
 * each operation, a success and a client error at least, answer what its definition says (checked with
 * the very zod schemas of the definitions); and `/docs` renders it in Chromium from this server alone.
 */
let api: ApiTestPlatform;
let fake: FakeAnthropic;
/** The API of the same parts as the one served: its route table and definitions are the served one's. */
let app: ApiRouter;
let stream: Stream;

beforeAll(async () => {
  // The two AI reviews disagree on every order of `held`: each waits for a human in `/reviews`.
  fake = await startFakeAnthropic({ answer: (r) => (r.model === 'claude-sonnet-5-5' ? { verdict: 'approve', confidence: 0.9 } : { verdict: 'reject', confidence: 0.7, reasons: ['overbought'] }) });
  vi.stubEnv('ANTHROPIC_API_KEY', 'sk-ant-test-openapi');
  api = await startApiPlatform({
    traders: [
      { id: 'alpha', symbols: ['BTC/USDT', 'ETH/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000 },
      { id: 'held', symbols: ['BTC/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000, review: { all: true } },
    ],
    ai: { reviewer: 'claude', baseUrl: fake.url, retries: 0 },
  });
  await api.priced();
  const config = api.control.config.api;
  stream = new Stream({ tokens: api.tokens, ...config.stream });
  ({ app } = createApi({
    control: api.control,
    tokens: api.tokens,
    stream,
    metrics: new Metrics({ system: api.system, control: api.control, stream }),
    outcomes: new SignalOutcomes(),
    exits: new Wake(['exit']),
    config,
    version: 'test',
    log: pino({ level: 'silent' }),
  }));
});
afterAll(async () => {
  stream?.close();
  await api?.close();
  await fake?.close();
  vi.unstubAllEnvs();
});

/** Each documented operation, by `METHOD /path/{param}`. */
function definitions(): Map<string, RouteConfig> {
  const routes = app.openAPIRegistry.definitions.flatMap((d) => (d.type === 'route' ? [d.route] : []));
  return new Map(routes.map((route) => [`${route.method.toUpperCase()} ${route.path}`, route]));
}

/** The operation a request is for: its path matched against each template, fixed segments before parameters. */
function operationOf(method: string, path: string): [string, RouteConfig] {
  const candidates = [...definitions()].filter(([key]) => {
    const [verb, template] = key.split(' ') as [string, string];
    return verb === method && new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path);
  });
  candidates.sort(([a], [b]) => a.split('{').length - b.split('{').length);
  if (candidates.length === 0) throw new Error(`${method} ${path}: no operation in the document`);
  return candidates[0]!;
}

/** Statuses each operation answered in this file's requests. */
const answered = new Map<string, Set<number>>();

/**
 * A request that must answer `status`, its body checked against the schema its operation's definition
 * gives that status (or its `default`): a mismatch fails with the operation, the status and zod's issues.
 */
async function checked(status: number, method: string, path: string, options: Parameters<ApiTestPlatform['call']>[2] = {}) {
  const res = await api.call(method, path, options);
  const [operation, route] = operationOf(method, path.split('?')[0]!);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(status);
  answered.set(operation, (answered.get(operation) ?? new Set()).add(status));
  const documented = route.responses[status] ?? route.responses.default;
  if (!documented || !('description' in documented)) throw new Error(`${operation} answered ${status}, which its definition does not document`);
  const schema = (Object.values(documented.content ?? {})[0] as { schema?: z.ZodType } | undefined)?.schema;
  if (!schema) {
    expect(res.body, `${operation} ${status} has no body`).toBeNull();
    return res;
  }
  const parsed = schema.safeParse(res.body);
  if (!parsed.success) throw new Error(`${operation} answered ${status} off its schema:\n${z.prettifyError(parsed.error)}\n${JSON.stringify(res.body).slice(0, 2_000)}`);
  return res;
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with the platform version and the bearer scheme, served without a token', async () => {
    const res = await checked(200, 'GET', '/api/v1/openapi.json', { token: null });
    expect(res.body).toMatchObject({ openapi: '3.1.0', info: { version: 'test' }, security: [{ bearer: [] }] });
    expect(res.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(res.body.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
    expect(res.body.paths['/api/v1/health'].get.security).toEqual([]);
  });

  it('documents every route of /api/v1, and only those', async () => {
    const served = new Set(app.routes.filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/v1/')).map((r) => `${r.method} ${r.path.replace(/:([^/]+)/g, '{$1}')}`));
    const { body } = await api.call('GET', '/api/v1/openapi.json', { token: null });
    const documented = Object.entries(body.paths as Record<string, object>).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.filter((op) => op.includes(' /api/v1/')).sort()).toEqual([...served].sort());
    // The definitions the document is made of are the app's.
    expect([...definitions().keys()].sort()).toEqual(documented.sort());
  });
});

describe('responses match the document', () => {
  it('public routes and the stream', async () => {
    await checked(200, 'GET', '/api/v1/health', { token: null });
    await checked(200, 'GET', '/metrics', { token: null });
    await checked(401, 'GET', '/ws/v1/stream', { headers: { authorization: 'Bearer bv3_000000000000_notatoken' }, token: null });
  });

  it('system', async () => {
    await checked(200, 'GET', '/api/v1/alerts', { token: api.token.read });
    await checked(401, 'GET', '/api/v1/alerts', { token: null });
    await checked(200, 'GET', '/api/v1/system/status', { token: api.token.read });
    // One process is no cluster node.
    await checked(404, 'GET', '/api/v1/cluster', { token: api.token.read });
    await checked(401, 'GET', '/api/v1/system/status', { token: 'bv3_000000000000_notatoken' });
    await checked(200, 'GET', '/api/v1/system/dead-letters?limit=5', { token: api.token.read });
    await checked(400, 'GET', '/api/v1/system/dead-letters?address=', { token: api.token.read });
    await checked(200, 'GET', '/api/v1/system/emergency-stop', { token: api.token.read });
    await checked(401, 'GET', '/api/v1/system/emergency-stop', { token: null });
    await checked(403, 'POST', '/api/v1/system/emergency-stop', { token: api.token.trade, body: {} });
    await checked(422, 'POST', '/api/v1/system/emergency-stop', { body: { waitMs: -1 } });
    await checked(404, 'POST', '/api/v1/system/resume', { body: { traderId: 'nobody' } });
  });

  it('traders', async () => {
    const list = await checked(200, 'GET', '/api/v1/traders', { token: api.token.read });
    expect(list.body.data.every((t: { live?: object }) => t.live)).toBe(true);
    await checked(401, 'GET', '/api/v1/traders', { token: null });
    await checked(200, 'GET', '/api/v1/traders/alpha', { token: api.token.read });
    await checked(404, 'GET', '/api/v1/traders/nobody', { token: api.token.read });
    await checked(200, 'GET', '/api/v1/traders/alpha/status', { token: api.token.read });
    await checked(404, 'GET', '/api/v1/traders/nobody/status', { token: api.token.read });
    await checked(422, 'POST', '/api/v1/traders', { body: { id: 'x y' } });
    await checked(201, 'POST', '/api/v1/traders', { body: { id: 'gamma', symbols: ['BTC/USDT'] } });
    await checked(409, 'POST', '/api/v1/traders', { body: { id: 'gamma', symbols: ['BTC/USDT'] } });
    await checked(200, 'POST', '/api/v1/traders/gamma/stop');
    await checked(409, 'POST', '/api/v1/traders/gamma/stop');
    await checked(200, 'POST', '/api/v1/traders/gamma/start');
    await checked(409, 'POST', '/api/v1/traders/gamma/start');
    await checked(200, 'POST', '/api/v1/traders/gamma/restart');
    await checked(404, 'POST', '/api/v1/traders/nobody/restart');
    for (const action of ['halt', 'reduce-only', 'close-positions', 'resume']) {
      await checked(202, 'POST', `/api/v1/traders/gamma/${action}`, { body: { reason: 'checking the document' } });
      await checked(404, 'POST', `/api/v1/traders/nobody/${action}`);
    }
    await checked(204, 'DELETE', '/api/v1/traders/gamma');
    await checked(404, 'DELETE', '/api/v1/traders/gamma');
  });

  it('signals, orders and strategies', async () => {
    await checked(202, 'POST', '/api/v1/signals', { token: api.token.trade, body: [{ id: 's-1', traderId: 'alpha', strategy: 'ext', symbol: 'ETH/USDT', action: 'BUY' }] });
    await checked(422, 'POST', '/api/v1/signals', { token: api.token.trade, body: { traderId: 'alpha', strategy: 'ext', symbol: 'DOGE/USDT', action: 'BUY' } });
    await checked(422, 'POST', '/api/v1/signals', { token: api.token.trade, body: [] });
    await checked(400, 'POST', '/api/v1/signals', { token: api.token.trade, body: '{"traderId":' });
    const order = { id: 'o-1', traderId: 'alpha', symbol: 'BTC/USDT', side: 'buy', quantity: '0.01' };
    await checked(201, 'POST', '/api/v1/orders', { token: api.token.trade, body: order });
    await checked(409, 'POST', '/api/v1/orders', { token: api.token.trade, body: order });
    await checked(422, 'POST', '/api/v1/orders', { token: api.token.trade, body: { ...order, id: 'o-2', side: 'HOLD' } });
    await checked(202, 'POST', '/api/v1/orders', { token: api.token.trade, body: { traderId: 'held', symbol: 'BTC/USDT', side: 'BUY', quantity: '0.01' } });
    const resting = await checked(201, 'POST', '/api/v1/orders', { token: api.token.trade, body: { traderId: 'alpha', symbol: 'BTC/USDT', side: 'BUY', quantity: '0.01', price: '1000' } });
    const id = resting.body.clientOrderId as string;
    await waitFor(async () => (await api.control.trader('alpha')).live?.orders[id]?.status === 'open', 'the limit order to rest on the book');
    await checked(202, 'DELETE', `/api/v1/orders/${id}`, { token: api.token.trade });
    await checked(404, 'DELETE', '/api/v1/orders/no-such-order', { token: api.token.trade });
    await checked(200, 'GET', '/api/v1/strategies', { token: api.token.read });
    await checked(401, 'GET', '/api/v1/strategies', { token: null });
  });

  it('stored lists, with rows in them', async () => {
    api.advance(1);
    await waitFor(async () => (await api.call('GET', '/api/v1/trades?traderId=alpha', { token: api.token.read })).body.data.length >= 2, 'trades of alpha');
    for (const path of ['/api/v1/accounts/balance', '/api/v1/orders', '/api/v1/trades', '/api/v1/positions', '/api/v1/signals']) {
      const page = await checked(200, 'GET', `${path}?traderId=alpha`, { token: api.token.read });
      expect(page.body.data.length, path).toBeGreaterThan(0);
      await checked(400, 'GET', `${path}?colour=red`, { token: api.token.read });
    }
    await checked(200, 'GET', '/api/v1/orders?traderId=alpha&limit=1', { token: api.token.read });
  });

  it("a trader's candles, equity and performance, and one stored order", async () => {
    for (const view of ['candles', 'equity', 'performance']) {
      await checked(200, 'GET', `/api/v1/traders/alpha/${view}`, { token: api.token.read });
      await checked(400, 'GET', `/api/v1/traders/alpha/${view}?colour=red`, { token: api.token.read });
      await checked(404, 'GET', `/api/v1/traders/nobody/${view}`, { token: api.token.read });
    }
    const [order] = (await api.call('GET', '/api/v1/orders?traderId=alpha&limit=1', { token: api.token.read })).body.data;
    await checked(200, 'GET', `/api/v1/orders/${order.client_order_id}`, { token: api.token.read });
    await checked(400, 'GET', '/api/v1/orders/v3%00', { token: api.token.read });
    await checked(404, 'GET', '/api/v1/orders/no-such-order', { token: api.token.read });
  });

  it('the review queue and its decisions', async () => {
    await checked(202, 'POST', '/api/v1/orders', { token: api.token.trade, body: { traderId: 'held', symbol: 'BTC/USDT', side: 'BUY', quantity: '0.02' } });
    const queue = await waitFor(async () => {
      const res = await checked(200, 'GET', '/api/v1/reviews?traderId=held', { token: api.token.read });
      return res.body.data.length >= 2 && res.body.data;
    }, 'two reviews queued');
    await checked(400, 'GET', '/api/v1/reviews?colour=red', { token: api.token.read });
    await checked(200, 'POST', `/api/v1/reviews/${queue[0].id}/approve`, { token: api.token.trade, body: { note: 'fine' } });
    await checked(409, 'POST', `/api/v1/reviews/${queue[0].id}/approve`, { token: api.token.trade, body: {} });
    await checked(200, 'POST', `/api/v1/reviews/${queue[1].id}/reject`, { token: api.token.trade });
    await checked(404, 'POST', '/api/v1/reviews/no-such-review/reject', { token: api.token.trade });
    await waitFor(async () => (await checked(200, 'GET', '/api/v1/reviews/history?traderId=held', { token: api.token.read })).body.data.length === 2, 'both decisions stored');
    await checked(400, 'GET', '/api/v1/reviews/history?limit=0', { token: api.token.read });
  });

  it('tokens and the session', async () => {
    await checked(200, 'GET', '/api/v1/session', { token: api.token.read });
    await checked(401, 'GET', '/api/v1/session', { token: null });
    await checked(200, 'GET', '/api/v1/tokens');
    await checked(403, 'GET', '/api/v1/tokens', { token: api.token.read });
    const created = await checked(201, 'POST', '/api/v1/tokens', { body: { name: 'docs', scopes: ['read'] } });
    await checked(422, 'POST', '/api/v1/tokens', { body: { name: 'docs', scopes: ['root'] } });
    await checked(204, 'DELETE', `/api/v1/tokens/${created.body.id}`);
    await checked(404, 'DELETE', `/api/v1/tokens/${created.body.id}`);
    const admin = api.tokens.list().find((t) => t.name === 'admin')!;
    await checked(409, 'DELETE', `/api/v1/tokens/${admin.id}`);
  });

  it('the emergency stop and resume', async () => {
    await checked(200, 'POST', '/api/v1/system/emergency-stop', { body: { reason: 'checking the document' } });
    await checked(202, 'POST', '/api/v1/system/resume', { body: {} });
  });

  it('covers every operation with a success and a client error, where it documents one', () => {
    const missing = [...definitions()].flatMap(([operation, route]) => {
      const statuses = [...(answered.get(operation) ?? [])];
      return ['2', '4']
        .filter((kind) => Object.keys(route.responses).some((s) => s.startsWith(kind)) && !statuses.some((s) => String(s).startsWith(kind)))
        .map((kind) => `${operation} ${kind}xx`);
    });
    // Only a cluster node answers it: test/adapters/cluster/helpers.ts checks every answer there against the same schema.
    expect(missing).toEqual(['GET /api/v1/cluster 2xx']);
  });
});

describe('/docs', () => {
  it('renders every operation in Chromium, with Authorize, from this server alone', async () => {
    const page = await (await browser()).newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('request', (request) => request.url().startsWith(`${api.url}/`) || request.url().startsWith('data:') || problems.push(`fetched ${request.url()}`));
    await page.goto(`${api.url}/docs`);
    await page.locator('.opblock').first().waitFor();
    expect(await page.locator('.opblock').count()).toBe(definitions().size);
    expect(await page.locator('.opblock-summary-path', { hasText: /^\/api\/v1\/traders\/\{id\}\/halt$/ }).count()).toBe(1);
    // Authorized with a token, "Try it out" sends it.
    await page.locator('.auth-wrapper .authorize').click();
    await page.locator('.modal-ux input[type=text], .modal-ux input[type=password]').first().fill(api.token.read);
    await page.locator('.modal-ux button.authorize').click();
    await page.locator('.modal-ux button.close-modal').click();
    const status = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path', { hasText: /^\/api\/v1\/system\/status$/ }) });
    await status.locator('.opblock-summary').click();
    await status.locator('.try-out__btn').click();
    await status.locator('.execute').click();
    await expect.poll(() => status.locator('.live-responses-table .response .response-col_status').first().innerText()).toBe('200');
    expect(problems).toEqual([]);
  });
});
