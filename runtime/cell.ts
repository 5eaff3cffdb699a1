import type { ActorDefinition } from './actor.js';
import type { ChildParent, ChildState, RestartType, SupervisedChild } from './child.js';
import type { DeadLetter } from './dead-letters.js';
import { toErrorInfo, type ErrorInfo } from './errors.js';
import type { SystemEvent } from './events.js';
import type { ActorHost, HostListener } from './host.js';
import { LocalHost } from './local-host.js';
import { Mailbox, type Envelope } from './mailbox.js';
import type { Reply } from './pending-requests.js';
import type { Address } from './message.js';
import { WINDOW_BATCHES, type ActorSpec } from './options.js';
import type { Link } from './links.js';
import type { Batch, LinkOpen, LinkRejected, LinkSegment, LinkSkip, Outgoing, RunnerToHost } from './protocol.js';
import { decodeSnapshot, type Snapshot } from './snapshot.js';
import type { SparePool, WorkerShape } from './spare-pool.js';
import { WorkerHost } from './worker-host.js';

/** What a cell needs from the system around it. */
export interface CellEnvironment {
  route(from: ActorCell, out: Outgoing): void;
  schedule(cell: ActorCell): void;
  deadLetter(letter: Omit<DeadLetter, 'at'>, request?: { from?: Address; cid?: number }): void;
  emit(event: SystemEvent): void;
  onDrain(cell: ActorCell): void;
  /** Links: a segment committed, an acknowledgement, a message the receiver refused, one it crashed on. */
  linkSegment(from: ActorCell, segment: LinkSegment): void;
  linkAck(id: number, lseq: number): void;
  linkRejected(to: ActorCell, rejected: LinkRejected): void;
  linkPoison(to: ActorCell, id: number, lseq: number, error: ErrorInfo): void;
  /** The actor got a new thread: its links are opened there. */
  threadStarted(cell: ActorCell): void;
  readonly spares: SparePool | undefined;
}

export interface ActorStatus {
  address: Address;
  state: ChildState;
  placement: 'main' | 'worker';
  threadId?: number;
  incarnation: number;
  restarts: number;
  lastError?: ErrorInfo;
  mailbox: {
    size: number;
    /** Weight queued (`ActorDefinition.weight`), which `capacity` bounds. */
    load: number;
    pending: number;
    inflight: number;
    capacity: number;
    overflow: string;
    enqueued: number;
    acknowledged: number;
    acknowledgedLoad: number;
    dropped: number;
    rejected: number;
    redelivered: number;
    /** Messages sent to it on links and not acknowledged yet. */
    linked: number;
  };
}

/**
 * The supervisor-side half of an actor: its mailbox, its last snapshot and its current host. The cell
 * outlives every incarnation, which is why nothing is lost when a worker dies.
 */
export class ActorCell implements SupervisedChild, HostListener {
  readonly spec: ActorSpec;
  readonly address: Address;
  readonly definition: ActorDefinition;
  readonly mailbox: Mailbox;
  parent: ChildParent | undefined;
  state: ChildState = 'idle';
  incarnation = 0;
  restarts = 0;
  lastError: ErrorInfo | undefined;

  /** The thread it runs in, when it runs in a worker. */
  readonly workerShape: WorkerShape | undefined;
  readonly #env: CellEnvironment;
  readonly #host: ActorHost;
  readonly #window: number;
  /** The last committed state, as the actor's thread serialized it: decoded only to restart or inspect it. */
  #snapshot: Snapshot | undefined;
  /** Correlation ids of requests this incarnation sent: a reply to an older incarnation is dropped. */
  #requests = new Set<number>();
  /** Mailboxes over capacity that this actor sent to: it gets no new messages until they drain. */
  readonly blockers = new Set<ActorCell>();
  /** Its links, both ways (see `LinkSegment`). */
  readonly links = new Set<Link<ActorCell>>();
  #started: (() => void) | undefined;
  #stopped: (() => void) | undefined;
  #beat = { value: 0, at: 0 };

