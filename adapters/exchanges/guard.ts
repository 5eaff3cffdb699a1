import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay, type BackoffOptions } from '../../runtime/backoff.js';
import { ExchangeError, toExchangeError } from './errors.js';

export type Connectivity = 'up' | 'degraded' | 'down';

export interface GuardOptions {
  /** Tries after the first for a retryable failure (network, 5xx, rate limit); never for a rejected order. */
  retries: number;
  backoff: BackoffOptions;
  /** Consecutive failed calls (after their retries) that open the circuit... */
  failureThreshold: number;
  /** ...for this long: calls fail at once with `ERR_CIRCUIT_OPEN`, then one trial call may pass. */
  openMs: number;
}

export const GUARD_DEFAULTS: GuardOptions = { retries: 3, backoff: { initialMs: 200, maxMs: 5_000, jitter: 0.2 }, failureThreshold: 5, openMs: 30_000 };

/**
 * Every call to one exchange goes through its guard: retries with backoff for what may pass on a
 * second try, a circuit breaker that stops hammering an exchange that keeps failing, and the
 * connectivity the status and metrics report (`up`, `degraded` after a failure, `down` while open).
 * A rejected order, a bad key or insufficient funds is the exchange answering: it counts as up.
 */
export class ExchangeGuard {
  readonly #exchange: string;
  readonly #options: GuardOptions;
  readonly #secrets: readonly string[];
  #failures = 0;
  #openUntil = 0;
  #lastError: string | undefined;

  constructor(exchange: string, options: GuardOptions = GUARD_DEFAULTS, secrets: readonly string[] = []) {
    this.#exchange = exchange;
    this.#options = options;
    this.#secrets = secrets;
  }

  get connectivity(): Connectivity {
    if (this.#failures >= this.#options.failureThreshold) return 'down';
    return this.#failures > 0 ? 'degraded' : 'up';
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Runs `call` under the guard; throws an `ExchangeError`. */
  async run<T>(call: () => Promise<T>, now: () => number = Date.now): Promise<T> {
    if (this.#failures >= this.#options.failureThreshold && now() < this.#openUntil) {
      throw new ExchangeError('ERR_CIRCUIT_OPEN', this.#exchange, `${this.#exchange}: circuit open after ${this.#failures} failures in a row (last: ${this.#lastError}); next try in ${this.#openUntil - now()} ms`);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await call();
        this.#failures = 0;
        return result;
      } catch (caught) {
        const error = toExchangeError(caught, this.#exchange, this.#secrets);
        if (!error.retryable) {
          if (error.code !== 'ERR_BAD_RESPONSE') this.#failures = 0;
          throw error;
        }
        if (attempt < this.#options.retries) {
          await sleep(backoffDelay(attempt + 1, this.#options.backoff));
          continue;
        }
        this.#failures++;
        this.#lastError = error.message;
        if (this.#failures >= this.#options.failureThreshold) this.#openUntil = now() + this.#options.openMs;
        throw error;
      }
    }
  }
}
