import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { waitFor } from '../../helpers/wait.js';

const traders = [
  { id: 'alpha', symbols: ['BTC/USDT', 'ETH/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000 },
  { id: 'beta', symbols: ['BTC/USDT'], balances: { USDT: 50_000 }, limits: { maxOrderNotional: 5_000 } },
];

let api: ApiTestPlatform;

beforeAll(async () => {
  api = await startApiPlatform({ traders });
  await api.priced();
});
afterAll(async () => api?.close());

/** Orders of a trader as the API lists them, once `count` are stored. */
async function storedOrders(traderId: string, count: number) {
  return waitFor(async () => {
    const res = await api.call('GET', `/api/v1/orders?traderId=${traderId}&limit=1000`, { token: api.token.read });
    return res.body.data.length >= count && res.body.data;
  }, `${count} orders of ${traderId}`);
}

describe('public and system routes', () => {
  it('answers health without a token, with X-API-Version', async () => {
    const res = await api.call('GET', '/api/v1/health', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers.get('x-api-version')).toBe('3.0');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('reports the system status', async () => {
    const res = await api.call('GET', '/api/v1/system/status', { token: api.token.read });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      state: 'running',
      version: 'test',
      traders: { running: 2, failed: 0, stopped: 0 },
      database: { kind: 'external', reachable: true },
      exchanges: [{ name: 'paper', type: 'paper', connectivity: 'up' }],
      reviewer: { kind: 'offline', state: 'up', queued: 0 },
    });
    expect(res.body.uptimeS).toBeGreaterThanOrEqual(0);
  });

  it('lists dead letters newest first, by address, with their message type only, and counts them in the status', async () => {
    const before = (await api.call('GET', '/api/v1/system/status', { token: api.token.read })).body.deadLetters.counts.unknown_address;
    // As the runtime records a message between actors to one that is gone.
    api.system.deadLetter({ address: 'trader.nobody', kind: 'unknown_address', reason: 'no actor at "trader.nobody"', message: { type: 'signals', signals: [], secret: 'not for the API' } });
    api.system.deadLetter({ address: 'trader.nobody', kind: 'unknown_address', reason: 'no actor at "trader.nobody"', message: { type: 'status' } });
    api.system.deadLetter({ address: 'trader.other', kind: 'poison', reason: 'threw 3 times', message: 'not an object', attempts: 3 });
    const letters = (await api.call('GET', '/api/v1/system/dead-letters?address=trader.nobody&limit=10', { token: api.token.read })).body.data;
    expect(letters.map((l: { messageType: string }) => l.messageType)).toEqual(['status', 'signals']);
    expect(letters[0]).toMatchObject({ address: 'trader.nobody', kind: 'unknown_address', reason: 'no actor at "trader.nobody"', attempts: null });
    expect(JSON.stringify(letters)).not.toContain('not for the API');
    const [newest] = (await api.call('GET', '/api/v1/system/dead-letters?limit=1', { token: api.token.read })).body.data;
    expect(newest).toMatchObject({ address: 'trader.other', kind: 'poison', messageType: null, attempts: 3 });
    expect((await api.call('GET', '/api/v1/system/status', { token: api.token.read })).body.deadLetters.counts.unknown_address).toBe(before + 2);
    const bad = await api.call('GET', '/api/v1/system/dead-letters?limit=0', { token: api.token.read });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('limit');
  });

  it('answers an unknown route with the JSON error shape', async () => {
    const res = await api.call('GET', '/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'ERR_NOT_FOUND', message: 'no route GET /api/v1/nothing-here' } });
    expect(res.headers.get('x-api-version')).toBe('3.0');
  });

  it('redirects the v2 endpoints to their v1 homes, query included', async () => {
    const expected: Record<string, string> = {
      '/api/status': '/api/v1/system/status',
      '/api/balance': '/api/v1/accounts/balance',
      '/api/orders?traderId=alpha': '/api/v1/orders?traderId=alpha',
      '/api/trades': '/api/v1/trades',
      '/api/positions': '/api/v1/positions',
      '/api/strategies': '/api/v1/strategies',
      '/ws': '/ws/v1/stream',
    };
    for (const [v2, v1] of Object.entries(expected)) {
      const res = await api.call('GET', v2, { token: null });
      expect(res.status, v2).toBe(308);
      expect(res.headers.get('location'), v2).toBe(v1);
    }
    // A client that follows it lands on the v1 route.
    const followed = await fetch(`${api.url}/api/status`, { headers: { authorization: `Bearer ${api.token.read}` } });
    expect(followed.status).toBe(200);
    expect(((await followed.json()) as { state: string }).state).toBe('running');
  });
});

describe('authentication and scopes', () => {
  it('refuses a request without a token, with a bad scheme, or with an unknown token', async () => {
    const missing = await api.call('GET', '/api/v1/traders', { token: null });
    expect(missing.status).toBe(401);
    expect(missing.body.error).toEqual({ code: 'ERR_UNAUTHORIZED', message: 'authorization: missing Authorization: Bearer <token>', field: 'authorization' });
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    const basic = await api.call('GET', '/api/v1/traders', { token: null, headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
    expect(basic.status).toBe(401);
    const unknown = await api.call('GET', '/api/v1/traders', { token: 'bv3_000000000000_notatoken' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.message).toContain('unknown or revoked token');
  });

  it('gives each scope what it allows and 403 beyond', async () => {
    expect((await api.call('GET', '/api/v1/traders', { token: api.token.read })).status).toBe(200);
    expect((await api.call('GET', '/api/v1/traders', { token: api.token.trade })).status).toBe(200);
    const readSignals = await api.call('POST', '/api/v1/signals', { token: api.token.read, body: { traderId: 'beta', strategy: 's', symbol: 'BTC/USDT', action: 'BUY' } });
    expect(readSignals.status).toBe(403);
    expect(readSignals.body.error).toEqual({ code: 'ERR_FORBIDDEN', message: 'this token lacks the "trade" scope' });
    const tradeAdmin = await api.call('POST', '/api/v1/system/emergency-stop', { token: api.token.trade, body: {} });
    expect(tradeAdmin.status).toBe(403);
    expect((await api.call('GET', '/api/v1/tokens', { token: api.token.trade })).status).toBe(403);
  });

  it('creates, lists and revokes tokens without ever showing a stored one', async () => {
    const created = await api.call('POST', '/api/v1/tokens', { body: { name: 'grafana', scopes: ['read'] } });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^bv3_[0-9a-f]{12}_/);
    expect((await api.call('GET', '/api/v1/positions', { token: created.body.token })).status).toBe(200);
    const listed = await api.call('GET', '/api/v1/tokens');
    const text = JSON.stringify(listed.body);
    expect(listed.body.data.map((t: { name: string }) => t.name)).toEqual(['read', 'trade', 'admin', 'grafana']);
    expect(text).not.toContain(created.body.token);
    expect(text).not.toContain('hash');
    expect((await api.call('DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(204);
    expect((await api.call('GET', '/api/v1/positions', { token: created.body.token })).status).toBe(401);
    expect((await api.call('DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(404);
    const badScope = await api.call('POST', '/api/v1/tokens', { body: { name: 'x', scopes: ['root'] } });
    expect(badScope.status).toBe(422);
    expect(badScope.body.error.field).toBe('scopes[0]');
  });
});

describe('bad input', () => {
  it('answers broken JSON and other content types with 400', async () => {
    const broken = await api.call('POST', '/api/v1/signals', { token: api.token.trade, body: '{"traderId": "alpha",' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('ERR_BAD_REQUEST');
    expect(broken.body.error.field).toBe('body');
    const text = await api.call('POST', '/api/v1/signals', { token: api.token.trade, body: 'traderId=alpha', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(400);
    expect(text.body.error.message).toContain('Content-Type: application/json');
  });

  it('answers wrong types, unknown fields and bad values with 422 naming the field', async () => {
    const wrongType = await api.call('POST', '/api/v1/orders', { token: api.token.trade, body: { traderId: 'alpha', symbol: 'BTC/USDT', side: 'BUY', quantity: true } });
    expect(wrongType.status).toBe(422);
    expect(wrongType.body.error.field).toBe('quantity');
    const unknownField = await api.call('POST', '/api/v1/orders', { token: api.token.trade, body: { traderId: 'alpha', symbol: 'BTC/USDT', side: 'BUY', quantity: '0.01', leverage: 100 } });
    expect(unknownField.status).toBe(422);
    expect(unknownField.body.error).toEqual({ code: 'ERR_VALIDATION', message: 'leverage: unknown field', field: 'leverage' });
    const badSide = await api.call('POST', '/api/v1/orders', { token: api.token.trade, body: { traderId: 'alpha', symbol: 'BTC/USDT', side: 'HOLD', quantity: '0.01' } });
    expect(badSide.status).toBe(422);
    expect(badSide.body.error.field).toBe('side');
    const badSymbol = await api.call('POST', '/api/v1/orders', { token: api.token.trade, body: { traderId: 'beta', symbol: 'ETH/USDT', side: 'BUY', quantity: '0.01' } });
    expect(badSymbol.status).toBe(422);
    expect(badSymbol.body.error.field).toBe('symbol');
  });

  it('refuses a body over the limit with 413', async () => {
    const huge = await api.call('POST', '/api/v1/signals', { token: api.token.trade, body: JSON.stringify({ signals: [{ pad: 'x'.repeat(2 * 1024 * 1024) }] }) });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('ERR_PAYLOAD_TOO_LARGE');
  });

  it('answers bad query parameters with 400 naming them', async () => {
    const limit = await api.call('GET', '/api/v1/orders?limit=lots', { token: api.token.read });
    expect(limit.status).toBe(400);
    expect(limit.body.error.field).toBe('limit');
    const unknown = await api.call('GET', '/api/v1/trades?colour=red', { token: api.token.read });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('colour');
    const time = await api.call('GET', '/api/v1/orders?from=yesterday', { token: api.token.read });
    expect(time.status).toBe(400);
    expect(time.body.error.field).toBe('from');
  });

  it('never sends a stack trace', async () => {
    for (const res of [
      await api.call('POST', '/api/v1/traders', { body: { id: 'x y' } }),
      await api.call('GET', '/api/v1/orders?before=bad', { token: api.token.read }),
      await api.call('POST', '/api/v1/signals', { token: api.token.trade, body: '[' }),
    ]) {
      expect(JSON.stringify(res.body)).not.toMatch(/\n\s+at |\.ts:\d+/);
    }
  });
});

describe('signals, orders, trades and positions', () => {
  it('routes a batch of signals to traders and answers each one', async () => {
    const res = await api.call('POST', '/api/v1/signals', {
      token: api.token.trade,
      body: {
        signals: [
          { id: 'a-1', traderId: 'alpha', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY' },
          { traderId: 'alpha', strategy: 'ext', symbol: 'ETHUSDT', action: 'buy' },
          { id: 'b-1', traderId: 'beta', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY', quantity: '0.01' },
          { id: 'bad-1', traderId: 'beta', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY', quantity: -1 },
          { id: 'bad-2', traderId: 'nobody', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY' },
        ],
      },
    });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(3);
    expect(res.body.data[0]).toEqual({ index: 0, id: 'a-1', traderId: 'alpha', accepted: true });
    expect(res.body.data[1]).toMatchObject({ index: 1, traderId: 'alpha', accepted: true });
    expect(res.body.data[1].id).toMatch(/^api-/);
    expect(res.body.data[3]).toMatchObject({ id: 'bad-1', accepted: false, field: 'quantity' });
    expect(res.body.data[4]).toMatchObject({ id: 'bad-2', accepted: false, field: 'traderId', reason: 'no trader "nobody"' });
    api.advance(1);
    const orders = await storedOrders('alpha', 2);
    expect(orders.map((o: { signal_id: string }) => o.signal_id).sort()).toEqual(['a-1', res.body.data[1].id].sort());
    const [betaOrder] = await storedOrders('beta', 1);
    expect(betaOrder).toMatchObject({ signal_id: 'b-1', symbol: 'BTC/USDT', side: 'BUY', quantity: '0.010000000' });
  });

  it('answers 422 when no signal of a request is accepted', async () => {
    const res = await api.call('POST', '/api/v1/signals', { token: api.token.trade, body: [{ traderId: 'alpha', strategy: 'ext', symbol: 'DOGE/USDT', action: 'BUY' }] });
    expect(res.status).toBe(422);
    expect(res.body.data[0]).toMatchObject({ accepted: false, field: 'symbol' });
  });

  it('places a manual order through the trader and its risk checks, once per id', async () => {
    const body = { id: 'manual-1', traderId: 'beta', symbol: 'BTC/USDT', side: 'buy', quantity: '0.02' };
    const placed = await api.call('POST', '/api/v1/orders', { token: api.token.trade, body });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ signalId: 'manual-1', status: 'accepted' });
    expect(placed.body.clientOrderId).toEqual(expect.any(String));
    const again = await api.call('POST', '/api/v1/orders', { token: api.token.trade, body });
    expect(again.status).toBe(409);
    expect(again.body.error.field).toBe('id');
    api.advance(1);
    const orders = await storedOrders('beta', 2);
    expect(orders.filter((o: { signal_id: string }) => o.signal_id === 'manual-1')).toHaveLength(1);
  });

  it('refuses a manual order the risk checks refuse, with the reason', async () => {
    const res = await api.call('POST', '/api/v1/orders', { token: api.token.trade, body: { traderId: 'beta', symbol: 'BTC/USDT', side: 'BUY', quantity: '1' } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/^order notional [\d.]+ above the limit/);
  });

  it('cancels a live order', async () => {
    const placed = await api.call('POST', '/api/v1/orders', { token: api.token.trade, body: { traderId: 'alpha', symbol: 'BTC/USDT', side: 'BUY', quantity: '0.01', price: '1000' } });
    expect(placed.status).toBe(201);
    const id = placed.body.clientOrderId as string;
    await waitFor(async () => (await api.control.trader('alpha')).live?.orders[id]?.status === 'open', 'the limit order to rest on the book');
    const cancelled = await api.call('DELETE', `/api/v1/orders/${id}`, { token: api.token.trade });
    expect(cancelled.status).toBe(202);
    expect(cancelled.body).toMatchObject({ accepted: true, traderId: 'alpha' });
    await waitFor(async () => {
      const res = await api.call('GET', '/api/v1/orders?traderId=alpha&status=cancelled', { token: api.token.read });
      return res.body.data.some((o: { client_order_id: string }) => o.client_order_id === id);
    }, 'the cancel to be stored');
    const unknown = await api.call('DELETE', '/api/v1/orders/no-such-order', { token: api.token.trade });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'ERR_NOT_FOUND', field: 'clientOrderId' });
  });

  it('lists trades, positions and balances with filters and cursor pagination', async () => {
    const trades = await waitFor(async () => {
      const res = await api.call('GET', '/api/v1/trades?traderId=alpha', { token: api.token.read });
      return res.body.data.length >= 2 && res.body;
    }, 'alpha trades');
    expect(trades.data.every((t: { trader_id: string }) => t.trader_id === 'alpha')).toBe(true);
    const first = await api.call('GET', '/api/v1/trades?traderId=alpha&limit=1', { token: api.token.read });
    expect(first.body.data).toHaveLength(1);
    expect(first.body.next).toEqual(expect.any(String));
    const second = await api.call('GET', `/api/v1/trades?traderId=alpha&limit=1&before=${encodeURIComponent(first.body.next)}`, { token: api.token.read });
    expect(second.body.data).toHaveLength(1);
    expect(second.body.data[0].trade_id).not.toBe(first.body.data[0].trade_id);
    const positions = await waitFor(async () => {
      const res = await api.call('GET', '/api/v1/positions?traderId=alpha&open=true', { token: api.token.read });
      return res.body.data.length === 2 && res.body.data;
    }, 'alpha positions');
    expect(positions.map((p: { symbol: string }) => p.symbol)).toEqual(['BTC/USDT', 'ETH/USDT']);
    const eth = await api.call('GET', '/api/v1/positions?symbol=ETH/USDT', { token: api.token.read });
    expect(eth.body.data.map((p: { trader_id: string }) => p.trader_id)).toEqual(['alpha']);
    const balances = await waitFor(async () => {
      const res = await api.call('GET', '/api/v1/accounts/balance?traderId=alpha', { token: api.token.read });
      return res.body.data.some((b: { asset: string }) => b.asset === 'BTC') && res.body.data;
    }, 'alpha balances');
    expect(balances.find((b: { asset: string }) => b.asset === 'USDT').free).toMatch(/^\d+\.\d{10}$/);
    const window = await api.call('GET', `/api/v1/trades?from=${Date.now() + 60_000}`, { token: api.token.read });
    expect(window.body.data).toEqual([]);
  });

  it('answers identical queries asked together with one read, beside persistence rather than through it', async () => {
    const persistence = () => api.system.status().actors.find((a) => a.address === 'persistence')!.mailbox.enqueued;
    const before = persistence();
    const pages = await Promise.all(Array.from({ length: 20 }, () => api.control.query('positions', { traderId: 'alpha' })));
    expect(persistence() - before).toBe(0);
    // One answer object for all twenty: they shared one query.
    expect(new Set(pages).size).toBe(1);
    expect(pages[0]!.rows.length).toBeGreaterThan(0);
  });

  it('lists the strategies with their config schemas', async () => {
    const res = await api.call('GET', '/api/v1/strategies', { token: api.token.read });
    expect(res.status).toBe(200);
    const sma = res.body.data.find((s: { type: string }) => s.type === 'sma_crossover');
    expect(sma.params.type).toBe('object');
    expect(Object.keys(sma.params.properties)).toEqual(expect.arrayContaining(['fast', 'slow']));
  });
});

describe('traders and risk', () => {
  it('lists and gets traders with their live state', async () => {
    const list = await api.call('GET', '/api/v1/traders', { token: api.token.read });
    expect(list.body.data.map((t: { id: string }) => t.id)).toEqual(['alpha', 'beta']);
    const alpha = await api.call('GET', '/api/v1/traders/alpha', { token: api.token.read });
    expect(alpha.body).toMatchObject({ id: 'alpha', state: 'running', exchange: 'paper', symbols: ['BTC/USDT', 'ETH/USDT'], restarts: 0, lastError: null });
    expect(alpha.body.live.mode).toBe('active');
    expect(alpha.body.pnl).toMatch(/^-?\d+(\.\d+)?$/);
    expect((await api.call('GET', '/api/v1/traders/nobody', { token: api.token.read })).status).toBe(404);
  });

  it('creates a trader from a config, and names the bad field of a bad one', async () => {
    const bad = await api.call('POST', '/api/v1/traders', { body: { id: 'gamma', symbols: ['PEPE/USDT'] } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe('symbols[0]');
    const typo = await api.call('POST', '/api/v1/traders', { body: { id: 'gamma', symbols: ['BTC/USDT'], orderNotionel: 5 } });
    expect(typo.status).toBe(422);
    expect(typo.body.error.field).toBe('orderNotionel');
    const created = await api.call('POST', '/api/v1/traders', { body: { id: 'gamma', symbols: ['BTC/USDT'], balances: { USDT: 5_000 }, orderNotional: 500 } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/v1/traders/gamma');
    expect(created.body).toMatchObject({ id: 'gamma', state: 'running' });
    expect((await api.call('POST', '/api/v1/traders', { body: { id: 'gamma', symbols: ['BTC/USDT'] } })).status).toBe(409);
    // It trades once it has a price: its account was opened with its balances.
    api.advance(1);
    await waitFor(async () => (await api.control.trader('gamma')).live?.marks['BTC/USDT'], 'a mark for gamma');
    const signal = await api.call('POST', '/api/v1/orders', { token: api.token.trade, body: { traderId: 'gamma', symbol: 'BTC/USDT', side: 'BUY', quantity: '0.01' } });
    expect(signal.status).toBe(201);
    api.advance(1);
    await storedOrders('gamma', 1);
  });

  it('stops, starts, restarts and deletes a trader', async () => {
    const stopped = await api.call('POST', '/api/v1/traders/gamma/stop');
    expect(stopped.status).toBe(200);
    expect(stopped.body.state).toBe('stopped');
    expect((await api.call('POST', '/api/v1/traders/gamma/stop')).status).toBe(409);
    const refused = await api.call('POST', '/api/v1/signals', { token: api.token.trade, body: { traderId: 'gamma', strategy: 'ext', symbol: 'BTC/USDT', action: 'BUY' } });
    expect(refused.body.data[0]).toMatchObject({ accepted: false, field: 'traderId', reason: 'trader "gamma" is stopped' });
    const started = await api.call('POST', '/api/v1/traders/gamma/start');
    expect(started.body.state).toBe('running');
    // Started without a snapshot, it recovered its position from the database.
    expect(BigInt(started.body.live.positions['BTC/USDT'].quantity.replace('.', ''))).toBeGreaterThan(0n);
    const restarted = await api.call('POST', '/api/v1/traders/gamma/restart');
    expect(restarted.body).toMatchObject({ state: 'running', restarts: 1 });
    expect((await api.call('DELETE', '/api/v1/traders/gamma')).status).toBe(204);
    expect((await api.call('GET', '/api/v1/traders/gamma', { token: api.token.read })).status).toBe(404);
    expect((await api.call('GET', '/api/v1/system/status', { token: api.token.read })).body.traders.running).toBe(2);
  });

  it('halts a trader, puts it in reduce-only and resumes it', async () => {
    const mode = async () => (await api.call('GET', '/api/v1/traders/beta', { token: api.token.read })).body.live.mode as string;
    expect((await api.call('POST', '/api/v1/traders/beta/halt', { body: { reason: 'manual check' } })).status).toBe(202);
    await waitFor(async () => (await mode()) === 'halted', 'beta halted');
    expect((await api.call('POST', '/api/v1/traders/beta/resume')).status).toBe(202);
    await waitFor(async () => (await mode()) === 'active', 'beta active');
    expect((await api.call('POST', '/api/v1/traders/beta/reduce-only')).status).toBe(202);
    await waitFor(async () => (await mode()) === 'reduce-only', 'beta reduce-only');
    await api.call('POST', '/api/v1/traders/beta/resume');
    await waitFor(async () => (await mode()) === 'active', 'beta active again');
  });

  it('stops everything on an emergency stop, and resumes', async () => {
    const stop = await api.call('POST', '/api/v1/system/emergency-stop', { body: { reason: 'exchange incident' } });
    expect(stop.status).toBe(200);
    expect(stop.body).toMatchObject({ action: 'emergency-stop', reason: 'exchange incident', flat: true });
    expect(stop.body.traders.map((t: { traderId: string; state: string; mode: string }) => `${t.traderId} ${t.state} ${t.mode}`)).toEqual(['alpha flat halted', 'beta flat halted']);
    await waitFor(async () => {
      const res = await api.call('GET', '/api/v1/traders', { token: api.token.read });
      return res.body.data.every((t: { live: { mode: string } }) => t.live.mode === 'halted');
    }, 'every trader halted');
    const flat = await api.call('GET', '/api/v1/traders/alpha', { token: api.token.read });
    expect(flat.body.live.modeReason).toBe('exchange incident');
    expect((await api.call('POST', '/api/v1/system/resume', { body: {} })).status).toBe(202);
    await waitFor(async () => {
      const res = await api.call('GET', '/api/v1/traders', { token: api.token.read });
      return res.body.data.every((t: { live: { mode: string } }) => t.live.mode === 'active');
    }, 'every trader active');
  });
});

describe('metrics', () => {
  it('serves Prometheus metrics gathered from the workers and the API', async () => {
    const res = await api.call('GET', '/metrics', { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = res.body as string;
    expect(text).toMatch(/botv3_signals_total\{trader="alpha",outcome="accepted"\} [1-9]/);
    expect(text).toMatch(/botv3_signals_total\{trader="beta",outcome="rejected"\} [0-9]/);
    expect(text).toMatch(/botv3_orders_total\{trader="beta",status="filled"\} [1-9]/);
    expect(text).toMatch(/botv3_fills_total\{trader="alpha"\} [1-9]/);
    expect(text).toMatch(/botv3_actor_restarts_total\{actor="trader.alpha"\} 0/);
    expect(text).toMatch(/botv3_mailbox_depth\{actor="persistence"\} \d+/);
    expect(text).toMatch(/botv3_mailbox_dropped_total\{actor="trader.beta"\} 0/);
    expect(text).toMatch(/botv3_persistence_lag_rows \d+/);
    expect(text).toMatch(/botv3_database_up 1/);
    expect(text).toMatch(/botv3_api_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/api\/v1\/traders",status="200"\} [1-9]/);
    expect(text).toMatch(/botv3_ws_clients \d+/);
    expect(text).toContain('botv3_process_cpu_user_seconds_total');
    expect(text).toContain('botv3_nodejs_eventloop_lag_seconds');
  });
});
