import type { Actor, ActorContext, ActorDefinition, Delivery, RequestOptions, TimerOptions } from './actor.js';
import { RuntimeError, toErrorInfo } from './errors.js';
import type { Gate } from './gate.js';
import { PendingRequests, type Reply } from './pending-requests.js';
import { Deque } from './deque.js';
import { deserialize } from 'node:v8';
import { postSegments, type LinkEnds } from './link-ends.js';
import { assertPlainData, validateMessage, type Address, type Message } from './message.js';
import type { Batch, Commit, LinkRejected, LinkSegment, LinkSkip, Outgoing, RunnerToHost } from './protocol.js';
import { decodeSnapshot, encodeSnapshot, printOf, samePrint, type Snapshot, type SnapshotPrint } from './snapshot.js';

type Item = Batch | { t: 'timer'; key: string; message: Message } | { t: 'segment'; segment: LinkSegment };

const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
const ALWAYS_OPEN = { open: () => true };
/** Most messages processed under one commit: a bound on the work a crash makes the actor repeat. */
const COMMIT_EVERY = 1_000;
/**
 * Longest a busy actor holds what it sent: its queue may never empty (an exchange whose polls wait on
 * a rate-limited venue longer than its timers' period), and its effects still leave this soon.
 */
const COMMIT_WITHIN_MS = 100;

/**
 * Runs one incarnation of an actor: processes batches in order, collects its effects and commits them
 * with the acknowledgement, so effects leave the actor only for messages it finished. The same code runs
 * in a worker and in the main thread; `emit` is the way back to the host.
 */
