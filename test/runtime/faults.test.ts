import { describe, expect, test } from 'vitest';
import type { SystemEvent } from '../../runtime/events.js';
import type { SupervisorSpecInput } from '../../runtime/options.js';
import type { ActorSystem } from '../../runtime/system.js';
import { waitFor } from '../helpers/wait.js';
import { actor, get, holder, recorder, sink, systemPerTest, type SinkState } from './harness.js';

/** Faults inside one actor's worker: each must be contained, recovered from, and lose nothing. */

const startSystem = systemPerTest();

async function start(root: SupervisorSpecInput): Promise<{ s: ActorSystem; events: SystemEvent[] }> {
  const s = await startSystem(root);
  const events: SystemEvent[] = [];
  for (const type of ['actor_crashed', 'actor_restarting', 'actor_failed', 'actor_hung', 'dead_letter', 'actor_started', 'actor_stopped'] as const) {
    s.on(type, (event) => events.push(event));
  }
  return { s, events };
}


/** Two actors side by side: `victim` misbehaves, `bystander` must not notice. */
const pair = (victim: object = {}): SupervisorSpecInput => ({
  id: 'root',
  intensity: { maxRestarts: 10, withinMs: 30_000 },
  children: [
    { id: 'bystander', module: recorder },
    { id: 'victim', module: recorder, heartbeat: { intervalMs: 50, timeoutMs: 400 }, ...victim },
  ],
});

async function bystanderUnharmed(s: ActorSystem): Promise<void> {
  for (let n = 1; n <= 100; n++) s.send('bystander', { type: 'record', n });
  expect((await get(s, 'bystander')).count).toBe(100);
  expect(actor(s, 'bystander')).toMatchObject({ state: 'running', restarts: 0, incarnation: 1 });
}

