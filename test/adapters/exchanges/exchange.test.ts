import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CcxtExchangeArgs } from '../../../adapters/exchanges/args.js';
import type { ExchangeStatusReply } from '../../../adapters/exchanges/exchange.js';
import { GUARD_DEFAULTS } from '../../../adapters/exchanges/args.js';
import type { ExecutionReport } from '../../../actors/trading/exchange-protocol.js';
import { LeaseTable } from '../../../actors/trading/fence.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import { moduleUrl } from '../../../runtime/module-url.js';
import { ActorSystem } from '../../../runtime/system.js';
import recording from '../../fixtures/exchanges/binance.js';
import { fakeExchange, keysInEnvironment, type FakeExchange } from '../../helpers/fake-exchange.js';
import { waitFor } from '../../helpers/wait.js';

/** The ccxt exchange actor in a worker thread, speaking the platform's exchange protocol to the replayed Binance. */
let server: FakeExchange;
let system: ActorSystem;
/** As a cluster node's: orders sent with a lease generation are fenced by it; the others are not. */
const leases = LeaseTable.create(['inbox']);

beforeAll(async () => {
  server = await fakeExchange(recording.routes);
  keysInEnvironment('binance', 'alpha', recording.credentials);
  const args: CcxtExchangeArgs = {
    name: 'binance',
    exchange: 'binance',
    sandbox: false,
    endpoint: server.origin,
    marketsDir: mkdtempSync(join(tmpdir(), 'botv3-markets-')),
    timeframe: '1m',
    pollMs: 60_000,
    holdingsCheckMs: 60_000,
    timeoutMs: 1_000,
    guard: { ...GUARD_DEFAULTS, backoff: { initialMs: 1, maxMs: 5, jitter: 0 } },
    leases: leases.shared,
  };
  system = await ActorSystem.start(
    {
      id: 'root',
      children: [
        { id: 'inbox', module: moduleUrl('./fixtures/inbox', import.meta.url), placement: 'main' },
        { id: 'exchange.binance', module: moduleUrl('../../../adapters/exchanges/exchange', import.meta.url), args },
      ],
    },
    { logger: pino({ level: 'silent' }) },
  );
});
afterAll(async () => {
  await system.shutdown();
  await server.close();
});

const order = (clientOrderId: string, fields: object) => ({ clientOrderId, account: 'alpha', replyTo: 'inbox', symbol: 'BTC/USDT', side: 'buy', quantity: toFixed('0.001', 'q'), ts: 1, ...fields });

async function reports(count: number): Promise<ExecutionReport[]> {
  const got: ExecutionReport[] = [];
  await waitFor(async () => {
    const { messages } = await system.request<{ messages: { type: string; reports?: ExecutionReport[] }[] }>('inbox', { type: 'take' });
    for (const m of messages) got.push(...(m.reports ?? []));
    return got.length >= count;
  }, `${count} execution reports`);
  return got;
}

test('places orders with the client order id, reports acceptance and fills, and rejects locally what the market would refuse', async () => {
  const sent = () => server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/api/v3/order'));
  system.send('exchange.binance', {
    type: 'place',
    orders: [
      order('v3aaaaaaaaaaaaaaaa', { type: 'limit', price: toFixed('60000', 'p') }),
      order('v3bbbbbbbbbbbbbbbb', { type: 'market' }),
      order('v3cccccccccccccccc', { type: 'market', quantity: toFixed('0.000001', 'q') }),
    ],
  });
  const got = await reports(4);
  expect(got.map((r) => [r.clientOrderId, r.kind])).toEqual([
    ['v3aaaaaaaaaaaaaaaa', 'accepted'],
    ['v3bbbbbbbbbbbbbbbb', 'accepted'],
    ['v3bbbbbbbbbbbbbbbb', 'fill'],
    ['v3cccccccccccccccc', 'rejected'],
  ]);
  expect(got[2]!.fill).toMatchObject({ tradeId: '56', quantity: toFixed('0.001', 'q'), price: toFixed('63310.01', 'p'), fee: toFixed('0.06331001', 'f'), feeAsset: 'USDT' });
  expect(got[3]!.reason).toMatch(/minimum amount precision of 0\.00001 \(minimum 0\.00001\)/);
  expect(sent().map((r) => (r.body as Record<string, string>).newClientOrderId)).toEqual(['v3aaaaaaaaaaaaaaaa', 'v3bbbbbbbbbbbbbbbb']);
});

test('an order the exchange refuses is rejected with the platform code, not retried', async () => {
  const before = server.requests.length;
  server.inject('POST', 'api.binance.com/api/v3/order', recording.insufficientFunds);
  system.send('exchange.binance', { type: 'place', orders: [order('v3dddddddddddddddd', { type: 'limit', price: toFixed('60000', 'p') })] });
  const [report] = await reports(1);
  expect(report).toMatchObject({ kind: 'rejected', clientOrderId: 'v3dddddddddddddddd', reason: expect.stringMatching(/^ERR_INSUFFICIENT_FUNDS: /) });
  expect(server.requests.length - before).toBe(1);
});

