import { setImmediate as nextTurn } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, expect, test } from 'vitest';
import { PlatformControl } from '../../../actors/platform/control.js';
import { ADDRESSES } from '../../../actors/platform/tree.js';
import { parseConfig } from '../../../adapters/config/load.js';
import { ActorSystem } from '../../../runtime/system.js';

let system: ActorSystem | undefined;
afterEach(() => system?.shutdown({ timeoutMs: 2_000 }));

test('used signal ids are looked up one lookup at a time: the ids of requests made while one is answered go together in the next', async () => {
  // Long enough that every request below is made while the first lookup is answered, however busy the machine.
  const delayMs = 1_000;
  system = await ActorSystem.start(
    { id: 'root', children: [{ id: ADDRESSES.persistence, module: new URL('./fixtures/slow-lookups.ts', import.meta.url), args: { delayMs } }] },
    { logger: pino({ level: 'silent' }) },
  );
  const config = parseConfig({ traders: [{ id: 't1', symbols: ['BTC/USDT'] }], exchanges: { paper: { type: 'paper' } } });
  const routed: string[] = [];
  const control = new PlatformControl(system, config, {
    platform: { database: { url: 'postgres://unused', poolSize: 1, journalPath: '/unused' } },
    route: async (batches) => void routed.push(...[...batches.values()].flat().map((s) => s.id)),
  });
  const ids = Array.from({ length: 20 }, (_, i) => `s${i}`);
  const answers = [];
  // Each request in a turn of its own, as requests on different connections come.
  for (const id of ids) {
    answers.push(control.submitSignals([{ id, traderId: 't1', strategy: 'manual', symbol: 'BTC/USDT', action: 'BUY', quantity: '0.001' }]));
    await nextTurn();
  }
  const outcomes = (await Promise.all(answers)).flat();
  expect(outcomes.every((o) => o.accepted)).toBe(true);
  expect(routed.sort()).toEqual([...ids].sort());
  const { asked } = await system.request<{ asked: string[][] }>(ADDRESSES.persistence, { type: 'get' });
  // The first lookup went at the turn after the first request (with whatever came in that turn); every
  // later one waited for it, and went together.
  expect(asked).toHaveLength(2);
  expect(asked.flat()).toEqual(ids);
});
