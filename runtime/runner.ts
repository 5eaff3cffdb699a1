import type { Actor, ActorContext, ActorDefinition, Delivery, RequestOptions, TimerOptions } from './actor.js';
import { RuntimeError, toErrorInfo } from './errors.js';
import { PendingRequests, type Reply } from './pending-requests.js';
import { Deque } from './deque.js';
import { assertPlainData, type Address, type Message } from './message.js';
import type { Batch, Outgoing, RunnerToHost } from './protocol.js';
import { decodeSnapshot, encodeSnapshot, printOf, samePrint, type Snapshot, type SnapshotPrint } from './snapshot.js';

type Item = Batch | { t: 'timer'; message: Message };

const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/**
 * Runs one incarnation of an actor: processes batches in order, collects its effects and commits them
 * with the acknowledgement, so effects leave the actor only for messages it finished. The same code runs
 * in a worker and in the main thread; `emit` is the way back to the host.
 */
export class ActorRunner {
  readonly #actor: Actor;
  readonly #ctx: ActorContext;
  readonly #emit: (event: RunnerToHost) => void;
  readonly #markInHand: (seq: number) => void;
  readonly #queue = new Deque<Item>();
  #outbox: Outgoing[] = [];
  #outboxHasRequest = false;
  /** Inside an awaited `receive`: a request made now must leave at once. */
  #awaiting = false;
  /** The message in hand (seq 0: none). Plain fields: most actors never read `ctx.delivery`, so no object per message. */
  #seq = 0;
  #attempt = 1;
  #from: Address | undefined;
  #cid: number | undefined;
  #lastSeq = 0;
  /** What the host last got: the snapshot it holds and the sequence number it acknowledged, so a commit that says nothing new is not sent. */
  #sentSnapshot: SnapshotPrint | undefined;
  #sentSeq = 0;
  /** Messages held unacknowledged (`ctx.hold()`), by sequence number, in the order they came. */
  readonly #held = new Set<number>();
  #releaseQueued = false;
  #running = false;
  #dead = false;
  #stopRequested: 'normal' | 'host' | undefined;
  readonly #requests = new PendingRequests();
  readonly #timers = new Map<string, NodeJS.Timeout>();

  constructor(options: {
    definition: ActorDefinition;
    address: Address;
    args: unknown;
    emit: (event: RunnerToHost) => void;
    markInHand: (seq: number) => void;
  }) {
    this.#actor = options.definition.create();
    this.#emit = options.emit;
    this.#markInHand = options.markInHand;
    this.#ctx = this.#makeContext(options.address, options.args);
  }

