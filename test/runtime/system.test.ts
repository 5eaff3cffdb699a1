import { describe, expect, test } from 'vitest';
import type { ActorSystem } from '../../runtime/system.js';
import { waitFor } from '../helpers/wait.js';
import { get, recorder, sink, systemPerTest, type RecorderState } from './harness.js';

const start = systemPerTest();
const mailboxOf = (s: ActorSystem, address: string) => s.status().actors.find((a) => a.address === address)!.mailbox;
/** Reads the state once the mailbox is empty, so the request itself never meets a full mailbox. */
async function settled(s: ActorSystem, address: string): Promise<RecorderState> {
  await waitFor(() => mailboxOf(s, address).size === 0, `${address} to empty its mailbox`);
  return get(s, address);
}

describe('delivery', () => {
  test('keeps order per sender across batches, from outside and from other actors in workers', async () => {
    const s = await start({
      id: 'root',
      children: [
        { id: 'target', module: recorder, batchSize: 64 },
        { id: 'a', module: recorder },
        { id: 'b', module: recorder },
      ],
    });
    for (let n = 1; n <= 3_000; n++) {
      s.send('a', { type: 'forward', to: 'target', message: { type: 'record', from: 'a', n } });
      s.send('b', { type: 'forward', to: 'target', message: { type: 'record', from: 'b', n } });
      s.send('target', { type: 'record', from: 'ext', n });
    }
    const state = await waitFor(async () => {
      const st = await get(s, 'target');
      return st.count === 9_000 && st;
    }, 'all 9,000 messages');
    expect(state.violations).toBe(0);
    expect(state.last).toEqual({ a: 3_000, b: 3_000, ext: 3_000 });
  });

  test('request/reply between actors in workers, and timeouts', async () => {
    const s = await start({
      id: 'root',
      children: [
        { id: 'asker', module: recorder },
        { id: 'answerer', module: recorder },
      ],
    });
    s.send('asker', { type: 'ask', to: 'answerer' });
    s.send('asker', { type: 'ask', to: 'nobody' });
    s.send('asker', { type: 'ask', to: 'answerer', timeoutMs: 50 });
    const state = await waitFor(async () => {
      const st = await get(s, 'asker');
      return st.replies.length === 3 && st;
    }, 'three answers');
    expect(state.replies[0]).toEqual({ type: 'pong', self: 'answerer' });
    expect(state.replies[1]).toEqual({ type: 'error', code: 'ERR_UNKNOWN_ADDRESS' });
    expect(state.replies[2]).toEqual({ type: 'pong', self: 'answerer' });
    await expect(s.request('answerer', { type: 'silent' }, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'ERR_REQUEST_TIMEOUT' });
  });

  test('init may wait on a request: the reply reaches the actor while it starts', async () => {
    const s = await start({
      id: 'root',
      children: [
        { id: 'other', module: recorder },
        { id: 'rec', module: recorder, args: { askInit: 'other' } },
      ],
    });
    expect((await get(s, 'rec')).replies).toEqual([{ type: 'pong', self: 'other' }]);
  });

  test('timers deliver to the actor itself', async () => {
    const s = await start({ id: 'root', children: [{ id: 'ticker', module: recorder, placement: 'main' }] });
    s.send('ticker', { type: 'start-ticking', everyMs: 10 });
    await waitFor(async () => (await get(s, 'ticker')).ticks >= 5, 'five ticks');
  });

  test('runs 50 actors in 50 worker threads at once', async () => {
    const children = Array.from({ length: 50 }, (_, i) => ({ id: `w${i}`, module: recorder }));
    const s = await start({ id: 'root', children });
    for (let n = 1; n <= 200; n++) for (let i = 0; i < 50; i++) s.send(`w${i}`, { type: 'record', n });
    const states = await Promise.all(children.map((c) => get(s, c.id)));
    expect(states.map((st) => st.count)).toEqual(Array(50).fill(200));
    const threads = new Set(s.status().actors.map((a) => a.threadId));
    expect(threads.size).toBe(50);
    // Fifty threads start at once: seconds on two cores, more beside other test files.
  }, 90_000);
});

