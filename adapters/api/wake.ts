import type { HubEvent } from '../../actors/events/hub.js';

/**
 * Wakes requests waiting for the platform to reach a state (every trader flat after an emergency
 * stop) at each stored event that may have changed it, so they re-check on events instead of polling.
 */
export class Wake {
  readonly #kinds: ReadonlySet<string>;
  #waiters: (() => void)[] = [];

  constructor(kinds: readonly HubEvent['kind'][]) {
    this.#kinds = new Set(kinds);
  }

  observe(events: readonly HubEvent[]): void {
    if (this.#waiters.length === 0 || !events.some((e) => this.#kinds.has(e.kind))) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at the next event of the kinds watched, or after `timeoutMs`, whichever comes first. */
  next(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(wake, timeoutMs);
      function wake() {
        clearTimeout(timer);
        resolve();
      }
      this.#waiters.push(wake);
    });
  }
}