  constructor(spec: ActorSpec, moduleUrl: string, definition: ActorDefinition, env: CellEnvironment) {
    this.spec = spec;
    this.address = spec.id;
    this.definition = definition;
    this.#env = env;
    this.#window = spec.window ?? spec.batchSize * WINDOW_BATCHES;
    this.mailbox = new Mailbox({ ...spec.mailbox, onDrain: () => env.onDrain(this) });
    if (spec.placement === 'worker') {
      this.workerShape = { module: moduleUrl, ...(spec.resourceLimits ? { resourceLimits: spec.resourceLimits } : {}) };
      this.#host = new WorkerHost(
        { address: spec.id, ...this.workerShape, args: spec.args, heartbeatMs: spec.heartbeat.intervalMs, ...(env.spares ? { spares: env.spares } : {}) },
        this,
      );
    } else {
      this.#host = new LocalHost({ address: spec.id, definition, args: spec.args }, this);
    }
  }

  get id(): string {
    return this.address;
  }

  get restartType(): RestartType {
    return this.spec.restart;
  }

  get isStoppedForGood(): boolean {
    return this.state === 'stopped' || this.state === 'failed';
  }

  start(): Promise<void> {
    this.state = 'starting';
    this.incarnation++;
    this.#requests.clear();
    this.#beat = { value: 0, at: Date.now() };
    return new Promise<void>((resolve) => {
      this.#started = resolve;
      this.#host.start(this.#snapshot, this.#skips());
    });
  }

  /** Link messages it crashed on `maxFailures` times: its next incarnation passes over them. */
  #skips(): LinkSkip[] {
    const skips: LinkSkip[] = [];
    for (const link of this.links) if (link.to === this) for (const lseq of link.skip) skips.push({ link: link.id, lseq });
    return skips;
  }

  get hasThread(): boolean {
    return this.#host.hasThread;
  }

  openLink(link: LinkOpen): void {
    this.#host.openLink(link);
  }

  closeLink(id: number): void {
    this.#host.post({ t: 'unlink', id });
  }

  /** Sets its gate (see `Gate`): it outlives the thread, like the mailbox. */
  gate(until: number | undefined): void {
    this.#host.gate(until);
  }

  /** Hands a link's segment over through the host (the channel it went on was replaced). */
  resend(segment: LinkSegment): void {
    this.#host.post({ t: 'segment', segment });
  }

  /** Messages sent to it on links and not acknowledged. */
  get linkedLoad(): number {
    let load = 0;
    for (const link of this.links) if (link.to === this) load += link.load;
    return load;
  }

  async stop(): Promise<void> {
    if (this.state === 'running') {
      // What arrived after the system drained (sent from another actor's stop hook) is handed over
      // first: the runner finishes what it was given before it stops.
      this.dispatch();
      this.state = 'stopping';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.spec.shutdownTimeoutMs);
        this.#stopped = () => {
          clearTimeout(timer);
          resolve();
        };
        this.#host.post({ t: 'stop' });
      });
      this.#stopped = undefined;
    }
    this.state = 'stopping';
    await this.#host.terminate();
    this.mailbox.requeueInflight();
    this.state = 'stopped';
    this.#settleStart();
  }

  async fail(error: ErrorInfo): Promise<void> {
    await this.stop();
    this.state = 'failed';
    this.lastError = error;
  }

  /** Hands pending messages to the actor, a batch at a time, keeping at most `window` in flight. */
  dispatch(): void {
    if (this.state !== 'running' || this.blockers.size > 0) return;
    const mailbox = this.mailbox;
    while (mailbox.pendingCount > 0 && mailbox.inflightCount < this.#window && this.state === 'running') {
      const envelopes = mailbox.take(Math.min(this.spec.batchSize, this.#window - mailbox.inflightCount));
      try {
        this.#host.post(toBatch(envelopes));
      } catch (error) {
        if (this.#evictUncloneable(envelopes, error) === 0) {
          this.#crashed(toErrorInfo(error), 0, 0);
          return;
        }
      }
    }
  }

  /** A reply for this actor: handed over only if the current incarnation asked (its `init` may be waiting on it). */
  acceptReply(cid: number, reply: Reply): void {
    if (!this.#requests.delete(cid) || (this.state !== 'running' && this.state !== 'starting')) return;
    this.#host.post(reply.ok ? { t: 'reply', cid, ok: true, value: reply.value } : { t: 'reply', cid, ok: false, error: reply.error });
  }

  kill(): void {
    this.#host.kill({ name: 'RuntimeError', code: 'ERR_ACTOR_CRASHED', message: `${this.address} was killed` });
  }

  lastSnapshot(): unknown {
    return this.#snapshot === undefined ? undefined : decodeSnapshot(this.#snapshot);
  }

  /** Called periodically: a worker whose heartbeat stopped is hung and gets terminated. */
  checkHeartbeat(now: number): void {
    // While starting, the worker may still be importing its module: only the start timeout applies.
    if (this.state === 'starting') {
      const silentMs = now - this.#beat.at;
      if (silentMs > this.spec.startTimeoutMs) this.#hung(silentMs, `did not start within ${this.spec.startTimeoutMs} ms`);
      return;
    }
    if (this.state !== 'running') return;
    const beat = this.#host.heartbeat();
    if (beat === undefined) return;
    if (beat !== this.#beat.value) {
      this.#beat = { value: beat, at: now };
      return;
    }
    const silentMs = now - this.#beat.at;
    if (silentMs > this.spec.heartbeat.timeoutMs) this.#hung(silentMs, `missed its heartbeat for ${silentMs} ms`);
  }

  #hung(silentMs: number, what: string): void {
    this.#beat.at = Date.now();
    this.#env.emit({ type: 'actor_hung', address: this.address, silentMs });
    this.#host.kill({ name: 'RuntimeError', code: 'ERR_ACTOR_HUNG', message: `${this.address} ${what}` });
  }

  onEvent(event: RunnerToHost): void {
    switch (event.t) {
      case 'ready':
        if (this.state !== 'starting') return;
        this.state = 'running';
        this.#beat = { value: this.#host.heartbeat() ?? 0, at: Date.now() };
        this.#env.emit({ type: 'actor_started', address: this.address, incarnation: this.incarnation, ...(this.#host.threadId !== undefined ? { threadId: this.#host.threadId } : {}) });
        this.#settleStart();
        this.#env.schedule(this);
        return;
      case 'commit':
        if (event.snapshot) this.#snapshot = event.snapshot;
        for (const out of event.out) {
          if (out.k === 'request') this.#requests.add(out.cid);
          this.#env.route(this, out);
        }
        if (event.segments) for (const segment of event.segments) this.#env.linkSegment(this, segment);
        if (event.acks) for (const [id, lseq] of event.acks) this.#env.linkAck(id, lseq);
        if (event.rejected) for (const rejected of event.rejected) this.#env.linkRejected(this, rejected);
        if (event.seq > 0) this.mailbox.ack(event.seq);
        this.#env.schedule(this);
        return;
      case 'crash':
        this.#crashed(event.error, event.seq, event.link ?? 0);
        return;
      case 'stopped':
        if (event.snapshot) this.#snapshot = event.snapshot;
        if (this.#stopped) {
          this.#stopped();
          return;
        }
        this.state = 'stopped';
        this.mailbox.requeueInflight();
        void this.#host.terminate();
        this.parent?.childExited(this, { normal: true });
        return;
    }
  }

  onThreadExit(error: ErrorInfo, inHandSeq: number, inHandLink: number): void {
    this.#crashed(error, inHandSeq, inHandLink);
  }

  onThreadStarted(): void {
    this.#env.threadStarted(this);
  }

  status(): ActorStatus {
    const { mailbox } = this;
    return {
      address: this.address,
      state: this.state,
      placement: this.spec.placement,
      ...(this.#host.threadId !== undefined ? { threadId: this.#host.threadId } : {}),
      incarnation: this.incarnation,
      restarts: this.restarts,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      mailbox: {
        size: mailbox.size,
        load: mailbox.load,
        pending: mailbox.pendingCount,
        inflight: mailbox.inflightCount,
        capacity: mailbox.capacity,
        overflow: mailbox.overflow,
        ...mailbox.stats,
        linked: this.linkedLoad,
      },
    };
  }

  /**
   * The incarnation died. Its unacknowledged messages go back to the queue; the one in hand counts a
   * failure, and after `maxFailures` it goes to the dead letters so it cannot crash-loop the actor.
   */
  #crashed(error: ErrorInfo, inHandSeq: number, inHandLink: number): void {
    // Dying while being stopped ends the stop early; its unacknowledged messages are requeued by stop().
    if (this.state === 'stopping') this.#stopped?.();
    if (this.state !== 'running' && this.state !== 'starting') return;
    this.state = 'crashed';
    this.lastError = error;
    this.mailbox.requeueInflight();
    if (inHandLink > 0) this.#env.linkPoison(this, inHandLink, inHandSeq, error);
    else if (inHandSeq > 0) {
      const poison = this.mailbox.find(inHandSeq);
      if (poison && ++poison.failures >= this.spec.maxFailures) {
        this.mailbox.remove(inHandSeq);
        this.#env.deadLetter(
          {
            address: this.address,
            kind: 'poison',
            reason: `the actor crashed ${poison.failures} times handling it: ${error.message}`,
            message: poison.message,
            seq: poison.seq,
            attempts: poison.deliveries,
          },
          poison,
        );
      }
    }
    this.#env.emit({ type: 'actor_crashed', address: this.address, error, inHandSeq });
    this.#settleStart();
    this.parent?.childExited(this, { normal: false, error });
  }

  #settleStart(): void {
    const started = this.#started;
    this.#started = undefined;
    started?.();
  }

  /** `postMessage` refused a batch: find the messages it cannot copy, dead-letter them, requeue the rest. */
  #evictUncloneable(envelopes: Envelope[], error: unknown): number {
    this.mailbox.untake(envelopes.length);
    let evicted = 0;
    for (const envelope of envelopes) {
      try {
        structuredClone(envelope.message);
      } catch {
        evicted++;
        this.mailbox.remove(envelope.seq);
        this.#env.deadLetter(
          { address: this.address, kind: 'not_cloneable', reason: toErrorInfo(error).message, message: String(envelope.message.type), seq: envelope.seq },
          envelope,
        );
      }
    }
    return evicted;
  }
}

function toBatch(envelopes: Envelope[]): Batch {
  const n = envelopes.length;
  const first = envelopes[0]!.seq;
  const msgs = new Array<Envelope['message']>(n);
  const consecutive = envelopes[n - 1]!.seq - first === n - 1;
  let attempts: number[] | undefined;
  let requests: [number, Address, number][] | undefined;
  for (let i = 0; i < n; i++) {
    const envelope = envelopes[i]!;
    msgs[i] = envelope.message;
    if (envelope.deliveries > 1) (attempts ??= new Array<number>(n).fill(1))[i] = envelope.deliveries;
    if (envelope.cid !== undefined) (requests ??= []).push([i, envelope.from!, envelope.cid]);
  }
  const batch: Batch = { t: 'batch', seq: first, msgs };
  if (!consecutive) batch.seqs = envelopes.map((envelope) => envelope.seq);
  if (attempts) batch.attempts = attempts;
  if (requests) batch.requests = requests;
  return batch;
}
