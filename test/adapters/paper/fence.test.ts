import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ExecutionReport } from '../../../actors/trading/exchange-protocol.js';
import { LeaseTable } from '../../../actors/trading/fence.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import type { PaperExchangeArgs } from '../../../adapters/paper/options.js';
import { moduleUrl } from '../../../runtime/module-url.js';
import { ActorSystem } from '../../../runtime/system.js';
import { waitFor } from '../../helpers/wait.js';

/** The paper exchange in its worker, as a cluster node runs it: fencing orders by the leases the node shares with it. */
let system: ActorSystem;
const leases = LeaseTable.create(['inbox']);

beforeAll(async () => {
  const args: PaperExchangeArgs = {
    seed: 1,
    timeframe: '1m',
    candleIntervalMs: 0,
    latencyMs: 0,
    dedupeWindow: 1_000,
    symbols: ['BTC/USDT'],
    accounts: { alpha: { USDT: toFixed('100000', 'usdt') } },
    leases: leases.shared,
  };
  system = await ActorSystem.start(
    {
      id: 'root',
      children: [
        { id: 'inbox', module: moduleUrl('../exchanges/fixtures/inbox', import.meta.url), placement: 'main' },
        { id: 'exchange.paper', module: moduleUrl('../../../adapters/paper/exchange', import.meta.url), args },
      ],
    },
    { logger: pino({ level: 'silent' }) },
  );
  system.send('exchange.paper', { type: 'advance', candles: 1 });
});
afterAll(() => system.shutdown());

const order = (clientOrderId: string) => ({ clientOrderId, account: 'alpha', replyTo: 'inbox', symbol: 'BTC/USDT', side: 'buy', type: 'market', quantity: toFixed('0.01', 'q'), ts: 1 });

/** The reports the inbox holds once the exchange answered every message sent before. */
async function taken(): Promise<ExecutionReport[]> {
  await system.request('exchange.paper', { type: 'getBalances', account: 'alpha' });
  const { messages } = await system.request<{ messages: { reports?: ExecutionReport[] }[] }>('inbox', { type: 'take' });
  return messages.flatMap((m) => m.reports ?? []);
}

test('an order held while its lease is late outlives the exchange’s thread, and fills once when the lease is renewed', async () => {
  leases.grant('inbox', 3, Date.now() - 1);
  system.send('exchange.paper', { type: 'place', generation: 3, orders: [order('v3held00000000001'), order('v3held00000000002')] });
  expect(await taken()).toEqual([]);
  system.kill('exchange.paper');
  expect(await taken()).toEqual([]);
  leases.grant('inbox', 3, Date.now() + 60_000);
  const got: ExecutionReport[] = [];
  await waitFor(async () => (got.push(...(await taken())), got.length >= 4), 'both orders accepted and filled');
  expect(got.map((r) => [r.clientOrderId, r.kind])).toEqual([
    ['v3held00000000001', 'accepted'],
    ['v3held00000000001', 'fill'],
    ['v3held00000000002', 'accepted'],
    ['v3held00000000002', 'fill'],
  ]);
  // Each filled once: the account bought 0.02 BTC.
  const { balances } = await system.request<{ balances: Record<string, { free: bigint }> }>('exchange.paper', { type: 'getBalances', account: 'alpha' });
  expect(balances.BTC?.free).toBe(toFixed('0.02', 'btc'));
});

test('a fenced order never reaches the book: reconciliation finds it unknown, so its trader’s next owner sends it', async () => {
  leases.revoke('inbox');
  system.send('exchange.paper', { type: 'place', generation: 3, orders: [order('v3fenced000000001')] });
  expect((await taken()).map((r) => [r.clientOrderId, r.kind, r.reason])).toEqual([['v3fenced000000001', 'fenced', 'fenced: this node holds no lease on inbox']]);
  system.send('exchange.paper', { type: 'reconcile', account: 'alpha', replyTo: 'inbox', orders: [{ clientOrderId: 'v3fenced000000001', symbol: 'BTC/USDT' }] });
  await system.request('exchange.paper', { type: 'getBalances', account: 'alpha' });
  const { messages } = await system.request<{ messages: unknown[] }>('inbox', { type: 'take' });
  expect(messages).toEqual([{ type: 'reconciled', orders: [{ clientOrderId: 'v3fenced000000001', known: false, fills: [] }] }]);
});
