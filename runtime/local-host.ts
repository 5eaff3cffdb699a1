import type { ActorDefinition } from './actor.js';
import { createEndpoint } from './endpoint.js';
import { Gate } from './gate.js';
import type { ErrorInfo } from './errors.js';
import type { ActorHost, HostListener } from './host.js';
import type { Address } from './message.js';
import { CONTROL_BYTES, type HostToRunner } from './protocol.js';
import type { Snapshot } from './snapshot.js';

/**
 * Runs an actor in the main thread, through the same runner and protocol as a worker. Cheaper, but an
 * endless loop here stalls everything: traders and untrusted code always get a worker.
 */
export class LocalHost implements ActorHost {
  readonly threadId = undefined;
  readonly #handle: (message: HostToRunner) => void;
  readonly #gate = new Gate(new ArrayBuffer(CONTROL_BYTES));

  constructor(options: { address: Address; definition: ActorDefinition; args: unknown }, listener: HostListener) {
    this.#handle = createEndpoint({
      ...options,
      gate: this.#gate,
      // Events go back on a microtask so the cell never re-enters itself from inside its own dispatch.
      // Snapshots are bytes already, which the live actor cannot change.
      emit: (event) => queueMicrotask(() => listener.onEvent(event)),
      markInHand: () => {},
    });
  }

  start(snapshot: Snapshot | undefined): void {
    this.#handle({ t: 'init', snapshot });
  }

  /** Links join worker threads only; the system never opens one here. */
  openLink(): void {
    throw new Error('an actor in the main thread has no links');
  }

  readonly hasThread = false;

  post(message: HostToRunner): void {
    this.#handle(message);
  }

  gate(until: number | undefined): void {
    if (this.#gate.set(until)) this.post({ t: 'gate' });
  }

  async terminate(): Promise<void> {}

  kill(_error: ErrorInfo): void {}

  heartbeat(): undefined {
    return undefined;
  }
}
