import type { ActorDefinition } from './actor.js';
import { createEndpoint } from './endpoint.js';
import type { ErrorInfo } from './errors.js';
import type { ActorHost, HostListener } from './host.js';
import type { Address } from './message.js';
import type { HostToRunner } from './protocol.js';

/**
 * Runs an actor in the main thread, through the same runner and protocol as a worker. Cheaper, but an
 * endless loop here stalls everything: traders and untrusted code always get a worker.
 */
export class LocalHost implements ActorHost {
  readonly threadId = undefined;
  readonly #handle: (message: HostToRunner) => void;

  constructor(options: { address: Address; definition: ActorDefinition; args: unknown }, listener: HostListener) {
    this.#handle = createEndpoint({
      ...options,
      // Events go back on a microtask so the cell never re-enters itself from inside its own dispatch;
      // snapshots are copied as postMessage would, or the live actor would keep mutating the stored one.
      emit: (event) => {
        const copy = 'snapshot' in event && event.snapshot !== undefined ? { ...event, snapshot: structuredClone(event.snapshot) } : event;
        queueMicrotask(() => listener.onEvent(copy));
      },
      markInHand: () => {},
    });
  }

  start(snapshot: unknown): void {
    this.#handle({ t: 'init', snapshot: structuredClone(snapshot) });
  }

  post(message: HostToRunner): void {
    this.#handle(message);
  }

  async terminate(): Promise<void> {}

  kill(_error: ErrorInfo): void {}

  heartbeat(): undefined {
    return undefined;
  }
}
