import type { ExchangeOrderState, ExecutionReport } from '../../actors/trading/exchange-protocol.js';

/**
 * What the paper exchange reported of its latest orders, so that a trader restarted without its
 * state can reconcile: the fills it missed and how each order ended. Bounded to the last `capacity`
 * orders. Kept out of the exchange's snapshot (it would be copied at every batch), so an exchange
 * restart forgets it; the orders still resting are known from the book.
 */
export class OrderLog {
  readonly #capacity: number;
  readonly #orders = new Map<string, ExchangeOrderState>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  record(report: ExecutionReport): void {
    let state = this.#orders.get(report.clientOrderId);
    if (!state) {
      if (report.kind === 'duplicate') return;
      state = { clientOrderId: report.clientOrderId, known: true, status: 'open', fills: [] };
      this.#orders.set(report.clientOrderId, state);
      if (this.#orders.size > this.#capacity) this.#orders.delete(this.#orders.keys().next().value!);
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