describe('a fault in one worker harms no other actor, and the actor recovers with its state', () => {
  test('a throw: the actor restarts from its snapshot and the message is redelivered', async () => {
    const { s, events } = await start(pair());
    for (let n = 1; n <= 50; n++) s.send('victim', { type: 'record', n });
    s.send('victim', { type: 'crash-once', n: 51 });
    for (let n = 52; n <= 100; n++) s.send('victim', { type: 'record', n });
    await waitFor(() => actor(s, 'victim').mailbox.acknowledged === 100, 'all 100 acknowledged');
    const state = await get(s, 'victim');
    expect(state.count).toBe(100);
    expect(state.sum).toBe(5050 - 51);
    expect(state.violations).toBe(0);
    expect(events.filter((e) => e.type === 'actor_crashed')).toEqual([
      expect.objectContaining({ address: 'victim', error: expect.objectContaining({ message: 'crash on 51' }) }),
    ]);
    // A throw restarts the actor inside its live worker: no new thread needed.
    expect(actor(s, 'victim')).toMatchObject({ restarts: 1, incarnation: 2 });
    await bystanderUnharmed(s);
  });

  test('process.exit: a new worker takes over and the message is redelivered', async () => {
    const { s } = await start(pair());
    const firstThread = actor(s, 'victim').threadId;
    s.send('victim', { type: 'record', n: 1 });
    s.send('victim', { type: 'exit-once', n: 2 });
    s.send('victim', { type: 'record', n: 3 });
    await waitFor(() => actor(s, 'victim').mailbox.acknowledged === 3, 'all 3 acknowledged');
    expect((await get(s, 'victim')).count).toBe(3);
    expect(actor(s, 'victim').threadId).not.toBe(firstThread);
    expect(actor(s, 'victim').lastError?.message).toMatch(/exited with code 7/);
    await bystanderUnharmed(s);
  });

  test('an endless loop: the missed heartbeat gets the worker terminated, the poison message dead-lettered', async () => {
    const { s, events } = await start(pair({ maxFailures: 2 }));
    s.send('victim', { type: 'record', n: 1 });
    s.send('victim', { type: 'hang' });
    s.send('victim', { type: 'record', n: 2 });
    await waitFor(() => actor(s, 'victim').mailbox.acknowledged === 2, 'the messages around the hang', 15_000);
    expect(events.filter((e) => e.type === 'actor_hung')).toHaveLength(2);
    expect(s.deadLetters.list()).toEqual([expect.objectContaining({ kind: 'poison', message: { type: 'hang' } })]);
    expect((await get(s, 'victim')).count).toBe(2);
    await bystanderUnharmed(s);
  });

  test('out of memory: resourceLimits stop the worker alone', async () => {
    // A heap near its limit collects for long stretches, and the 400 ms hang check could end it first on a busy machine.
    const { s } = await start(pair({ resourceLimits: { maxOldGenerationSizeMb: 48 }, maxFailures: 1, heartbeat: { intervalMs: 50, timeoutMs: 10_000 } }));
    s.send('victim', { type: 'record', n: 1 });
    s.send('victim', { type: 'oom' });
    s.send('victim', { type: 'record', n: 2 });
    await waitFor(() => actor(s, 'victim').mailbox.acknowledged === 2, 'the messages around the OOM', 20_000);
    expect(actor(s, 'victim').lastError?.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    expect(s.deadLetters.counts.poison).toBe(1);
    await bystanderUnharmed(s);
  });

  test('a poison message is retried maxFailures times, then dead-lettered; the rest is processed', async () => {
    const { s, events } = await start(pair({ maxFailures: 3 }));
    for (let n = 1; n <= 10; n++) s.send('victim', { type: 'record', n });
    s.send('victim', { type: 'throw' });
    for (let n = 11; n <= 20; n++) s.send('victim', { type: 'record', n });
    await waitFor(() => actor(s, 'victim').mailbox.acknowledged === 20, 'the 20 good messages');
    expect(events.filter((e) => e.type === 'actor_crashed')).toHaveLength(3);
    const [letter] = s.deadLetters.list();
    expect(letter).toMatchObject({ address: 'victim', kind: 'poison', message: { type: 'throw' }, attempts: 3 });
    expect(letter!.reason).toMatch(/crashed 3 times.*poison message/);
    const state = await get(s, 'victim');
    expect(state).toMatchObject({ count: 20, sum: 210, violations: 0 });
  });

  test('an actor with a snapshot that holds a message crashes saying why, and the message is set aside', async () => {
    const { s } = await start(pair({ maxFailures: 1 }));
    await expect(s.request('victim', { type: 'hold' })).rejects.toMatchObject({ code: 'ERR_ACTOR_CRASHED', message: expect.stringMatching(/hold\(\) is not for an actor with a snapshot/) });
  });

  test('a request whose handling kills the actor fails fast with the reason', async () => {
    const { s } = await start(pair({ maxFailures: 1 }));
    await expect(s.request('victim', { type: 'throw' })).rejects.toMatchObject({ code: 'ERR_ACTOR_CRASHED', message: expect.stringMatching(/poison/) });
  });
});

describe('a worker killed in the middle of a stream', () => {
  test('loses nothing, keeps order, and its effects happen exactly once', async () => {
    const { s } = await start({
      id: 'root',
      intensity: { maxRestarts: 20, withinMs: 60_000 },
      children: [
        { id: 'sink', module: sink },
        { id: 'rec', module: recorder, args: { sink: 'sink' }, batchSize: 500 },
      ],
    });
    const total = 20_000;
    let sent = 0;
    const produce = async () => {
      while (sent < total) {
        if (!s.send('rec', { type: 'record', n: ++sent })) await s.drained('rec');
        if (sent % 1_000 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const producing = produce();
    let kills = 0;
    // Kill it three times while batches are in flight.
    for (const threshold of [2_000, 7_000, 12_000]) {
      await waitFor(() => actor(s, 'rec').mailbox.acknowledged >= threshold, `${threshold} acknowledged`);
      s.kill('rec');
      kills++;
      await waitFor(() => actor(s, 'rec').incarnation === kills + 1 && actor(s, 'rec').state === 'running', `restart ${kills}`);
    }
    await producing;
    await waitFor(() => actor(s, 'rec').mailbox.acknowledged === total, 'every message acknowledged', 20_000);
    const state = await get(s, 'rec');
    expect(state).toMatchObject({ count: total, sum: (total * (total + 1)) / 2, violations: 0 });
    await waitFor(() => actor(s, 'sink').mailbox.size === 0, 'the sink to catch up');
    expect(await get<SinkState>(s, 'sink')).toEqual({ type: 'sink', total, distinct: total, duplicates: 0 });
    expect(actor(s, 'rec').restarts).toBe(kills);
    expect(actor(s, 'rec').mailbox.redelivered).toBeGreaterThan(0);
  });

  test('messages an actor holds stay unacknowledged until released, and a kill delivers them again', async () => {
    const { s } = await start({ id: 'root', children: [{ id: 'sink', module: sink }, { id: 'holder', module: holder, args: { sink: 'sink' } }] });
    const held = async () => (await s.request<{ keys: string[] }>('holder', { type: 'get' })).keys;
    for (const key of ['a', 'b', 'c']) s.send('holder', { type: 'item', key });
    expect(await held()).toEqual(['a', 'b', 'c']);
    // Nothing past the oldest held message is acknowledged, not even the request processed after it.
    expect(actor(s, 'holder').mailbox).toMatchObject({ acknowledged: 0, inflight: 4 });

    s.kill('holder');
    await waitFor(() => actor(s, 'holder').incarnation === 2 && actor(s, 'holder').state === 'running', 'the restart');
    expect(await held()).toEqual(['a', 'b', 'c']);

    // Released from a callback after the receive returned: the release commits on its own.
    s.send('holder', { type: 'store', later: true });
    await waitFor(() => actor(s, 'holder').mailbox.size === 0, 'everything acknowledged');
    s.send('holder', { type: 'item', key: 'd' });
    s.send('holder', { type: 'store' });
    await waitFor(() => actor(s, 'holder').mailbox.size === 0 && actor(s, 'sink').mailbox.size === 0, 'd stored');
    expect(await get<SinkState>(s, 'sink')).toEqual({ type: 'sink', total: 4, distinct: 4, duplicates: 0 });
    // The kill delivered again the three held items and the request after them, nothing else.
    expect(actor(s, 'holder').mailbox.redelivered).toBe(4);
  });
});

describe('supervision', () => {
  test('past its restart intensity a child is stopped, marked failed and reported; its siblings go on', async () => {
    const { s, events } = await start({
      id: 'root',
      intensity: { maxRestarts: 2, withinMs: 10_000 },
      children: [
        { id: 'bystander', module: recorder },
        { id: 'victim', module: recorder, maxFailures: 100 },
      ],
    });
    s.send('victim', { type: 'throw' });
    await waitFor(() => events.some((e) => e.type === 'actor_failed'), 'actor_failed');
    expect(actor(s, 'victim').state).toBe('failed');
    expect(events.filter((e) => e.type === 'actor_restarting').map((e) => e.type === 'actor_restarting' && e.delayMs)).toEqual([0, expect.any(Number)]);
    expect(() => s.send('victim', { type: 'record', n: 1 })).toThrow(expect.objectContaining({ code: 'ERR_ACTOR_STOPPED' }));
    await bystanderUnharmed(s);
    // An operator can start it again; the poison message is still first in line, so it fails again.
    expect(actor(s, 'victim').mailbox.size).toBe(1);
  });

  test('exponential backoff spaces restarts of a crash-looping child', async () => {
    const { s, events } = await start({
      id: 'root',
      intensity: { maxRestarts: 4, withinMs: 30_000 },
      backoff: { initialMs: 100, maxMs: 1_000, jitter: 0 },
      children: [{ id: 'looping', module: recorder, args: { failInit: true } }],
    });
    await waitFor(() => events.some((e) => e.type === 'actor_failed'), 'actor_failed', 15_000);
    const delays = events.flatMap((e) => (e.type === 'actor_restarting' ? [e.delayMs] : []));
    // The first restart is immediate and happens during start(), before this test subscribed.
    expect(delays).toEqual([100, 200, 400]);
    expect(actor(s, 'looping')).toMatchObject({ state: 'failed', restarts: 4 });
    expect(actor(s, 'looping').lastError?.message).toBe('init failed on purpose');
  });

  test('an actor stuck in init is terminated after startTimeoutMs, and fails after its restarts', async () => {
    const { s, events } = await start({
      id: 'root',
      intensity: { maxRestarts: 1, withinMs: 30_000 },
      children: [
        { id: 'bystander', module: recorder },
        { id: 'stuck', module: recorder, args: { hangInit: true }, startTimeoutMs: 300 },
      ],
    });
    await waitFor(() => actor(s, 'stuck').state === 'failed', 'the stuck actor to fail');
    expect(actor(s, 'stuck').lastError).toMatchObject({ code: 'ERR_ACTOR_HUNG', message: 'stuck did not start within 300 ms' });
    expect(events.filter((e) => e.type === 'actor_hung').length).toBeGreaterThanOrEqual(1);
    await bystanderUnharmed(s);
  });

  test('one_for_all restarts every sibling; rest_for_one those started after the crashed child', async () => {
    const children = [
      { id: 'first', module: recorder, placement: 'main' as const },
      { id: 'second', module: recorder, placement: 'main' as const },
      { id: 'third', module: recorder, placement: 'main' as const },
    ];
    for (const [strategy, expected] of [
      ['one_for_one', [1, 2, 1]],
      ['one_for_all', [2, 2, 2]],
      ['rest_for_one', [1, 2, 2]],
    ] as const) {
      const { s } = await start({ id: 'root', strategy, children });
      s.send('second', { type: 'record', n: 1 });
      s.send('second', { type: 'crash-once', n: 2 });
      await waitFor(() => actor(s, 'second').mailbox.acknowledged === 2 && s.status().actors.every((a) => a.state === 'running'), strategy);
      expect(s.status().actors.map((a) => a.incarnation), strategy).toEqual(expected);
      // State survives a sibling's restart too: each restarted actor resumed from its snapshot.
      expect((await get(s, 'second')).count).toBe(2);
      await s.shutdown();
    }
  });

  test('a transient actor that stops itself normally is not restarted; a temporary one that crashes is not either', async () => {
    const { s, events } = await start({
      id: 'root',
      children: [
        { id: 'transient', module: recorder, restart: 'transient' },
        { id: 'temporary', module: recorder, restart: 'temporary' },
      ],
    });
    s.send('transient', { type: 'stop-self' });
    s.send('temporary', { type: 'throw' });
    await waitFor(() => s.status().actors.length === 0, 'both to leave the tree');
    expect(events.filter((e) => e.type === 'actor_restarting')).toEqual([]);
    const stopped = events.filter((e) => e.type === 'actor_stopped');
    expect(stopped).toHaveLength(2);
    expect(stopped).toEqual(
      expect.arrayContaining([
        { type: 'actor_stopped', address: 'transient', normal: true },
        { type: 'actor_stopped', address: 'temporary', normal: false },
      ]),
    );
  });

  test('a nested supervisor with onChildFailure: escalate is restarted whole by its parent', async () => {
    const { s, events } = await start({
      id: 'root',
      intensity: { maxRestarts: 1, withinMs: 30_000 },
      children: [
        { id: 'outside', module: recorder, placement: 'main' },
        {
          id: 'group',
          onChildFailure: 'escalate',
          intensity: { maxRestarts: 0, withinMs: 30_000 },
          children: [
            { id: 'member', module: recorder, placement: 'main' },
            { id: 'flaky', module: recorder, placement: 'main' },
          ],
        },
      ],
    });
    s.send('flaky', { type: 'crash-once', n: 1 });
    await waitFor(() => actor(s, 'flaky').mailbox.acknowledged === 1 && actor(s, 'member').state === 'running', 'group restarted');
    expect(events.filter((e) => e.type === 'actor_failed').map((e) => e.type === 'actor_failed' && e.address)).toEqual(['flaky']);
    expect(actor(s, 'member').incarnation).toBe(2);
    expect(actor(s, 'outside').incarnation).toBe(1);
    expect(s.status().supervisors.find((sup) => sup.id === 'group')).toMatchObject({ state: 'running', restarts: 1 });
  });
});
