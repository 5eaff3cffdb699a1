import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelay } from '../../runtime/backoff.js';
import { GUARD_DEFAULTS, type GuardOptions } from './args.js';
import { toExchangeError } from './ccxt-errors.js';
import { ExchangeError } from './errors.js';

export type Connectivity = 'up' | 'degraded' | 'down';

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
