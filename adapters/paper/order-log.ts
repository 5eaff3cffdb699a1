import type { ExchangeOrderState, ExecutionReport } from '../../actors/trading/exchange-protocol.js';

/**
 * What the paper exchange reported of its latest orders, so that a trader restarted without its
 * state can reconcile: the fills it missed and how each order ended. Bounded to the last `capacity`
 * orders. Kept out of the exchange's snapshot (it would be copied at every batch), so an exchange
 * restart forgets it; the orders still resting are known from the book.
 */
export class OrderLog {
  readonly #orders = new Map<string, ExchangeOrderState>();
  /**
   * The ids in the order they came, in a ring: the oldest is the one to forget. Not the Map's own order
   * (`keys().next()`): V8 walks past every deleted entry to find the first live one, which made each
   * order past a full log cost about 20 µs.
   */
  readonly #ring: (string | undefined)[];
  #next = 0;

  constructor(capacity: number) {
    this.#ring = new Array<string | undefined>(capacity);
  }

  record(report: ExecutionReport): void {
    let state = this.#orders.get(report.clientOrderId);
    if (!state) {
      // Neither reached the book: a duplicate was refused for an order known already, a fenced order never left the node.
      if (report.kind === 'duplicate' || report.kind === 'fenced') return;
      state = { clientOrderId: report.clientOrderId, known: true, status: 'open', fills: [] };
      this.#orders.set(report.clientOrderId, state);
      const oldest = this.#ring[this.#next];
      if (oldest !== undefined) this.#orders.delete(oldest);
      this.#ring[this.#next] = report.clientOrderId;
      this.#next = (this.#next + 1) % this.#ring.length;
    }
    if (report.exchangeOrderId !== undefined) state.exchangeOrderId = report.exchangeOrderId;
    if (report.kind === 'fill' && report.fill) state.fills.push(report.fill);
    else if (report.kind === 'cancelled' || report.kind === 'rejected' || report.kind === 'expired') {
      state.status = report.kind;
      if (report.reason !== undefined) state.reason = report.reason;
    }
  }

  get(clientOrderId: string): ExchangeOrderState | undefined {
    return this.#orders.get(clientOrderId);
  }
}