describe('the tree at run time', () => {
  test('spawns, stops and restarts children; a bad spec registers nothing', async () => {
    const s = await start({ id: 'root', children: [{ id: 'group', children: [] }] });
    await s.spawn({ id: 'late', module: recorder }, { supervisor: 'group' });
    s.send('late', { type: 'record', n: 1 });
    expect((await get(s, 'late')).count).toBe(1);

    await expect(s.spawn({ id: 'late', module: recorder })).rejects.toMatchObject({ code: 'ERR_DUPLICATE_ADDRESS' });
    await expect(
      s.spawn({ id: 'pair', children: [{ id: 'fine', module: recorder }, { id: 'broken', module: './no/such/actor.ts' }] }),
    ).rejects.toMatchObject({ code: 'ERR_ACTOR_MODULE', message: expect.stringContaining('no/such/actor.ts') });
    await expect(s.spawn({ id: 'typo', module: recorder, mailbox: { capacity: 0 } })).rejects.toThrow(/^spec\.mailbox\.capacity: /);
    expect(s.status().actors.map((a) => a.address)).toEqual(['late']);
    expect([s.has('late'), s.has('fine'), s.has('typo')]).toEqual([true, false, false]);

    await s.stopChild('late');
    expect(s.has('late')).toBe(false);
    expect(() => s.send('late', { type: 'record', n: 2 })).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_ADDRESS' }));
    await s.spawn({ id: 'late', module: recorder });
    await s.restartChild('late');
    expect(s.status().actors[0]).toMatchObject({ address: 'late', state: 'running', incarnation: 2, restarts: 1 });
  });
});

