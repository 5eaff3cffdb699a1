import { Deque } from '../runtime/deque.js';

export interface BudgetLimits {
  callsPerMinute: number;
  tokensPerDay: number;
}

export interface BudgetStatus extends BudgetLimits {
  callsLastMinute: number;
  /** Tokens (input and output) spent since midnight UTC. */
  tokensToday: number;
}

const MINUTE = 60_000;

/**
 * What the reviews may spend: calls in any sliding minute, tokens per UTC day. A review takes its
 * calls up front, all or none, so a review never stops half way for want of budget.
 */
export class Budget {
  readonly #limits: BudgetLimits;
  readonly #now: () => number;
  readonly #calls = new Deque<number>(64);
  #day = '';
  #tokens = 0;

  constructor(limits: BudgetLimits, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  /** Takes `calls` calls, or says why the budget cannot afford them. */
  take(calls: number): string | undefined {
    const now = this.#now();
    this.#expire(now);
    if (this.#tokens >= this.#limits.tokensPerDay) return `the day's ${this.#limits.tokensPerDay} tokens are spent`;
    if (this.#calls.length + calls > this.#limits.callsPerMinute) return `${this.#limits.callsPerMinute} calls per minute are spent`;
    for (let i = 0; i < calls; i++) this.#calls.push(now);
    return undefined;
  }

  spend(tokens: number): void {
    this.#expire(this.#now());
    this.#tokens += tokens;
  }

  status(): BudgetStatus {
    this.#expire(this.#now());
    return { ...this.#limits, callsLastMinute: this.#calls.length, tokensToday: this.#tokens };
  }

  #expire(now: number): void {
    while (this.#calls.length > 0 && this.#calls.peek()! <= now - MINUTE) this.#calls.shift();
    const day = new Date(now).toISOString().slice(0, 10);
    if (day !== this.#day) {
      this.#day = day;
      this.#tokens = 0;
    }
  }
}
