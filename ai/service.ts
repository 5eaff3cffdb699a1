import CircuitBreaker from 'opossum';
import { LRUCache } from 'lru-cache';
import pLimit, { type LimitFunction } from 'p-limit';
import { Budget, type BudgetLimits, type BudgetStatus } from './budget.js';
import type { Reviewer } from './claude.js';
import { crossVerify, type CrossVerdict } from './cross-verify.js';
import { AiError } from './errors.js';
import type { ReviewSubject } from './subject.js';
import type { Opinion } from './verdict.js';

export interface ReviewServiceOptions {
  reviewers: readonly [Reviewer, Reviewer];
  minConfidence: number;
  concurrency: number;
  cacheSize: number;
  /** Calls that cost money are budgeted and guarded by a circuit breaker; offline rules are neither. */
  metered?: { budget: BudgetLimits; breaker: { failureRate: number; minReviews: number; windowMs: number; resetMs: number } };
  now?: () => number;
}

export type ReviewResult = CrossVerdict & { opinions: Opinion[] };

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface ReviewServiceStats {
  /** Calls per model and result: `ok`, or the {@link AiError} code. */
  calls: { model: string; result: string; count: number }[];
  tokens: { model: string; input: number; output: number }[];
  /** Reviews by outcome; `cached` answered from the cache without a call. */
  reviews: { approve: number; reject: number; human: number; failed: number; cached: number };
  active: number;
  waiting: number;
  breaker: BreakerState;
  budget: BudgetStatus | null;
}

/**
 * Two reviews of an order, cross-verified, under the operating limits: at most `concurrency` calls at
 * once, a budget, a circuit breaker over the API, and a cache by client order id so the same signal
 * is never reviewed twice (a second request for an order under review joins the first).
 */
export class ReviewService {
  readonly #options: ReviewServiceOptions;
  readonly #limit: LimitFunction;
  readonly #budget: Budget | undefined;
  /** Over whole reviews (both calls): a half-open breaker lets one review through as its trial. */
  readonly #breaker: CircuitBreaker<[ReviewSubject, AbortSignal | undefined], [Opinion, Opinion]> | undefined;
  readonly #cache: LRUCache<string, ReviewResult>;
  readonly #running = new Map<string, Promise<ReviewResult>>();
  readonly #calls = new Map<string, number>();
  readonly #tokens = new Map<string, { input: number; output: number }>();
  readonly #reviews = { approve: 0, reject: 0, human: 0, failed: 0, cached: 0 };