describe('bad messages', () => {
  test('are rejected at the sender with an error naming the field, and the runtime keeps going', async () => {
    const s = await start({ id: 'root', children: [{ id: 'rec', module: recorder }] });
    expect(() => s.send('rec', 'record' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_MESSAGE' }));
    expect(() => s.send('rec', { kind: 'record' } as never)).toThrow(/field "type" must be a string/);
    expect(() => s.send('rec', { type: 42 } as never)).toThrow(/field "type" must be a string, got number/);
    expect(() => s.send('rec', { type: 'record', n: 'seven' })).toThrow(/field "n"/);
    expect(() => s.send('rec', { type: 'nope' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_MESSAGE' }));
    expect(() => s.send('rec', { type: 'record', n: 1, cb: () => 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_CLONEABLE', message: expect.stringContaining('message.cb') }),
    );
    expect(() => s.send('rec', { type: 'record', n: 1, at: new (class Price {})() })).toThrow(/instance of Price/);
    expect(() => s.send('ghost', { type: 'record', n: 1 })).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_ADDRESS' }));
    s.send('rec', { type: 'record', n: 1 });
    expect((await get(s, 'rec')).count).toBe(1);
  });

  test('a bad message between actors becomes a dead letter, and neither actor crashes', async () => {
    const s = await start({ id: 'root', children: [{ id: 'a', module: recorder }, { id: 'b', module: recorder }] });
    s.send('a', { type: 'forward', to: 'b', message: { type: 'record', n: 'NaN' } });
    s.send('a', { type: 'forward', to: 'nowhere', message: { type: 'record', n: 1 } });
    await waitFor(() => s.deadLetters.total === 2, 'two dead letters');
    const [unknown, invalid] = s.deadLetters.list();
    expect(invalid).toMatchObject({ address: 'b', kind: 'invalid', reason: expect.stringContaining('field "n"') });
    expect(unknown).toMatchObject({ address: 'nowhere', kind: 'unknown_address' });
    expect(s.status().actors.every((a) => a.state === 'running' && a.restarts === 0)).toBe(true);
  });
});

describe('overflow policies', () => {
  test('backpressure: send() returns false when full, throws past it, and drained() resolves', async () => {
    const s = await start({ id: 'root', children: [{ id: 'rec', module: recorder, mailbox: { capacity: 10 } }] });
    const results = Array.from({ length: 10 }, (_, i) => s.send('rec', { type: 'record', n: i + 1 }));
    expect(results.slice(0, 9).every(Boolean)).toBe(true);
    expect(results[9]).toBe(false);
    expect(() => s.send('rec', { type: 'record', n: 11 })).toThrow(expect.objectContaining({ code: 'ERR_MAILBOX_FULL' }));
    await s.drained('rec');
    expect(s.send('rec', { type: 'record', n: 11 })).toBe(true);
    const state = await get(s, 'rec');
    expect(state.count).toBe(11);
    expect(s.status().actors[0]!.mailbox.rejected).toBe(1);
  });

  test('drop-oldest keeps the newest messages and counts every drop', async () => {
    const s = await start({ id: 'root', children: [{ id: 'ticks', module: recorder, mailbox: { capacity: 10, overflow: 'drop-oldest' } }] });
    for (let n = 1; n <= 100; n++) expect(s.send('ticks', { type: 'record', n })).toBe(true);
    const state = await settled(s, 'ticks');
    expect(state.count).toBe(10);
    expect(state.sum).toBe(91 + 92 + 93 + 94 + 95 + 96 + 97 + 98 + 99 + 100);
    expect(s.status().actors[0]!.mailbox.dropped).toBe(90);
  });

  test('drop-newest keeps the first messages and counts every drop', async () => {
    const s = await start({ id: 'root', children: [{ id: 'ticks', module: recorder, mailbox: { capacity: 10, overflow: 'drop-newest' } }] });
    for (let n = 1; n <= 100; n++) s.send('ticks', { type: 'record', n });
    await expect(s.request('ticks', { type: 'get' })).rejects.toMatchObject({ code: 'ERR_MAILBOX_FULL' });
    const state = await settled(s, 'ticks');
    expect(state.sum).toBe(55);
    // 90 records, plus the request refused above.
    expect(s.status().actors[0]!.mailbox.dropped).toBe(91);
  });

  test('an actor sending into a full mailbox is paused until it drains, and nothing is lost', async () => {
    const s = await start({
      id: 'root',
      children: [
        { id: 'slow', module: recorder, mailbox: { capacity: 50 }, batchSize: 10 },
        { id: 'fast', module: recorder },
      ],
    });
    for (let n = 1; n <= 2_000; n++) s.send('fast', { type: 'forward', to: 'slow', message: { type: 'record', n } });
    await waitFor(() => mailboxOf(s, 'slow').acknowledged === 2_000, 'all forwarded messages');
    const state = await get(s, 'slow');
    expect(state.count).toBe(2_000);
    expect(state.violations).toBe(0);
    expect(mailboxOf(s, 'slow').dropped + mailboxOf(s, 'slow').rejected).toBe(0);
    // The sender was held back: the slow mailbox never grew past its capacity by more than what was in flight.
    expect(mailboxOf(s, 'fast').enqueued).toBe(2_000);
  });
});

describe('shutdown', () => {
  test('drains every mailbox, messages between actors included, then stops', async () => {
    const s = await start({
      id: 'root',
      children: [
        { id: 'sink', module: sink },
        { id: 'rec', module: recorder, args: { sink: 'sink' } },
      ],
    });
    for (let n = 1; n <= 5_000; n++) s.send('rec', { type: 'record', n });
    const report = await s.shutdown();
    expect(report).toEqual({ drained: true, undelivered: {} });
    expect((s.snapshot('rec') as RecorderState).count).toBe(5_000);
    expect(s.snapshot('sink')).toMatchObject({ total: 5_000, distinct: 5_000, duplicates: 0 });
    expect(() => s.send('rec', { type: 'record', n: 1 })).toThrow(expect.objectContaining({ code: 'ERR_SYSTEM_STOPPING' }));
    expect(s.status().actors.every((a) => a.state === 'stopped')).toBe(true);
  });

  test("an actor's stop hook runs after its last message, and what it sends is delivered", async () => {
    const s = await start({
      id: 'root',
      children: [
        // Both in the main thread, where a message routed during a stop is dispatched on the next turn at the earliest.
        { id: 'sink', module: sink, placement: 'main' },
        { id: 'rec', module: recorder, args: { stopEffect: 'sink' }, placement: 'main' },
      ],
    });
    for (let n = 1; n <= 100; n++) s.send('rec', { type: 'record', n });
    // The sink stops after rec (reverse start order): it is handed rec's last message before it stops.
    expect(await s.shutdown()).toEqual({ drained: true, undelivered: {} });
    expect(s.snapshot('sink')).toMatchObject({ total: 1, distinct: 1, keys: { 'rec:stop': true } });
  });
});

describe('outlets', () => {
  test('hand what actors send to an outlet address to its function, from the main thread and from workers', async () => {
    const received: unknown[] = [];
    const system = await start(
      { id: 'root', children: [{ id: 'in-worker', module: recorder }, { id: 'in-main', module: recorder, placement: 'main' }] },
      { outlets: { 'out.feed': (message) => received.push(message) } },
    );
    system.send('in-worker', { type: 'forward', to: 'out.feed', message: { type: 'note', n: 1 } });
    system.send('in-main', { type: 'forward', to: 'out.feed', message: { type: 'note', n: 2 } });
    await waitFor(() => received.length === 2, 'both notes');
    expect(received).toEqual(expect.arrayContaining([{ type: 'note', n: 1 }, { type: 'note', n: 2 }]));
    // A request has no one to answer it there; the address cannot be taken by an actor either.
    system.send('in-main', { type: 'ask', to: 'out.feed', timeoutMs: 500 });
    const asked = await waitFor(async () => (await get(system, 'in-main')).replies.at(-1), 'the failed request');
    expect(asked).toMatchObject({ code: 'ERR_UNKNOWN_ADDRESS' });
    await expect(system.spawn({ id: 'out.feed', module: recorder })).rejects.toMatchObject({ code: 'ERR_DUPLICATE_ADDRESS' });
    expect(system.deadLetters.total).toBe(0);
  });
});