  /** Initializes the actor from its last snapshot and reports `ready`, or `crash` if `init` fails. */
  async start(snapshot: Snapshot | undefined): Promise<void> {
    this.#sentSnapshot = snapshot && printOf(snapshot);
    const state = snapshot === undefined ? undefined : decodeSnapshot(snapshot);
    if (!(await this.#lifecycle(() => this.#actor.init?.(this.#ctx, state)))) return;
    this.#emit({ t: 'ready' });
    this.#pump();
  }

  /** Runs `init` or `stop` like a message: what it sends leaves at its commit. False when it threw (the actor crashed). */
  async #lifecycle(hook: () => void | Promise<void>): Promise<boolean> {
    this.#running = true;
    try {
      const result = hook();
      if (isThenable(result)) await this.#awaitReceive(result);
      this.#commit();
      return true;
    } catch (error) {
      this.#crash(error);
      return false;
    } finally {
      this.#running = false;
    }
  }

  deliver(batch: Batch): void {
    if (this.#dead) return;
    this.#queue.push(batch);
    this.#pump();
  }

  resolveRequest(cid: number, reply: Reply): void {
    this.#requests.settle(cid, reply);
  }

  /** Host-requested stop: finishes what was delivered, commits, then reports `stopped`. */
  stop(): void {
    if (this.#dead) return;
    this.#stopRequested ??= 'host';
    this.#pump();
  }

  #pump(): void {
    if (!this.#running) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      let item: Item | undefined;
      while (this.#canProcess() && (item = this.#queue.shift()) !== undefined) {
        if (item.t === 'timer') {
          this.#seq = 0;
          const result = this.#actor.receive(item.message, this.#ctx);
          if (isThenable(result)) await this.#awaitReceive(result);
          this.#commit();
          continue;
        }
        const { seq: first, seqs, msgs, attempts, requests } = item;
        let r = 0;
        for (let i = 0; i < msgs.length && this.#canProcess(); i++) {
          const seq = seqs ? seqs[i]! : first + i;
          this.#markInHand(seq);
          this.#seq = seq;
          this.#attempt = attempts ? attempts[i]! : 1;
          if (requests && r < requests.length && requests[r]![0] === i) {
            [, this.#from, this.#cid] = requests[r++]!;
          } else {
            this.#from = undefined;
            this.#cid = undefined;
          }
          const result = this.#actor.receive(msgs[i]!, this.#ctx);
          if (isThenable(result)) await this.#awaitReceive(result);
          this.#lastSeq = seq;
        }
        this.#seq = 0;
        this.#markInHand(0);
        this.#commit();
      }
    } catch (error) {
      this.#crash(error);
      return;
    } finally {
      this.#running = false;
    }
    if (this.#stopRequested && !this.#dead && (this.#stopRequested === 'normal' || this.#queue.length === 0)) {
      await this.#finish(this.#stopRequested === 'normal');
    }
  }

  /** False once the actor died or stopped itself: the rest of its queue stays unacknowledged. */
  #canProcess(): boolean {
    return !this.#dead && this.#stopRequested !== 'normal';
  }

  /**
   * An async `init` or `receive` may wait on a request's reply, so a request must leave now (with the sends queued
   * before it, to keep order) rather than at the commit. Only then do effects leave ahead of their
   * acknowledgement, and a crash before it would repeat them: the at-least-once case actors handle with
   * `delivery.seq` as idempotence key. A `receive` that awaits no request keeps exactly-once effects.
   */
  async #awaitReceive(result: PromiseLike<void>): Promise<void> {
    if (this.#outboxHasRequest) this.#flush(0, false);
    this.#awaiting = true;
    try {
      await result;
    } finally {
      this.#awaiting = false;
    }
  }

  #commit(): void {
    if (this.#dead) return;
    this.#flush(this.#acknowledgeable(), true);
  }

  /** A release while idle commits on its own, once for all made in this turn; while busy, the next commit carries it. */
  #commitReleased(): void {
    if (this.#releaseQueued) return;
    this.#releaseQueued = true;
    queueMicrotask(() => {
      this.#releaseQueued = false;
      if (!this.#running) this.#commit();
    });
  }

  /** The last processed message, or the one before the oldest still held. */
  #acknowledgeable(): number {
    for (const seq of this.#held) return seq - 1;
    return this.#lastSeq;
  }

  /**
   * Sends the outbox; with `withSnapshot`, also the state it goes with when it changed. An early flush
   * mid-message sends none: that state is half-way through a message and must never be restored. A
   * commit with no effects, nothing new to acknowledge and the same state is not sent at all: an idle
   * actor's timers cost the supervisor nothing.
   */
  #flush(seq: number, withSnapshot: boolean): void {
    const out = this.#outbox;
    this.#outbox = [];
    this.#outboxHasRequest = false;
    const snapshot = withSnapshot ? this.#changedSnapshot() : undefined;
    if (out.length === 0 && seq <= this.#sentSeq && snapshot === undefined) return;
    if (seq > this.#sentSeq) this.#sentSeq = seq;
    this.#emit(snapshot === undefined ? { t: 'commit', seq, out } : { t: 'commit', seq, out, snapshot });
  }

  /** The actor's state, serialized, unless it is what the host already holds. */
  #changedSnapshot(): Snapshot | undefined {
    if (!this.#actor.snapshot) return undefined;
    const snapshot = encodeSnapshot(this.#actor.snapshot());
    if (this.#sentSnapshot !== undefined && samePrint(snapshot, this.#sentSnapshot)) return undefined;
    this.#sentSnapshot = printOf(snapshot);
    return snapshot;
  }

  async #finish(normal: boolean): Promise<void> {
    const stop = this.#actor.stop;
    if (stop && !(await this.#lifecycle(() => stop.call(this.#actor, this.#ctx)))) return;
    const snapshot = this.#changedSnapshot();
    this.#die();
    this.#emit(snapshot === undefined ? { t: 'stopped', normal } : { t: 'stopped', normal, snapshot });
  }

  #crash(error: unknown): void {
    // A dead incarnation's leftover promises may still reject; only its first failure counts.
    if (this.#dead) return;
    const seq = this.#seq;
    this.#die();
    this.#emit({ t: 'crash', seq, error: toErrorInfo(error) });
  }

  /** Effects of unacknowledged messages are discarded: they will be produced again on redelivery. */
  #die(): void {
    this.#dead = true;
    this.#outbox = [];
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#requests.rejectAll(new RuntimeError('ERR_ACTOR_STOPPED', 'the requesting actor stopped'));
  }

  #makeContext(self: Address, args: unknown): ActorContext {
    const runner = this;
    const outbox = (entry: Outgoing) => {
      if (runner.#dead) return;
      assertPlainData(entry.message);
      runner.#outbox.push(entry);
      if (entry.k !== 'request') return;
      runner.#outboxHasRequest = true;
      if (runner.#awaiting) runner.#flush(0, false);
    };
    return {
      self,
      args,
      get delivery(): Delivery | undefined {
        if (runner.#seq === 0) return undefined;
        const delivery = { seq: runner.#seq, attempt: runner.#attempt };
        return runner.#from === undefined ? delivery : { ...delivery, from: runner.#from };
      },
      send(to: Address, message: Message) {
        outbox({ k: 'send', to, message });
      },
      request<R>(to: Address, message: Message, options?: RequestOptions): Promise<R> {
        const timeoutMs = options?.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
        return runner.#requests.open<R>(to, message, timeoutMs, (cid) => outbox({ k: 'request', to, message, cid }));
      },
      reply(message: Message) {
        if (runner.#seq === 0 || runner.#from === undefined || runner.#cid === undefined) {
          throw new RuntimeError('ERR_INVALID_MESSAGE', `${self}: reply() called while not handling a request`);
        }
        outbox({ k: 'reply', to: runner.#from, message, cid: runner.#cid });
      },
      setTimer(key: string, delayMs: number, message: Message, options?: TimerOptions) {
        assertPlainData(message);
        this.cancelTimer(key);
        const fire = () => {
          if (!options?.repeat) runner.#timers.delete(key);
          runner.#queue.push({ t: 'timer', message });
          runner.#pump();
        };
        runner.#timers.set(key, options?.repeat ? setInterval(fire, delayMs) : setTimeout(fire, delayMs));
      },
      cancelTimer(key: string) {
        const timer = runner.#timers.get(key);
        if (timer) clearTimeout(timer);
        runner.#timers.delete(key);
      },
      hold() {
        const seq = runner.#seq;
        if (seq === 0) throw new RuntimeError('ERR_INVALID_MESSAGE', `${self}: hold() called while not handling a message`);
        if (runner.#actor.snapshot) throw new RuntimeError('ERR_INVALID_MESSAGE', `${self}: hold() is not for an actor with a snapshot`);
        runner.#held.add(seq);
        return () => {
          if (runner.#held.delete(seq)) runner.#commitReleased();
        };
      },
      stop() {
        runner.#stopRequested = 'normal';
      },
    };
  }
}

function isThenable(value: unknown): value is PromiseLike<void> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<void>).then === 'function';
}
