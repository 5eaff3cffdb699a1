import { pino } from 'pino';
import { afterEach } from 'vitest';
import type { SupervisorSpecInput } from '../../runtime/options.js';
import { ActorSystem, type ActorSystemOptions } from '../../runtime/system.js';

/** The runtime tests' actors (see `fixtures/`). */
export const recorder = new URL('./fixtures/recorder.ts', import.meta.url);
export const sink = new URL('./fixtures/sink.ts', import.meta.url);
export const holder = new URL('./fixtures/holder.ts', import.meta.url);

/** What the recorder fixture answers to `get`. */
export interface RecorderState {
  count: number;
  sum: number;
  violations: number;
  ticks: number;
  last: Record<string, number>;
  replies: { type: string; code?: string; self?: string }[];
}

/** What the sink fixture answers to `get`. */
export interface SinkState {
  total: number;
  distinct: number;
  duplicates: number;
}

/**
 * A start function for a test file's systems (silent, heartbeats checked every 20 ms), each shut down
 * after its test. Call it at the top of the file, where `afterEach` registers for the whole file.
 */
export function systemPerTest(): (root: SupervisorSpecInput, options?: ActorSystemOptions) => Promise<ActorSystem> {
  let system: ActorSystem | undefined;
  afterEach(async () => {
    await system?.shutdown({ timeoutMs: 2_000 });
    system = undefined;
  });
  return async (root, options = {}) => {
    system = await ActorSystem.start(root, { logger: pino({ level: 'silent' }), heartbeatCheckMs: 20, ...options });
    return system;
  };
}

export const get = <T = RecorderState>(s: ActorSystem, address: string) => s.request<T>(address, { type: 'get' });
export const actor = (s: ActorSystem, address: string) => s.actorStatus(address)!;