  constructor(options: ReviewServiceOptions) {
    this.#options = options;
    this.#limit = pLimit(options.concurrency);
    this.#cache = new LRUCache({ max: options.cacheSize });
    if (options.metered) {
      const { budget, breaker } = options.metered;
      this.#budget = new Budget(budget, options.now);
      this.#breaker = new CircuitBreaker((subject: ReviewSubject, signal: AbortSignal | undefined) => this.#both(subject, signal), {
        timeout: false,
        errorThresholdPercentage: breaker.failureRate * 100,
        volumeThreshold: breaker.minReviews,
        rollingCountTimeout: breaker.windowMs,
        resetTimeout: breaker.resetMs,
        errorFilter: (error: unknown) => !countsAgainstApi(error),
      });
    }
  }

  /** The cross-verified verdict on `subject`; rejects with an {@link AiError} when there is none. */
  review(subject: ReviewSubject, signal?: AbortSignal): Promise<ReviewResult> {
    const key = subject.order.clientOrderId;
    const cached = this.#cache.get(key);
    if (cached) {
      this.#reviews.cached++;
      return Promise.resolve(cached);
    }
    const running = this.#running.get(key);
    if (running) return running;
    const review = this.#review(subject, signal).then(
      (result) => {
        this.#cache.set(key, result);
        this.#reviews[result.outcome]++;
        return result;
      },
      (error: unknown) => {
        this.#reviews.failed++;
        throw error;
      },
    );
    this.#running.set(key, review);
    const forget = () => this.#running.delete(key);
    review.then(forget, forget);
    return review;
  }

  stats(): ReviewServiceStats {
    return {
      calls: [...this.#calls].map(([key, count]) => {
        const [model, result] = key.split('\u0000') as [string, string];
        return { model, result, count };
      }),
      tokens: [...this.#tokens].map(([model, t]) => ({ model, ...t })),
      reviews: { ...this.#reviews },
      active: this.#limit.activeCount,
      waiting: this.#limit.pendingCount,
      breaker: !this.#breaker ? 'closed' : this.#breaker.opened ? 'open' : this.#breaker.halfOpen ? 'half-open' : 'closed',
      budget: this.#budget?.status() ?? null,
    };
  }

  /** Stops the breaker's timers. */
  close(): void {
    this.#breaker?.shutdown();
  }

  async #review(subject: ReviewSubject, signal: AbortSignal | undefined): Promise<ReviewResult> {
    if (this.#breaker && !this.#breaker.halfOpen && this.#breaker.opened) throw breakerOpen();
    const short = this.#budget?.take(2);
    if (short) throw new AiError('ERR_AI_BUDGET', `AI budget exhausted: ${short}`);
    let opinions: [Opinion, Opinion];
    try {
      opinions = await (this.#breaker ? this.#breaker.fire(subject, signal) : this.#both(subject, signal));
    } catch (error) {
      throw (error as { code?: string }).code === 'EOPENBREAKER' ? breakerOpen() : error;
    }
    return { ...crossVerify(opinions[0], opinions[1], this.#options.minConfidence), opinions };
  }

  /** Both calls are made even when one fails, so that neither is paid for and lost in flight. */
  async #both(subject: ReviewSubject, signal: AbortSignal | undefined): Promise<[Opinion, Opinion]> {
    const [a, b] = this.#options.reviewers;
    const [first, second] = await Promise.allSettled([this.#call(a, subject, signal), this.#call(b, subject, signal)]);
    if (first.status === 'rejected') throw first.reason;
    if (second.status === 'rejected') throw second.reason;
    return [first.value, second.value];
  }

  #call(reviewer: Reviewer, subject: ReviewSubject, signal: AbortSignal | undefined): Promise<Opinion> {
    return this.#limit(async () => {
      if (signal?.aborted) throw new AiError('ERR_AI_ABORTED', 'review abandoned before its call: its deadline passed');
      try {
        const opinion = await reviewer.review(subject, signal);
        this.#count(reviewer.model, 'ok', opinion);
        return opinion;
      } catch (error) {
        const failure = error instanceof AiError ? error : new AiError('ERR_AI_API', (error as Error).message, { cause: error });
        this.#count(reviewer.model, failure.code, failure.usage);
        throw failure;
      }
    });
  }

  #count(model: string, result: string, usage: { inputTokens: number; outputTokens: number } | undefined): void {
    const key = `${model}\u0000${result}`;
    this.#calls.set(key, (this.#calls.get(key) ?? 0) + 1);
    if (!usage) return;
    const tokens = this.#tokens.get(model) ?? { input: 0, output: 0 };
    tokens.input += usage.inputTokens;
    tokens.output += usage.outputTokens;
    this.#tokens.set(model, tokens);
    this.#budget?.spend(usage.inputTokens + usage.outputTokens);
  }
}

/** Failures that say the API is unwell; a malformed answer, a refused request or our own deadline do not. */
function countsAgainstApi(error: unknown): boolean {
  if (!(error instanceof AiError)) return true;
  if (error.code === 'ERR_AI_MALFORMED' || error.code === 'ERR_AI_ABORTED') return false;
  const status = error.status;
  return status === undefined || status >= 500 || status === 429 || status === 408;
}

function breakerOpen(): AiError {
  return new AiError('ERR_AI_BREAKER_OPEN', 'the Messages API failed too often: no calls until the circuit breaker half-opens');
}
