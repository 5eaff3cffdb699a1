import { pino } from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { ActorSystem } from '../../runtime/system.js';
import { LOADING_AT_ONCE, SparePool, type WorkerShape } from '../../runtime/spare-pool.js';
import { waitFor } from '../helpers/wait.js';

const recorder: WorkerShape = { module: new URL('./fixtures/recorder.ts', import.meta.url).href };
const broken: WorkerShape = { module: new URL('./fixtures/no-such-actor.ts', import.meta.url).href };

let pool: SparePool | undefined;
let system: ActorSystem | undefined;
afterEach(async () => {
  await pool?.close();
  await system?.shutdown({ timeoutMs: 2_000 });
  pool = undefined;
  system = undefined;
});

describe('spares asked for ahead', () => {
  test('load a few at a time, and each is handed out once', async () => {
    pool = new SparePool();
    pool.prewarm(Array.from({ length: 6 }, () => recorder));
    expect(pool.counts.loading).toBeLessThanOrEqual(LOADING_AT_ONCE);
    expect(pool.counts.held + pool.counts.wanted).toBe(6);
    await waitFor(() => pool!.counts.held === 6 && pool!.counts.loading === 0, 'six loaded spares');
    const taken = Array.from({ length: 6 }, () => pool!.take(recorder));
    expect(new Set(taken.map((w) => w.threadId)).size).toBe(6);
    // One spare is kept in hand for the next start, no more.
    await waitFor(() => pool!.counts.held === 1 && pool!.counts.wanted === 0, 'one spare in hand');
    await Promise.all(taken.map((w) => w.terminate()));
  });

  test('a module that fails to load leaves nothing waiting, and the next one still loads', async () => {
    pool = new SparePool();
    pool.prewarm([broken, broken, broken, recorder]);
    await waitFor(() => pool!.counts.loading === 0 && pool!.counts.wanted === 0 && pool!.counts.held === 1, 'the broken spares gone, the good one loaded');
  });

  test('a taken spare that is still loading is not asked for again', async () => {
    pool = new SparePool();
    pool.prewarm([recorder, recorder]);
    const [a, b] = [pool.take(recorder), pool.take(recorder)];
    expect(a.threadId).not.toBe(b.threadId);
    await waitFor(() => pool!.counts.loading === 0 && pool!.counts.wanted === 0, 'the pool idle');
    expect(pool.counts.held).toBe(1);
    await Promise.all([a.terminate(), b.terminate()]);
  });
});

test("a supervisor's worker children start on threads loaded side by side, and one spare is left", async () => {
  system = await ActorSystem.start({ id: 'root', children: Array.from({ length: 8 }, (_, i) => ({ id: `w${i}`, module: recorder.module })) }, { logger: pino({ level: 'silent' }) });
  const actors = system.status().actors;
  expect(actors.map((a) => a.state)).toEqual(Array(8).fill('running'));
  expect(new Set(actors.map((a) => a.threadId)).size).toBe(8);
  for (let i = 0; i < 8; i++) {
    system.send(`w${i}`, { type: 'record', n: i });
    expect(await system.request<{ count: number; sum: number }>(`w${i}`, { type: 'get' })).toMatchObject({ count: 1, sum: i });
  }
  await waitFor(() => system!.spares!.counts.loading === 0 && system!.spares!.counts.wanted === 0, 'the pool idle');
  expect(system.spares!.counts.held).toBe(1);
});
