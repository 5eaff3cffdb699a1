import { describe, expect, test } from 'vitest';
import { defineActor } from '../../runtime/actor.js';
import type { RunnerToHost } from '../../runtime/protocol.js';
import { ActorRunner } from '../../runtime/runner.js';
import { decodeSnapshot } from '../../runtime/snapshot.js';
import { waitFor } from '../helpers/wait.js';

/** Timer firings of every counter, outside any snapshot: a test waits on them. */
let ticks = 0;

/** Counts `add` messages; `noop` and its timer change nothing. */
const counter = defineActor<{ type: 'add' | 'noop' | 'tick' }, { n: number }>({
  create() {
    let n = 0;
    return {
      init(ctx, snapshot) {
        n = snapshot?.n ?? 0;
        ctx.setTimer('tick', 1, { type: 'tick' }, { repeat: true });
      },
      receive(msg) {
        if (msg.type === 'add') n++;
        if (msg.type === 'tick') ticks++;
      },
      snapshot: () => ({ n }),
    };
  },
});

function start(): { runner: ActorRunner; events: RunnerToHost[] } {
  const events: RunnerToHost[] = [];
  const runner = new ActorRunner({ definition: counter, address: 'counter', args: {}, emit: (event) => events.push(event), markInHand: () => {} });
  return { runner, events };
}

const commits = (events: RunnerToHost[]) => events.filter((e): e is Extract<RunnerToHost, { t: 'commit' }> => e.t === 'commit');

/** Delivers a batch and waits for the commit that acknowledges it (the runner drains on the next turn). */
async function deliver(runner: ActorRunner, events: RunnerToHost[], seq: number, msgs: { type: 'add' | 'noop' }[]): Promise<void> {
  runner.deliver({ t: 'batch', seq, msgs });
  await waitFor(() => commits(events).some((commit) => commit.seq === seq + msgs.length - 1), `the commit of ${seq}`);
}

describe('commits', () => {
  test('carry the state only when it changed, and are not sent when they would say nothing new', async () => {
    const { runner, events } = start();
    await runner.start(undefined);
    expect(events.map((e) => e.t)).toEqual(['commit', 'ready']);

    await deliver(runner, events, 1, [{ type: 'add' }, { type: 'add' }]);
    const [, changed] = commits(events);
    expect(changed).toMatchObject({ seq: 2, out: [] });
    expect(decodeSnapshot(changed!.snapshot!)).toEqual({ n: 2 });

    // Acknowledged, but the state is what the host holds: no snapshot.
    await deliver(runner, events, 3, [{ type: 'noop' }]);
    expect(commits(events)[2]).toEqual({ t: 'commit', seq: 3, out: [] });

    // The timer fires, nothing changes, nothing is sent.
    const before = events.length;
    const from = ticks;
    await waitFor(() => ticks >= from + 3, 'three ticks');
    expect(events.length).toBe(before);
    runner.stop();
    await waitFor(() => events.at(-1)?.t === 'stopped', 'the stop');
    expect(events.at(-1)).toEqual({ t: 'stopped', normal: false });
  });

  test('a restarted incarnation starts from the snapshot and sends it again only once it changes', async () => {
    const first = start();
    await first.runner.start(undefined);
    await deliver(first.runner, first.events, 1, [{ type: 'add' }]);
    const held = commits(first.events).at(-1)!.snapshot!;
    first.runner.stop();

    const second = start();
    await second.runner.start(held);
    await deliver(second.runner, second.events, 2, [{ type: 'noop' }]);
    expect(commits(second.events).at(-1)).toEqual({ t: 'commit', seq: 2, out: [] });
    await deliver(second.runner, second.events, 3, [{ type: 'add' }]);
    expect(decodeSnapshot(commits(second.events).at(-1)!.snapshot!)).toEqual({ n: 2 });
    second.runner.stop();
  });
});

describe('a slow actor under repeating timers', () => {
  /** Handles each firing of two 1 ms timers in 20 ms (a poll waiting on a rate-limited venue), sending one message each; cancels both after `stopAfter` firings. */
  const slow = defineActor<{ type: 'a' | 'b' }, { handled: number; afterCancel: number }>({
    create() {
      let handled = 0;
      let afterCancel = 0;
      return {
        init(ctx) {
          ctx.setTimer('a', 1, { type: 'a' }, { repeat: true });
          ctx.setTimer('b', 1, { type: 'b' }, { repeat: true });
        },
        async receive(msg, ctx) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (handled >= 10) afterCancel++;
          handled++;
          ctx.send('main', { type: 'handled', timer: msg.type, handled });
          if (handled === 10) {
            ctx.cancelTimer('a');
            ctx.cancelTimer('b');
          }
        },
        snapshot: () => ({ handled, afterCancel }),
      };
    },
  });

  test('sends what it handled while its queue never empties, and its timers do not pile up behind it', async () => {
    const events: RunnerToHost[] = [];
    const runner = new ActorRunner({ definition: slow, address: 'slow', args: {}, emit: (event) => events.push(event), markInHand: () => {} });
    await runner.start(undefined);
    // Both timers fire while every message is handled: the queue is never empty until they are cancelled.
    const sent = () => commits(events).flatMap((c) => c.out.map((o) => o.message as unknown as { handled: number }));
    await waitFor(() => sent().some((m) => m.handled >= 10), 'the timers cancelled');
    // The first messages left before the timers were cancelled, not once the queue at last emptied.
    expect(commits(events).find((c) => c.out.length > 0)!.out.length).toBeLessThan(10);
    // A stop finishes what is queued: at most one firing of each timer, not one per millisecond of each 20 ms handling.
    runner.stop();
    await waitFor(() => events.at(-1)?.t === 'stopped', 'the stop', 30_000);
    const last = decodeSnapshot(commits(events).filter((c) => c.snapshot).at(-1)!.snapshot!) as { handled: number; afterCancel: number };
    expect(last.afterCancel).toBeLessThanOrEqual(2);
    expect(sent().map((m) => m.handled)).toEqual(Array.from({ length: last.handled }, (_, i) => i + 1));
  });
});

describe('a stop', () => {
  /** Handles each tick of a 1 ms repeating timer in 20 ms: ticks always wait in its queue. */
  const busy = defineActor<{ type: 'tick' }, { handled: number }>({
    create() {
      let handled = 0;
      return {
        init(ctx) {
          ctx.setTimer('tick', 1, { type: 'tick' }, { repeat: true });
        },
        async receive() {
          await new Promise((resolve) => setTimeout(resolve, 20));
          handled++;
        },
        snapshot: () => ({ handled }),
      };
    },
  });

  test('does not wait for the ticks of repeating timers, which come faster than a busy actor handles them', async () => {
    const events: RunnerToHost[] = [];
    const runner = new ActorRunner({ definition: busy, address: 'busy', args: {}, emit: (event) => events.push(event), markInHand: () => {} });
    await runner.start(undefined);
    await waitFor(() => commits(events).some((c) => c.snapshot && (decodeSnapshot(c.snapshot) as { handled: number }).handled >= 3), 'a few ticks handled');
    runner.stop();
    // The tick in hand is finished; the next ones, queued while it ran, are not waited for.
    await waitFor(() => events.at(-1)?.t === 'stopped', 'the stop');
  });
});
