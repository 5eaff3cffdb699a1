import { describe, expect, test } from 'vitest';
import type { ActorSystem } from '../../runtime/system.js';
import { waitFor } from '../helpers/wait.js';
import { get, recorder, sink, systemPerTest, type SinkState } from './harness.js';

const start = systemPerTest();
const mailboxOf = (s: ActorSystem, address: string) => s.actorStatus(address)!.mailbox;
const records = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ({ type: 'record', n: from + i }));

describe('an actor’s gate', () => {
  test('closes at its deadline in the actor’s own thread: nothing more is processed, and all of it is once the gate opens again', async () => {
    const s = await start({ id: 'root', children: [{ id: 'r', module: recorder }] });
    for (const message of records(1, 100)) s.send('r', message);
    await waitFor(() => mailboxOf(s, 'r').acknowledged === 100, 'the first 100');

    // The supervisor says nothing after this: the gate closes while the actor is busy with one message,
    // and the 100 queued behind it stay unacknowledged, however long the actor is left alone.
    s.gate('r', Date.now() + 50);
    s.send('r', { type: 'busy', ms: 150 });
    for (const message of records(101, 200)) s.send('r', message);
    await waitFor(() => mailboxOf(s, 'r').acknowledged === 101, 'the busy message');
    await waitFor(() => mailboxOf(s, 'r').inflight === 100, 'the rest handed over');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(mailboxOf(s, 'r')).toMatchObject({ acknowledged: 101, size: 100 });

    s.gate('r', undefined);
    await waitFor(() => mailboxOf(s, 'r').size === 0, 'the rest');
    expect(await get(s, 'r')).toMatchObject({ count: 200, sum: (200 * 201) / 2, violations: 0 });
  });

  test('holds for a new thread, and a stop behind it ends the actor at once, without its stop hook, leaving the rest to the dead letters', async () => {
    const s = await start({
      id: 'root',
      children: [
        { id: 'sink', module: sink },
        { id: 'r', module: recorder, args: { stopEffect: 'sink' }, shutdownTimeoutMs: 60_000 },
      ],
    });
    s.gate('r', Date.now() - 1);
    for (const message of records(1, 10)) s.send('r', message);
    await waitFor(() => mailboxOf(s, 'r').inflight === 10, 'ten handed over');

    const restarted = new Promise((resolve) => s.on('actor_started', (event) => event.address === 'r' && resolve(event)));
    s.kill('r');
    await restarted;
    await waitFor(() => mailboxOf(s, 'r').inflight === 10, 'the ten handed to the new thread');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(mailboxOf(s, 'r')).toMatchObject({ acknowledged: 0, size: 10 });

    await s.stopChild('r');
    const letters = s.deadLetters.list().map((letter) => [letter.kind, (letter.message as { n: number }).n] as const);
    expect(letters.sort(([, a], [, b]) => a - b)).toEqual(records(1, 10).map((m) => ['actor_stopped', m.n]));
    expect(await get<SinkState>(s, 'sink')).toMatchObject({ total: 0 });
  });

  test('holds what comes on a link too, then takes it once and in order', async () => {
    const s = await start({
      id: 'root',
      children: [
        { id: 'sink', module: sink },
        { id: 'back', module: recorder, args: { sink: 'sink' } },
        { id: 'front', module: recorder, links: ['back'] },
      ],
    });
    s.gate('back', Date.now() - 1);
    for (const message of records(1, 500)) s.send('front', { type: 'forward', to: 'back', message });
    await waitFor(() => mailboxOf(s, 'front').acknowledged === 500 && mailboxOf(s, 'back').linked === 500, 'the 500 sent on the link');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(mailboxOf(s, 'back').linked).toBe(500);

    s.gate('back', Date.now() + 60_000);
    await waitFor(() => mailboxOf(s, 'back').linked === 0, 'the link worked off');
    expect(await get(s, 'back')).toMatchObject({ count: 500, violations: 0, last: { ext: 500 } });
    expect(await get<SinkState>(s, 'sink')).toMatchObject({ total: 500, distinct: 500, duplicates: 0 });
  });
});
