import { expect } from 'vitest';
import { toFixed } from '../../actors/trading/fixed.js';
import type { TestPlatform } from './platform.js';
import { waitFor } from './wait.js';

/**
 * Streams `total` BUY signals of 0.002 ETH to trader `alpha`, 50 at a time, and kills the worker of
 * `victim` (any actor in a worker) three times on the way, with messages in its hands and mailbox. Then
 * checks what must hold whoever was killed: every signal was processed once, placed one order that
 * filled once, the trader's books and the exchange agree to the unit, nothing went to the dead letters,
 * and the events hub heard of each order exactly once.
 */
export async function streamKilling(p: TestPlatform, victim: string, total = 3_000): Promise<void> {
  p.advance();
  await waitFor(async () => (await p.status('alpha')).marks['ETH/USDT'], 'the first candle');
  const actor = () => p.system.actorStatus(victim)!;
  let kills = 0;
  for (let i = 0; i < total; i += 50) {
    // Before the stream that the next kill cuts into: the last kill restarted (killing a thread still
    // terminating is a no-op) and everything it left unacknowledged processed again, links included.
    // Killing the same message in hand three times would make it a poison message, which the runtime
    // rightly sets aside.
    if (i % 1_000 === 0 && kills > 0) {
      await waitFor(() => {
        const { state, restarts, mailbox } = actor();
        return state === 'running' && restarts === kills && mailbox.size === 0 && mailbox.inflight === 0 && mailbox.linked === 0;
      }, `${victim} to run again and catch up`);
    }
    const signals = Array.from({ length: 50 }, (_, k) => ({ id: `c${i + k}`, strategy: 'api', symbol: 'ETH/USDT', action: 'BUY', quantity: '0.002' }));
    if (!p.system.send('trader.alpha', { type: 'signals', signals })) await p.system.drained('trader.alpha');
    if (i % 1_000 !== 500) continue;
    // Let some of the stream through, then kill the worker with messages in hand and in its mailbox.
    await new Promise((resolve) => setTimeout(resolve, 20));
    kills++;
    p.system.kill(victim);
  }
  const status = await waitFor(async () => {
    const s = await p.status('alpha');
    return s.stats.fills > 0 && s.stats.signals === total && Object.keys(s.orders).length === 0 && s;
  }, 'every signal to be processed', 20_000);

  expect(kills).toBe(3);
  // Each kill was a crash its supervisor restarted from, and nothing else was.
  await waitFor(() => actor().state === 'running' && actor().restarts >= kills, `${victim} to run again after the last kill`);
  expect(actor().restarts).toBe(kills);
  expect(p.system.status().deadLetters.total).toBe(0);
  expect(status.stats).toMatchObject({ signals: total, orders: total, fills: total, duplicates: 0, rejected: 0, skipped: 0 });
  // One order per signal reached the exchange: it holds exactly total x 0.002 ETH, as the trader's books do.
  const bought = toFixed('0.002', 'eth') * BigInt(total);
  expect(status.positions['ETH/USDT']!.quantity).toBe(bought);
  const exchange = await p.balances('alpha');
  expect(exchange.ETH!.free).toBe(bought);
  expect(status.balances.USDT).toBe(exchange.USDT!.free);
  // Events of a crashed incarnation never left it, so each order was announced exactly once.
  await waitFor(async () => (await p.hub(0)).counters.alpha?.filled === total, 'the hub to hear of every fill', 20_000);
  expect((await p.hub(0)).counters.alpha).toMatchObject({ orders: total, filled: total });
}
