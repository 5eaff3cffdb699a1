/** Samples closer together than this say more about batching than about speed. */
const SPAN_MS = 1_000;
/** Never ask a caller to wait longer than this: the estimate is a hint, and the trader may speed up. */
const MAX_WAIT_S = 60;

/**
 * How fast each mailbox drains, from its acknowledged weight (`ActorStatus.mailbox.acknowledgedLoad`)
 * as callers happen to observe it, over spans of at least a second; the clock is the caller's `now`.
 *
 * @example
 * ```ts
 * const rates = new DrainRates();
 * rates.observe('trader.a', 0, 0);
 * rates.observe('trader.a', 5_000, 1_000); // 5,000 units/s
 * rates.waitSeconds('trader.a', 12_000); // 3
 * ```
 */
export class DrainRates {
  readonly #of = new Map<string, { at: number; done: number; perSecond: number | undefined }>();

  /** Records `done` (acknowledged weight so far) at `now`, and returns the rate known after it, if any. */
  observe(key: string, done: number, now: number): number | undefined {
    const last = this.#of.get(key);
    if (!last || done < last.done) {
      // First sight, or the mailbox is a new one (a trader removed and added again): start over.
      this.#of.set(key, { at: now, done, perSecond: undefined });
      return undefined;
    }
    const elapsed = now - last.at;
    if (elapsed >= SPAN_MS) this.#of.set(key, { at: now, done, perSecond: ((done - last.done) * 1_000) / elapsed });
    return this.#of.get(key)!.perSecond;
  }

  /** Whole seconds until `excess` more has drained at the last known rate: 1 to 60, 1 when the rate is unknown or nil. */
  waitSeconds(key: string, excess: number): number {
    const perSecond = this.#of.get(key)?.perSecond;
    if (!perSecond) return 1;
    return Math.min(MAX_WAIT_S, Math.max(1, Math.ceil(excess / perSecond)));
  }
}
