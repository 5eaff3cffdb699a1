import { GATED_INDEX, GATE_UNTIL_INDEX } from './protocol.js';

/**
 * A deadline (`Date.now()` ms) as a BigInt64 slot of shared memory holds it: -Infinity (known to be past)
 * becomes 0, +Infinity the latest safe integer, since `BigInt` takes finite integers only.
 */
export function deadlineBits(until: number): bigint {
  return BigInt(Math.floor(Math.min(Math.max(until, 0), Number.MAX_SAFE_INTEGER)));
}

/**
 * An actor's gate: a deadline (this process's `Date.now()`) past which the actor processes nothing,
 * leaving what it was handed unacknowledged. It sits in the control buffer the actor's thread shares with
 * the supervisor, so it closes on time even while the supervisor's thread is stalled: what a cluster node
 * uses to keep a trader whose lease may have passed to another node from acting on anything more.
 *
 * @example
 * ```ts
 * system.gate('trader.alpha', Date.now() + 1_200); // processes until then unless opened further
 * system.gate('trader.alpha', undefined); // no gate: always open
 * ```
 */
export class Gate {
  readonly #flags: Int32Array;
  readonly #until: BigInt64Array;

  constructor(control: SharedArrayBuffer | ArrayBuffer) {
    this.#flags = new Int32Array(control);
    this.#until = new BigInt64Array(control);
  }

  /** Sets the deadline (`undefined`: no gate). True when the gate was closed until now: a runner waiting on it needs a nudge. */
  set(until: number | undefined): boolean {
    const wasClosed = !this.open();
    if (until === undefined) {
      Atomics.store(this.#flags, GATED_INDEX, 0);
    } else {
      // The deadline before the flag: a reader that sees the flag sees this deadline or a later one.
      Atomics.store(this.#until, GATE_UNTIL_INDEX, deadlineBits(until));
      Atomics.store(this.#flags, GATED_INDEX, 1);
    }
    return wasClosed;
  }

  /** Whether the actor may process a message now. Ungated actors pay one Int32 load. */
  open(): boolean {
    return Atomics.load(this.#flags, GATED_INDEX) === 0 || Date.now() <= Number(Atomics.load(this.#until, GATE_UNTIL_INDEX));
  }
}