test('reconciles orders by client order id, and answers balances and status', async () => {
  system.send('exchange.binance', { type: 'reconcile', account: 'alpha', replyTo: 'inbox', orders: [{ clientOrderId: 'v3fedcba9876543210', symbol: 'BTC/USDT' }] });
  const { messages } = await waitFor(async () => {
    const inbox = await system.request<{ messages: { type: string; orders?: unknown[] }[] }>('inbox', { type: 'take' });
    return inbox.messages.length > 0 && inbox;
  }, 'the reconciliation');
  expect(messages[0]).toMatchObject({ type: 'reconciled', orders: [{ clientOrderId: 'v3fedcba9876543210', known: true, status: 'open', exchangeOrderId: '26', fills: [{ quantity: toFixed('0.0004', 'q') }] }] });
  expect(server.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/api/v3/order')).at(-1)!.query.origClientOrderId).toBe('v3fedcba9876543210');
  const balances = await system.request<{ balances: Record<string, { free: bigint; locked: bigint }> }>('exchange.binance', { type: 'getBalances', account: 'alpha' });
  expect(balances.balances.USDT).toEqual({ free: toFixed('1000', 'f'), locked: toFixed('60', 'l') });
  expect(await system.request<ExchangeStatusReply>('exchange.binance', { type: 'status' })).toMatchObject({ connectivity: 'up', name: 'binance' });
});

test('follows live orders by polling the exchange: each fill is reported once', async () => {
  system.send('exchange.binance', { type: 'poll' });
  // The replay answers every order lookup with a partly filled order: new for the limit order of the
  // first test, already reported for the one taken over at reconciliation.
  const first = await reports(1);
  expect(first.map((r) => [r.clientOrderId, r.kind, r.fill?.quantity])).toEqual([['v3aaaaaaaaaaaaaaaa', 'fill', toFixed('0.0004', 'q')]]);
  system.send('exchange.binance', { type: 'poll' });
  await system.request('exchange.binance', { type: 'status' });
  const { messages } = await system.request<{ messages: unknown[] }>('inbox', { type: 'take' });
  expect(messages).toEqual([]);
});

test('in a cluster, an order goes out only under the lease this node holds, judged as it leaves by the leases the node shares with the exchange’s thread; a late lease holds it until renewed', async () => {
  const posted = () => server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/api/v3/order')).length;
  const before = posted();
  const send = (clientOrderId: string, generation: number) => system.send('exchange.binance', { type: 'place', generation, orders: [order(clientOrderId, { type: 'market' })] });
  const place = async (clientOrderId: string, generation: number, count = 1) => {
    send(clientOrderId, generation);
    return (await reports(count)).map((r) => [r.kind, r.reason]);
  };
  const nothingYet = async () => {
    await system.request('exchange.binance', { type: 'status' });
    return (await system.request<{ messages: unknown[] }>('inbox', { type: 'take' })).messages;
  };
  expect(await place('v3f0f0f0f0f0f0f001', 5)).toEqual([['fenced', 'fenced: this node holds no lease on inbox']]);
  leases.grant('inbox', 5, Date.now() + 60_000);
  expect(await place('v3f0f0f0f0f0f0f002', 4)).toEqual([['fenced', 'fenced: lease generation 4 is stale (now 5)']]);
  expect((await place('v3f0f0f0f0f0f0f003', 5, 2)).map(([kind]) => kind)).toEqual(['accepted', 'fill']);
  // Late: held, not refused, and sent once the lease is renewed.
  leases.grant('inbox', 5, Date.now() - 1);
  send('v3f0f0f0f0f0f0f004', 5);
  expect(await nothingYet()).toEqual([]);
  expect(posted() - before).toBe(1);
  leases.grant('inbox', 5, Date.now() + 60_000);
  expect((await reports(2)).map((r) => [r.clientOrderId, r.kind])).toEqual([
    ['v3f0f0f0f0f0f0f004', 'accepted'],
    ['v3f0f0f0f0f0f0f004', 'fill'],
  ]);
  // Late, then lost: fenced, never sent.
  leases.grant('inbox', 5, Date.now() - 1);
  send('v3f0f0f0f0f0f0f005', 5);
  expect(await nothingYet()).toEqual([]);
  leases.revoke('inbox');
  expect((await reports(1)).map((r) => [r.clientOrderId, r.kind, r.reason])).toEqual([['v3f0f0f0f0f0f0f005', 'fenced', 'fenced: this node holds no lease on inbox']]);
  expect(posted() - before).toBe(2);
});
