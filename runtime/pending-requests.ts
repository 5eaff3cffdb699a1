import { RuntimeError, fromErrorInfo, type ErrorInfo } from './errors.js';
import type { Address, Message } from './message.js';

export type Reply = { ok: true; value: Message } | { ok: false; error: ErrorInfo };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Requests waiting for their reply, by correlation id, each with its timeout. */
export class PendingRequests {
  readonly #pending = new Map<number, Pending>();
  #nextCid = 1;

  /**
   * Opens a request and calls `dispatch(cid)` to send it. Resolves with the reply's value; rejects with
   * the reply's error, `ERR_REQUEST_TIMEOUT`, or whatever `dispatch` throws.
   */
  open<R>(to: Address, message: Message, timeoutMs: number, dispatch: (cid: number) => void): Promise<R> {
    const cid = this.#nextCid++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(cid);
        reject(new RuntimeError('ERR_REQUEST_TIMEOUT', `request "${String(message?.type)}" to ${to} got no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(cid, { resolve: resolve as (value: unknown) => void, reject, timer });
      try {
        dispatch(cid);
      } catch (error) {
        this.#take(cid);
        reject(error);
      }
    });
  }

  /** Settles the request `cid`; a reply for an unknown or timed-out request is ignored. */
  settle(cid: number, reply: Reply): void {
    const pending = this.#take(cid);
    if (!pending) return;
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(fromErrorInfo(reply.error));
  }

  rejectAll(error: Error): void {
    for (const cid of [...this.#pending.keys()]) this.#take(cid)!.reject(error);
  }

  #take(cid: number): Pending | undefined {
    const pending = this.#pending.get(cid);
    if (!pending) return undefined;
    this.#pending.delete(cid);
    clearTimeout(pending.timer);
    return pending;
  }
}
