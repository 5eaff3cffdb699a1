import type { HubEvent } from '../../actors/events/hub.js';

export type SignalOutcomeEvent = Extract<HubEvent, { kind: 'signal.accepted' | 'signal.rejected' | 'signal.duplicate' | 'signal.skipped' }>;

/**
 * Lets a request wait for what a trader made of a signal it submitted (a manual order is a signal):
 * fed with the hub's events, it settles each waiter with the signal's outcome event, or undefined
 * after the timeout (the signal is still in the trader's mailbox, and will be processed).
 */
export class SignalOutcomes {
  readonly #waiting = new Map<string, { resolve: (event: SignalOutcomeEvent | undefined) => void; timer: NodeJS.Timeout }>();

  observe(events: readonly HubEvent[]): void {
    if (this.#waiting.size === 0) return;
    for (const event of events) {
      if (!event.kind.startsWith('signal.') || !('signalId' in event) || event.signalId === undefined) continue;
      const key = keyOf(event.traderId, event.signalId);
      const waiter = this.#waiting.get(key);
      if (!waiter) continue;
      this.#waiting.delete(key);
      clearTimeout(waiter.timer);
      waiter.resolve(event as SignalOutcomeEvent);
    }
  }

  /** Call before the signal is sent, so its outcome cannot come first. */
  wait(traderId: string, signalId: string, timeoutMs: number): Promise<SignalOutcomeEvent | undefined> {
    return new Promise((resolve) => {
      const key = keyOf(traderId, signalId);
      const timer = setTimeout(() => {
        this.#waiting.delete(key);
        resolve(undefined);
      }, timeoutMs);
      this.#waiting.set(key, { resolve, timer });
    });
  }
}

const keyOf = (traderId: string, signalId: string) => `${traderId}\u0000${signalId}`;