export class ActorRunner {
  readonly #actor: Actor;
  readonly #ctx: ActorContext;
  readonly #emit: (event: RunnerToHost) => void;
  readonly #markInHand: (seq: number, link: number) => void;
  readonly #gate: Pick<Gate, 'open'>;
  /** Where the batch at the front of the queue goes on: its messages before that were processed before the gate closed. */
  #resumeAt = 0;
  readonly #definition: ActorDefinition;
  readonly #address: Address;
  /** This thread's link ends; absent in the main thread. */
  readonly #links: LinkEnds | undefined;
  readonly #deliverSegment = (segment: LinkSegment): void => {
    this.#queue.push({ t: 'segment', segment });
    this.#pump();
  };
  /** Per inbound link: the last `lseq` processed, and segments that came ahead of a gap. */
  readonly #processed = new Map<number, number>();
  /** Links whose acknowledgement may have moved since the last commit: an exchange linked to a thousand traders looks at those only. */
  readonly #moved = new Set<number>();
  readonly #ahead = new Map<number, LinkSegment[]>();
  /** Link messages that crashed the actor `maxFailures` times (`link:lseq`): taken as processed, unread. */
  readonly #skip: Set<string>;
  #rejected: LinkRejected[] = [];
  readonly #queue = new Deque<Item>();
  #outbox: Outgoing[] = [];
  #outboxHasRequest = false;
  /** Inside an awaited `receive`: a request made now must leave at once. */
  #awaiting = false;
  /** The message in hand (seq 0: none) and the link it came by (0: the mailbox). Plain fields: most actors never read `ctx.delivery`, so no object per message. */
  #seq = 0;
  #link = 0;
  #attempt = 1;
  #from: Address | undefined;
  #cid: number | undefined;
  #lastSeq = 0;
  /** What the host last got: the snapshot it holds and the sequence number it acknowledged, so a commit that says nothing new is not sent. */
  #sentSnapshot: SnapshotPrint | undefined;
  #sentSeq = 0;
  /** Messages held unacknowledged (`ctx.hold()`), by source (0: the mailbox, else the link) and sequence number, in the order they came. */
  readonly #held = new Map<number, Set<number>>();
  #releaseQueued = false;
  #running = false;
  #pumpScheduled = false;
  /**
   * When the next drain may begin: no sooner after a commit than commits cost (`#commitCost`). An actor
   * with a large state (an exchange holding a thousand accounts) then spends at most about half its time
   * serializing it, however its messages trickle in, instead of once per message at a cost that grows
   * with its state.
   */
  #drainAfter = 0;
  /**
   * What a commit costs, after the cheapest recent one (rising at most a quarter a commit): a thread
   * preempted mid-commit (a thousand threads share two cores in a fleet) takes longer by the clock
   * without costing more, and waiting that long held an exchange's orders back for a second.
   */
  #commitCost = Infinity;
  readonly #scheduledDrain = (): void => {
    this.#pumpScheduled = false;
    if (!this.#running) void this.#drain();
  };
  #dead = false;
  #stopRequested: 'normal' | 'host' | undefined;
  readonly #requests = new PendingRequests();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Timers fired and not yet handled: a repeating one does not queue again meanwhile, so a slow actor's timers do not pile up. */
  readonly #timersQueued = new Set<string>();
  /**
   * Keys of repeating timers. Their ticks are periodic looks (a poll), not work delivered: a stop does
   * not wait for them, or a busy actor whose ticks come faster than it handles them would never stop.
   */
  readonly #repeating = new Set<string>();

  constructor(options: {
    definition: ActorDefinition;
    address: Address;
    args: unknown;
    emit: (event: RunnerToHost) => void;
    markInHand: (seq: number, link: number) => void;
    /** Absent: always open. */
    gate?: Pick<Gate, 'open'>;
    links?: LinkEnds;
    skip?: readonly LinkSkip[];
  }) {
    this.#actor = options.definition.create();
    this.#definition = options.definition;
    this.#address = options.address;
    this.#emit = options.emit;
    this.#markInHand = options.markInHand;
    this.#gate = options.gate ?? ALWAYS_OPEN;
    this.#links = options.links;
    this.#skip = new Set((options.skip ?? []).map(({ link, lseq }) => `${link}:${lseq}`));
    this.#ctx = this.#makeContext(options.address, options.args);
  }

  /** Initializes the actor from its last snapshot and reports `ready`, or `crash` if `init` fails. */
  async start(snapshot: Snapshot | undefined): Promise<void> {
    this.#sentSnapshot = snapshot && printOf(snapshot);
    const state = snapshot === undefined ? undefined : decodeSnapshot(snapshot);
    if (!(await this.#lifecycle(() => this.#actor.init?.(this.#ctx, state)))) return;
    this.#emit({ t: 'ready' });
    // What came by link and was not acknowledged, a dead incarnation's included, then what comes.
    for (const segment of this.#links?.attach(this.#deliverSegment) ?? []) this.#queue.push({ t: 'segment', segment });
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

  /** The gate opened again: what waited behind it is processed. */
  nudge(): void {
    if (!this.#dead) this.#pump();
  }

  /** Host-requested stop: finishes what was delivered (unless its gate is closed), commits, then reports `stopped`. */
  stop(): void {
    if (this.#dead) return;
    this.#stopRequested ??= 'host';
    this.#pump();
  }

  /**
   * Drains on the next turn rather than now: what arrives in one turn (a port delivers everything queued
   * on it at once) is then processed under one commit, one snapshot, instead of one each.
   */
  #pump(): void {
    if (this.#running || this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    const wait = this.#drainAfter - performance.now();
    if (wait >= 1) setTimeout(this.#scheduledDrain, wait);
    else setImmediate(this.#scheduledDrain);
  }

  /** Processes the queue, committing when it is empty and at least every `COMMIT_EVERY` messages. */
  async #drain(): Promise<void> {
    this.#running = true;
    try {
      let item: Item | undefined;
      let uncommitted = 0;
      let since = performance.now();
      while (this.#canProcess() && !this.#onlyTicksLeftAtStop() && (item = this.#queue.shift()) !== undefined) {
        uncommitted += item.t === 'segment' ? await this.#segment(item.segment) : item.t === 'timer' ? await this.#timer(item) : await this.#batch(item);
        if (uncommitted >= COMMIT_EVERY || (uncommitted > 0 && (this.#queue.length === 0 || performance.now() - since >= COMMIT_WITHIN_MS))) {
          this.#commit();
          uncommitted = 0;
          since = performance.now();
        }
      }
      if (uncommitted > 0) this.#commit();
    } catch (error) {
      this.#crash(error);
      return;
    } finally {
      this.#running = false;
    }
    while (this.#onlyTicksLeftAtStop()) this.#queue.shift();
    // Behind a closed gate, a stop does not wait for what is queued, nor run the actor's stop hook: the actor does nothing more.
    const gated = !this.#gate.open();
    if (this.#stopRequested && !this.#dead && (this.#stopRequested === 'normal' || this.#queue.length === 0 || gated)) {
      await this.#finish(this.#stopRequested === 'normal', !gated);
    }
  }

  /** A stop was asked for, and all that is left are ticks of repeating timers. */
  #onlyTicksLeftAtStop(): boolean {
    if (this.#stopRequested !== 'host' || this.#queue.length === 0) return false;
    for (let i = 0; i < this.#queue.length; i++) {
      const item = this.#queue.at(i)!;
      if (item.t !== 'timer' || !this.#repeating.has(item.key)) return false;
    }
    return true;
  }

  async #timer({ key, message }: { key: string; message: Message }): Promise<number> {
    this.#timersQueued.delete(key);
    this.#seq = 0;
    this.#link = 0;
    const result = this.#actor.receive(message, this.#ctx);
    if (isThenable(result)) await this.#awaitReceive(result);
    return 1;
  }

  async #batch(batch: Batch): Promise<number> {
    const { seq: first, seqs, msgs, attempts, requests } = batch;
    const start = this.#resumeAt;
    this.#resumeAt = 0;
    let r = 0;
    if (requests) while (r < requests.length && requests[r]![0] < start) r++;
    let i = start;
    for (; i < msgs.length && this.#canProcess(); i++) {
      const seq = seqs ? seqs[i]! : first + i;
      this.#markInHand(seq, 0);
      this.#seq = seq;
      this.#link = 0;
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
    this.#markInHand(0, 0);
    if (i < msgs.length && !this.#stoppedForGood()) {
      // The gate closed: the rest of the batch waits at the front of the queue.
      this.#resumeAt = i;
      this.#queue.unshift(batch);
    }
    return i - start;
  }

  /**
   * A segment from a link: the messages not processed yet, in order, checked against the actor's schema
   * here (the main thread never saw them). A segment past a gap waits for the gap to fill (a re-sent
   * segment and a live one can arrive in either order), and each one processed may let a waiting one go.
   */
  async #segment(segment: LinkSegment): Promise<number> {
    const { id } = segment;
    const end = this.#links?.inbound(id);
    if (!end) return 0;
    let processed = this.#processed.get(id) ?? end.acked;
    if (segment.first > processed + 1) {
      const ahead = this.#ahead.get(id) ?? [];
      ahead.push(segment);
      this.#ahead.set(id, ahead);
      return 0;
    }
    let count = 0;
    if (segment.first + segment.n - 1 > processed) {
      const messages = deserialize(segment.bytes) as unknown[];
      let i = processed + 1 - segment.first;
      for (; i < segment.n && this.#canProcess(); i++) {
        const lseq = segment.first + i;
        if (!this.#skip.delete(`${id}:${lseq}`)) await this.#receiveLinked(id, lseq, messages[i]);
        processed = lseq;
        this.#processed.set(id, lseq);
        this.#moved.add(id);
        count++;
      }
      this.#seq = 0;
      this.#link = 0;
      this.#markInHand(0, 0);
      if (i < segment.n && !this.#stoppedForGood()) {
        // The gate closed: the segment waits at the front of the queue, and passes over what was processed.
        this.#queue.unshift({ t: 'segment', segment });
        return count;
      }
    }
    const ahead = this.#ahead.get(id);
    const next = ahead?.findIndex((waiting) => waiting.first <= processed + 1) ?? -1;
    return next >= 0 ? count + (await this.#segment(ahead!.splice(next, 1)[0]!)) : count;
  }

  async #receiveLinked(link: number, lseq: number, message: unknown): Promise<void> {
    let valid: Message;
    try {
      valid = validateMessage(message, this.#address, this.#definition.messages, false);
    } catch (error) {
      this.#rejected.push({ link, lseq, message, reason: toErrorInfo(error).message });
      return;
    }
    this.#markInHand(lseq, link);
    this.#seq = lseq;
    this.#link = link;
    this.#from = undefined;
    this.#cid = undefined;
    const result = this.#actor.receive(valid, this.#ctx);
    if (isThenable(result)) await this.#awaitReceive(result);
  }

  /** False once the actor died or stopped itself (the rest of its queue stays unacknowledged), or while its gate is closed (the rest waits). */
  #canProcess(): boolean {
    return !this.#stoppedForGood() && this.#gate.open();
  }

  #stoppedForGood(): boolean {
    return this.#dead || this.#stopRequested === 'normal';
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
    const started = performance.now();
    this.#flush(this.#acknowledgeable(0, this.#lastSeq), true);
    const ended = performance.now();
    this.#commitCost = Math.min(ended - started, this.#commitCost * 1.25);
    this.#drainAfter = ended + this.#commitCost;
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

  /** Of a source (0: the mailbox, else a link): the last processed message, or the one before the oldest still held. */
  #acknowledgeable(source: number, processed: number): number {
    const held = this.#held.get(source);
    if (held) for (const seq of held) return seq - 1;
    return processed;
  }

  /** Per inbound link, what can be acknowledged now and was not yet. */
  #linkAcks(): [number, number][] | undefined {
    let acks: [number, number][] | undefined;
    for (const id of this.#moved) {
      const ack = this.#acknowledgeable(id, this.#processed.get(id)!);
      if (ack > (this.#links!.inbound(id)?.acked ?? ack)) (acks ??= []).push([id, ack]);
    }
    this.#moved.clear();
    return acks;
  }

  /**
   * Sends the outbox; with `withSnapshot`, also the state it goes with when it changed. An early flush
   * mid-message sends none: that state is half-way through a message and must never be restored. A
   * commit with no effects, nothing new to acknowledge and the same state is not sent at all: an idle
   * actor's timers cost the supervisor nothing.
   */
  #flush(seq: number, withSnapshot: boolean): void {
    const outbox = this.#outbox;
    this.#outbox = [];
    this.#outboxHasRequest = false;
    const { direct: out, segments, posts } = this.#links?.hasOut && outbox.length > 0 ? this.#links.split(outbox) : { direct: outbox, segments: [], posts: [] };
    const snapshot = withSnapshot ? this.#changedSnapshot() : undefined;
    const acks = withSnapshot ? this.#linkAcks() : undefined;
    const rejected = this.#rejected;
    if (out.length === 0 && segments.length === 0 && seq <= this.#sentSeq && snapshot === undefined && acks === undefined && rejected.length === 0) return;
    if (seq > this.#sentSeq) this.#sentSeq = seq;
    const commit: Commit = { t: 'commit', seq, out };
    if (snapshot !== undefined) commit.snapshot = snapshot;
    if (segments.length > 0) commit.segments = segments;
    if (acks) commit.acks = acks;
    if (rejected.length > 0) {
      commit.rejected = rejected;
      this.#rejected = [];
    }
    this.#emit(commit);
    if (acks) this.#links!.acknowledge(acks);
    postSegments(posts);
  }

  /** The actor's state, serialized, unless it is what the host already holds. */
  #changedSnapshot(): Snapshot | undefined {
    if (!this.#actor.snapshot) return undefined;
    const snapshot = encodeSnapshot(this.#actor.snapshot());
    if (this.#sentSnapshot !== undefined && samePrint(snapshot, this.#sentSnapshot)) return undefined;
    this.#sentSnapshot = printOf(snapshot);
    return snapshot;
  }

  async #finish(normal: boolean, hook = true): Promise<void> {
    const stop = hook ? this.#actor.stop : undefined;
    if (stop && !(await this.#lifecycle(() => stop.call(this.#actor, this.#ctx)))) return;
    const snapshot = this.#changedSnapshot();
    this.#die();
    this.#emit(snapshot === undefined ? { t: 'stopped', normal } : { t: 'stopped', normal, snapshot });
  }

  #crash(error: unknown): void {
    // A dead incarnation's leftover promises may still reject; only its first failure counts.
    if (this.#dead) return;
    const seq = this.#seq;
    const link = this.#link;
    this.#die();
    this.#emit(link === 0 ? { t: 'crash', seq, error: toErrorInfo(error) } : { t: 'crash', seq, link, error: toErrorInfo(error) });
  }

  /** Effects of unacknowledged messages are discarded: they will be produced again on redelivery. */
  #die(): void {
    this.#dead = true;
    this.#outbox = [];
    this.#links?.detach(this.#deliverSegment);
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
        if (runner.#link !== 0) return { seq: runner.#seq, attempt: 1, link: runner.#link };
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
          else if (runner.#timersQueued.has(key)) return;
          runner.#timersQueued.add(key);
          runner.#queue.push({ t: 'timer', key, message });
          runner.#pump();
        };
        runner.#timers.set(key, options?.repeat ? setInterval(fire, delayMs) : setTimeout(fire, delayMs));
        if (options?.repeat) runner.#repeating.add(key);
      },
      cancelTimer(key: string) {
        const timer = runner.#timers.get(key);
        if (timer) clearTimeout(timer);
        runner.#timers.delete(key);
        runner.#repeating.delete(key);
      },
      hold() {
        const seq = runner.#seq;
        const source = runner.#link;
        if (seq === 0) throw new RuntimeError('ERR_INVALID_MESSAGE', `${self}: hold() called while not handling a message`);
        if (runner.#actor.snapshot) throw new RuntimeError('ERR_INVALID_MESSAGE', `${self}: hold() is not for an actor with a snapshot`);
        let held = runner.#held.get(source);
        if (!held) runner.#held.set(source, (held = new Set()));
        held.add(seq);
        return () => {
          if (!held.delete(seq)) return;
          if (held.size === 0) runner.#held.delete(source);
          if (source !== 0) runner.#moved.add(source);
          runner.#commitReleased();
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
