/** A key-value entry as a node last saw it change. */
export interface Seen<T> {
  value: T;
  revision: number;
  /** This node's clock when it saw `revision`: leases age by the observer's clock, not the writer's. */
  seenAt: number;
}

/**
 * The entries of a key-value bucket as one node watches them. An entry is alive while it keeps
 * changing: one whose revision has not moved for `ttlMs` of this node's own clock is dead, whatever
 * the writer's clock says, so nodes need no synchronized clocks.
 */
export class Observed<T> {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, Seen<T>>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  /** A put (`value`) or a delete (undefined) at `revision`, seen at `now`. */
  observe(key: string, value: T | undefined, revision: number, now: number): void {
    if (value === undefined) {
      this.#entries.delete(key);
      return;
    }
    const prior = this.#entries.get(key);
    if (prior && prior.revision >= revision) return;
    this.#entries.set(key, { value, revision, seenAt: now });
  }

  /** The entry while it is alive. */
  alive(key: string, now: number): Seen<T> | undefined {
    const seen = this.#entries.get(key);
    return seen && now - seen.seenAt < this.#ttlMs ? seen : undefined;
  }

  /** The entry, alive or not: a dead lease is taken over by compare-and-set on its revision. */
  get(key: string): Seen<T> | undefined {
    return this.#entries.get(key);
  }

  /** Every live entry. */
  *living(now: number): Generator<[string, Seen<T>]> {
    for (const [key, seen] of this.#entries) if (now - seen.seenAt < this.#ttlMs) yield [key, seen];
  }
}
