import { describe, expect, test } from 'vitest';
import type { DeadLetter } from '../../runtime/dead-letters.js';
import type { SupervisorSpecInput } from '../../runtime/options.js';
import type { ActorSystem } from '../../runtime/system.js';
import { waitFor } from '../helpers/wait.js';
import { actor, get, holder, recorder, sink, systemPerTest, type SinkState } from './harness.js';

/** Links: sends between two worker actors go thread to thread, and lose nothing when either dies. */
const start = systemPerTest();
const deadLetters = (s: ActorSystem): DeadLetter[] => [...s.deadLetters.list()];

/** `front` forwards records to `back` over a link; `back` reports each to `sink` over another. */
const chain = (back: object = {}, front: object = {}): SupervisorSpecInput => ({
  id: 'root',
  intensity: { maxRestarts: 20, withinMs: 60_000 },
  children: [
    { id: 'sink', module: sink },
    { id: 'back', module: recorder, args: { sink: 'sink' }, links: ['sink'], ...back },
    { id: 'front', module: recorder, links: ['back'], batchSize: 500, ...front },
  ],
});

const forward = (n: number) => ({ type: 'forward', to: 'back', message: { type: 'record', from: 'front', n } });

async function stream(s: ActorSystem, total: number, during: (acknowledged: number) => Promise<void>): Promise<void> {
  let sent = 0;
  const producing = (async () => {
    while (sent < total) {
      if (!s.send('front', forward(++sent))) await s.drained('front');
      if (sent % 1_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  await during(total);
  await producing;
}

describe('links', () => {
  test('carry every send between linked workers, in order, without the mailbox path', async () => {
    const s = await start(chain());
    const total = 5_000;
    await stream(s, total, async () => {});
    await waitFor(() => actor(s, 'front').mailbox.acknowledged === total, 'every record forwarded');
    await waitFor(() => actor(s, 'back').mailbox.linked === 0 && actor(s, 'sink').mailbox.linked === 0, 'the links to empty');
    expect(await get(s, 'back')).toMatchObject({ count: total, sum: (total * (total + 1)) / 2, violations: 0 });
    expect(await get<SinkState>(s, 'sink')).toEqual({ type: 'sink', total, distinct: total, duplicates: 0 });
    // Only the requests of this test went through their mailboxes.
    expect(actor(s, 'back').mailbox.enqueued).toBe(1);
    expect(actor(s, 'sink').mailbox.enqueued).toBe(1);
    expect(actor(s, 'back').mailbox.linked).toBe(0);
  });

  test('tells each message’s link in its delivery, so two senders’ numbers are told apart', async () => {
    const s = await start({
      id: 'root',
      children: [
        { id: 'sink', module: sink },
        { id: 'back', module: recorder, args: { sink: 'sink' } },
        { id: 'left', module: recorder, links: ['back'] },
        { id: 'right', module: recorder, links: ['back'] },
      ],
    });
    for (let n = 1; n <= 100; n++) {
      s.send('left', { type: 'forward', to: 'back', message: { type: 'record', from: 'left', n } });
      s.send('right', { type: 'forward', to: 'back', message: { type: 'record', from: 'right', n } });
    }
    await waitFor(() => actor(s, 'left').mailbox.acknowledged === 100 && actor(s, 'right').mailbox.acknowledged === 100, 'both forwarded');
    await waitFor(() => actor(s, 'back').mailbox.linked === 0 && actor(s, 'sink').mailbox.size === 0, 'everything taken');
    expect(await get(s, 'back')).toMatchObject({ count: 200, violations: 0 });
    // Both links number from 1: the effects' keys (link and seq) stay distinct.
    expect(await get<SinkState>(s, 'sink')).toEqual({ type: 'sink', total: 200, distinct: 200, duplicates: 0 });
  });

  test('a sender and a receiver killed mid-stream, in turns: nothing lost, nothing twice, order kept', async () => {
    const s = await start(chain());
    const total = 20_000;
    let kills = 0;
    await stream(s, total, async () => {
      for (const [threshold, victim] of [[2_000, 'front'], [6_000, 'back'], [10_000, 'sink'], [14_000, 'back'], [17_000, 'front']] as const) {
        await waitFor(() => actor(s, 'front').mailbox.acknowledged >= threshold, `${threshold} forwarded`);
        const incarnation = actor(s, victim).incarnation;
        s.kill(victim);
        kills++;
        await waitFor(() => actor(s, victim).incarnation === incarnation + 1 && actor(s, victim).state === 'running', `${victim} restarted`);
      }
    });
    await waitFor(() => actor(s, 'front').mailbox.acknowledged === total, 'every record forwarded', 20_000);
    await waitFor(() => actor(s, 'back').mailbox.linked === 0 && actor(s, 'sink').mailbox.linked === 0, 'the links to empty', 20_000);
    expect(await get(s, 'back')).toMatchObject({ count: total, sum: (total * (total + 1)) / 2, violations: 0 });
    expect(await get<SinkState>(s, 'sink')).toEqual({ type: 'sink', total, distinct: total, duplicates: 0 });
    expect(kills).toBe(5);
  });

  test('a message a receiver crashes on goes to the dead letters after maxFailures; the rest go on', async () => {
    const s = await start(chain({ maxFailures: 2 }));
    s.send('front', forward(1));
    s.send('front', { type: 'forward', to: 'back', message: { type: 'throw' } });
    s.send('front', forward(2));
    await waitFor(async () => (await get(s, 'back')).count === 2, 'both records');
    expect(deadLetters(s)).toEqual([expect.objectContaining({ address: 'back', kind: 'poison', message: { type: 'throw' }, attempts: 2 })]);
    expect(actor(s, 'back').restarts).toBe(2);
  });

  test('a message the receiver’s schema refuses goes to the dead letters naming the field; the rest go on', async () => {
    const s = await start(chain());
    s.send('front', forward(1));
    s.send('front', { type: 'forward', to: 'back', message: { type: 'record', n: 'two' } });
    s.send('front', forward(3));
    await waitFor(async () => (await get(s, 'back')).count === 2, 'both valid records');
    expect(deadLetters(s)).toEqual([expect.objectContaining({ address: 'back', kind: 'invalid', reason: expect.stringContaining('field "n"') })]);
    expect(actor(s, 'back').restarts).toBe(0);
  });

  test('a receiver over its capacity pauses the sender until the link is half empty', async () => {
    const s = await start(chain({ mailbox: { capacity: 50 } }, { batchSize: 20, window: 40 }));
    const total = 10_000;
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, actor(s, 'back').mailbox.linked)), 1);
    await stream(s, total, async () => {});
    await waitFor(() => actor(s, 'front').mailbox.acknowledged === total && actor(s, 'back').mailbox.linked === 0, 'every record taken');
    clearInterval(sampler);
    expect(await get(s, 'back')).toMatchObject({ count: total, violations: 0 });
    // Paused once a commit (a batch, at most 20) takes the link to its capacity, the sender still
    // finishes what it was handed (its window of 40): never more.
    expect(most).toBeLessThanOrEqual(50 + 20 + 40);
    expect(most).toBeGreaterThan(0);
  });

  test('messages held by their receiver stay unacknowledged on the link, and a kill delivers them again', async () => {
    const s = await start({ id: 'root', children: [{ id: 'sink', module: sink }, { id: 'holder', module: holder, args: { sink: 'sink' } }, { id: 'front', module: recorder, links: ['holder'] }] });
    const held = async () => (await s.request<{ keys: string[] }>('holder', { type: 'get' })).keys;
    for (const key of ['a', 'b', 'c']) s.send('front', { type: 'forward', to: 'holder', message: { type: 'item', key } });
    await waitFor(async () => (await held()).length === 3, 'three items held');
    expect(actor(s, 'holder').mailbox.linked).toBe(3);
    s.kill('holder');
    await waitFor(() => actor(s, 'holder').incarnation === 2 && actor(s, 'holder').state === 'running', 'the restart');
    await waitFor(async () => (await held()).length === 3, 'the three items again');
    expect(await held()).toEqual(['a', 'b', 'c']);
    s.send('front', { type: 'forward', to: 'holder', message: { type: 'store' } });
    await waitFor(() => actor(s, 'holder').mailbox.linked === 0, 'everything acknowledged');
    await waitFor(() => actor(s, 'sink').mailbox.size === 0, 'the sink to take them');
    expect(await get<SinkState>(s, 'sink')).toEqual({ type: 'sink', total: 3, distinct: 3, duplicates: 0 });
  });

  test('a receiver stopped for good: what it had not taken, and what is sent after, go to the dead letters', async () => {
    const s = await start(chain());
    await s.stopChild('back');
    s.send('front', forward(1));
    await waitFor(() => deadLetters(s).length === 1, 'the dead letter');
    expect(deadLetters(s)[0]).toMatchObject({ address: 'back', kind: 'unknown_address' });
  });
});
