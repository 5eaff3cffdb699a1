import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Admission } from '../../../actors/platform/control.js';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { waitFor } from '../../helpers/wait.js';

let api: ApiTestPlatform;
beforeAll(async () => {
  api = await startApiPlatform({ traders: [{ id: 'alpha', symbols: ['BTC/USDT'] }] });
});
afterAll(async () => api?.close());

const TRADER = 'trader.alpha';
const mailbox = () => api.system.actorStatus(TRADER)!.mailbox;
const processed = async () => (await api.control.trader('alpha')).live!.stats.signals;

/**
 * Queues `lists` lists of 1,000 signals for the trader at once, in one turn of the event loop, so that
 * none is processed before the caller's next step: half the trader's mailbox and more. The trader
 * refuses them (negative quantity), which is the cheapest work it can be given.
 */
function queue(lists: number, tag: string): number {
  for (let i = 0; i < lists; i++) {
    const signals = Array.from({ length: 1_000 }, (_, k) => ({ id: `${tag}-${i}-${k}`, strategy: 'api', symbol: 'BTC/USDT', action: 'BUY', quantity: '-1' }));
    api.system.send(TRADER, { type: 'signals', signals });
  }
  return lists * 1_000;
}

const signal = (id: string) => ({ traderId: 'alpha', id, strategy: 'api', symbol: 'BTC/USDT', action: 'BUY', quantity: '0.001' });

describe('backpressure at POST /signals', () => {
  it('counts each signal queued, answers 429 with Retry-After while the trader is behind, and routes nothing of a refused request', async () => {
    const before = await processed();
    const queued = queue(Math.ceil(mailbox().capacity / 2 / 1_000), 'fill');
    // One signal is one message, but the mailbox holds half its capacity in signals: one more passes it.
    expect(mailbox().size).toBe(queued / 1_000);
    expect(mailbox().load).toBe(queued);
    const refused = await api.call('POST', '/api/v1/signals', { body: signal('late-1') });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'ERR_RATE_LIMITED', field: 'traderId' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    await waitFor(() => mailbox().load === 0, 'the trader to catch up', 60_000);
    expect(await processed()).toBe(before + queued);
    const accepted = await api.call('POST', '/api/v1/signals', { body: signal('late-1') });
    expect(accepted.status).toBe(202);
    await waitFor(async () => (await processed()) === before + queued + 1, 'the resent signal', 20_000);
  });

  it('says 503 while the trader is restarting with a full queue, and loses none of it', async () => {
    const before = await processed();
    let admission: Admission | undefined;
    // Asked as the crash is handled, before the restart: the trader takes nothing off its mailbox then.
    const onCrash = (event: { address: string }) => {
      if (event.address === TRADER) admission ??= api.control.admit('alpha', 1);
    };
    api.system.on('actor_crashed', onCrash);
    const queued = queue(Math.ceil(mailbox().capacity / 2 / 1_000), 'crash');
    api.system.kill(TRADER);
    await waitFor(() => admission, 'the crash');
    api.system.off('actor_crashed', onCrash);
    expect(admission).toMatchObject({ ok: false, code: 'ERR_UNAVAILABLE', reason: expect.stringContaining('crashed') });
    await waitFor(() => mailbox().load === 0, 'the restarted trader to catch up', 60_000);
    expect(await processed()).toBe(before + queued);
  });
});
