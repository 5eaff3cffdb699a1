/**
 * Deterministic identities. A client order id is a pure function of (trader id, signal id): a signal
 * delivered again, by a retrying sender or after a crash, maps to the same id, and the exchange's
 * own duplicate check refuses the second order.
 */

/** Two 32-bit lanes of cyrb53 (public domain): fast, well mixed, not cryptographic (nothing here is secret). */
function hash64(text: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

/**
 * `v3` + 16 hex digits: 18 alphanumeric characters, inside every supported exchange's limit (OKX
 * allows 32 alphanumerics, Binance and Bybit 36) and their character sets.
 */
export function clientOrderId(traderId: string, signalId: string): string {
  const [a, b] = hash64(`${traderId}\u0000${signalId}`);
  return `v3${hex8(a)}${hex8(b)}`;
}

/** A 53-bit number key for a string id, for compact sets of seen ids. */
export function idKey(id: string): number {
  const [a, b] = hash64(id);
  return a * 2 ** 21 + (b >>> 11);
}

/**
 * The last `capacity` ids seen, for dropping duplicates. The keys live in a Float64Array ring so that
 * a snapshot is one memcpy, not a clone of thousands of strings; the lookup Set is rebuilt on restore.
 * False positives need two different ids with the same 53-bit key inside the window: about
 * capacity / 2^53 per id (4e-12 at 32,768).
 */
export class SeenIds {
  readonly #ring: Float64Array;
  readonly #set = new Set<number>();
  #head = 0;
  #size = 0;

  constructor(capacity: number, snapshot?: SeenIdsSnapshot) {
    this.#ring = new Float64Array(capacity);
    if (!snapshot) return;
    const keep = Math.min(snapshot.size, capacity);
    // Restore oldest first, so the newest ids survive a smaller capacity.
    for (let i = snapshot.size - keep; i < snapshot.size; i++) {
      this.add(snapshot.ring[(snapshot.head - snapshot.size + i + snapshot.ring.length * 2) % snapshot.ring.length]!);
    }
  }

  has(key: number): boolean {
    return this.#set.has(key);
  }

  /** Remembers `key`, forgetting the oldest when full. */
  add(key: number): void {
    if (this.#size === this.#ring.length) this.#set.delete(this.#ring[this.#head]!);
    else this.#size++;
    this.#ring[this.#head] = key;
    this.#head = (this.#head + 1) % this.#ring.length;
    this.#set.add(key);
  }

  snapshot(): SeenIdsSnapshot {
    return { ring: this.#ring, head: this.#head, size: this.#size };
  }
}

export interface SeenIdsSnapshot {
  ring: Float64Array;
  head: number;
  size: number;
}
