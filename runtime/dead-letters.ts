import { Deque } from './deque.js';
import type { Address } from './message.js';

export const DEAD_LETTER_KINDS = ['poison', 'invalid', 'unknown_address', 'actor_stopped', 'not_cloneable'] as const;
export type DeadLetterKind = (typeof DEAD_LETTER_KINDS)[number];

export interface DeadLetter {
  address: Address;
  kind: DeadLetterKind;
  reason: string;
  message: unknown;
  seq?: number;
  attempts?: number;
  at: string;
}

/**
 * Messages that could not be delivered, with why. Bounded: past `capacity` the oldest entries go,
 * but the counts per kind keep every one.
 */
export class DeadLetters {
  readonly capacity: number;
  readonly counts = Object.fromEntries(DEAD_LETTER_KINDS.map((kind) => [kind, 0])) as Record<DeadLetterKind, number>;
  #entries = new Deque<DeadLetter>();

  constructor(capacity = 10_000) {
    this.capacity = capacity;
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  add(entry: Omit<DeadLetter, 'at'>): DeadLetter {
    const letter = { ...entry, at: new Date().toISOString() };
    this.counts[entry.kind]++;
    this.#entries.push(letter);
    if (this.#entries.length > this.capacity) this.#entries.shift();
    return letter;
  }

  /** Newest first, optionally for one address. */
  list(options: { address?: Address; limit?: number } = {}): DeadLetter[] {
    const out: DeadLetter[] = [];
    const limit = options.limit ?? 100;
    for (let i = this.#entries.length - 1; i >= 0 && out.length < limit; i--) {
      const letter = this.#entries.at(i)!;
      if (!options.address || letter.address === options.address) out.push(letter);
    }
    return out;
  }
}

