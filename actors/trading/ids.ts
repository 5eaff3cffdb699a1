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

/** The order a trader books an exchange's liquidation as: named after the liquidation's trade. */
export function liquidationOrderId(tradeId: string): string {
  return `liquidation-${tradeId}`;
}

/** A 53-bit number key for a string id, for compact sets of seen ids. */
export function idKey(id: string): number {
  const [a, b] = hash64(id);
  return a * 2 ** 21 + (b >>> 11);
}

/**
 * The last `capacity` ids seen (up to one segment more), for dropping duplicates. Keys are kept in
 * segments of shared memory: a full segment is sealed and never written again, so a snapshot shares
 * the sealed ones (a structured clone passes shared memory by reference) and copies only the open one,
 * at most `segment` keys. A snapshot per committed batch would otherwise copy the whole window each
 * time. The lookup Set is rebuilt on restore. False positives need two different ids with the same
 * 53-bit key inside the window: about capacity / 2^53 per id (4e-12 at 32,768).
 */
export class SeenIds {
  readonly #segment: number;
  readonly #maxSealed: number;
  readonly #set = new Set<number>();
  /** Oldest first. */
  readonly #sealed: Float64Array[] = [];
  #open: Float64Array;
  #fill = 0;

  constructor(capacity: number, snapshot?: SeenIdsSnapshot) {
    this.#segment = Math.max(1, Math.min(1_024, Math.ceil(capacity / 16)));
    this.#maxSealed = Math.ceil(capacity / this.#segment);
    this.#open = this.#newSegment();
    if (!snapshot) return;
    // Oldest first, so that with a smaller capacity the newest ids survive.
    for (const segment of [...snapshot.sealed, snapshot.open]) for (const key of segment) this.add(key);
  }

  has(key: number): boolean {
    return this.#set.has(key);
  }

  /** Remembers `key`, forgetting the oldest segment when the window is full. */
  add(key: number): void {
    this.#set.add(key);
    this.#open[this.#fill++] = key;
    if (this.#fill < this.#segment) return;
    this.#sealed.push(this.#open);
    this.#open = this.#newSegment();
    this.#fill = 0;
    if (this.#sealed.length > this.#maxSealed) for (const old of this.#sealed.shift()!) this.#set.delete(old);
  }

  snapshot(): SeenIdsSnapshot {
    return { sealed: [...this.#sealed], open: this.#open.slice(0, this.#fill) };
  }

  #newSegment(): Float64Array {
    return new Float64Array(new SharedArrayBuffer(this.#segment * Float64Array.BYTES_PER_ELEMENT));
  }
}

export interface SeenIdsSnapshot {
  /** Full segments, oldest first: shared memory, never written after sealing. */
  sealed: Float64Array[];
  open: Float64Array;
}
