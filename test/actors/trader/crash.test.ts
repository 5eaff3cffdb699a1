import { afterEach, expect, test } from 'vitest';
import { toFixed } from '../../../actors/trading/fixed.js';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { waitFor } from '../../helpers/wait.js';

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

test('a trader killed three times mid-stream loses no signal and places no order twice', async () => {
  platform = await startPlatform({ traders: [{ id: 'alpha', symbols: ['ETH/USDT'], balances: { USDT: 100_000 } }] });
  const p = platform;
  p.advance();
  await waitFor(async () => (await p.status('alpha')).marks['ETH/USDT'], 'the first candle');

  const total = 3_000;
  const kills: number[] = [];
  let reprocessed = 0;
  const trader = () => p.system.status().actors.find((a) => a.address === 'trader.alpha')!;
  for (let i = 0; i < total; i += 50) {
    const signals = Array.from({ length: 50 }, (_, k) => ({ id: `c${i + k}`, strategy: 'api', symbol: 'ETH/USDT', action: 'BUY', quantity: '0.002' }));
    if (!p.system.send('trader.alpha', { type: 'signals', signals })) await p.system.drained('trader.alpha');
    if (i % 1_000 === 500) {
      // Let some of the stream through, then kill the worker with messages in hand and in its mailbox.
      await new Promise((resolve) => setTimeout(resolve, 20));
      // The previous kill must have been restarted (killing a thread still terminating is a no-op) and
      // what it had in hand processed again: killing the same message in hand three times would make it
      // a poison message, which the runtime rightly sets aside.
      await waitFor(() => trader().state === 'running' && trader().restarts === kills.length && trader().mailbox.acknowledged >= reprocessed, 'the trader to run again');
      const { acknowledged, inflight } = trader().mailbox;
      reprocessed = acknowledged + inflight;
      kills.push(i);
      p.system.kill('trader.alpha');
    }
  }
  const status = await waitFor(async () => {
    const s = await p.status('alpha');
    return s.stats.fills > 0 && s.stats.signals === total && Object.keys(s.orders).length === 0 && s;
  }, 'every signal to be processed', 20_000);

  expect(kills).toHaveLength(3);
  expect(trader().restarts).toBe(3);
  expect(p.system.status().deadLetters.total).toBe(0);
  expect(status.stats).toMatchObject({ signals: total, orders: total, duplicates: 0, rejected: 0, skipped: 0 });
  // One order per signal reached the exchange: it holds exactly 3,000 x 0.002 ETH, as the trader's books do.
  expect(status.positions['ETH/USDT']!.quantity).toBe(toFixed('6', 'eth'));
  const exchange = await p.balances('alpha');
  expect(exchange.ETH!.free).toBe(toFixed('6', 'eth'));
  expect(status.balances.USDT).toBe(exchange.USDT!.free);
  // Events of a crashed incarnation never left it, so each order was announced exactly once.
  expect((await p.hub(0)).counters.alpha).toMatchObject({ orders: total, filled: total });
});
