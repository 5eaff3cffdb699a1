import { EventEmitter } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino, type Logger } from 'pino';
import { isActorDefinition, type ActorDefinition, type RequestOptions } from './actor.js';
import { ActorCell, type ActorStatus, type CellEnvironment } from './cell.js';
import type { SupervisedChild } from './child.js';
import { DeadLetters, type DeadLetter, type DeadLetterKind } from './dead-letters.js';
import { RuntimeError, toErrorInfo, type ErrorInfo, type RuntimeErrorCode } from './errors.js';
import { PendingRequests, type Reply } from './pending-requests.js';
import type { SystemEvent, SystemEventOf, SystemEventType } from './events.js';
import { Link, unread } from './links.js';
import { validateMessage, type Address, type Message } from './message.js';
import {
  isSupervisorSpec,
  parseChildSpec,
  type ChildSpec,
  type ChildSpecInput,
  type SupervisorSpecInput,
} from './options.js';
import type { LinkRejected, LinkSegment, Outgoing } from './protocol.js';
import { SparePool } from './spare-pool.js';
import { Supervisor } from './supervisor.js';

/** The address replies to `system.request()` come back to. */
const SYSTEM_ADDRESS = '$system';

export interface ActorSystemOptions {
  logger?: Logger;
  /** Dead letters kept for inspection (all are counted). Default 10,000. */
  deadLetterCapacity?: number;
  /** How often worker heartbeats are checked. Default 100 ms. */
  heartbeatCheckMs?: number;
  /**
   * Keep one warm worker per actor module, so a worker that died is replaced in a few ms instead of
   * ~50 ms. Costs one idle thread per module. Default true.
   */
  spareWorkers?: boolean;
  /**
   * Addresses served by a function in the main thread rather than an actor: what actors send there is
   * handed to the function as it is routed (no mailbox, no validation), so a server outside the actor
   * tree, such as the API's stream, can be pushed to. The function must be quick and must not throw.
   */
  outlets?: Record<Address, (message: Message) => void>;
}

export interface SupervisorStatus {
  id: string;
  strategy: string;
  state: string;
  restarts: number;
  children: string[];
}

export interface SystemStatus {
  state: 'running' | 'stopping' | 'stopped';
  uptimeMs: number;
  actors: ActorStatus[];
  supervisors: SupervisorStatus[];
  deadLetters: { total: number; counts: Record<DeadLetterKind, number> };
}

export interface ShutdownReport {
  /** True when every mailbox was empty before the actors were stopped. */
  drained: boolean;
  /** Messages left per address (failed actors, or the timeout ran out). */
  undelivered: Record<Address, number>;
}

/**
 * The actor system: a supervision tree of actors, each with a mailbox owned here, and the router
 * every message goes through.
 *
 * @example
 * ```ts
 * const system = await ActorSystem.start({
 *   id: 'root',
 *   children: [{ id: 'trader.alpha', module: new URL('./trader.ts', import.meta.url) }],
 * });
 * if (!system.send('trader.alpha', { type: 'signal', symbol: 'BTC/USDT' })) await system.drained('trader.alpha');
 * await system.shutdown();
 * ```
 */
export class ActorSystem implements CellEnvironment {
  readonly deadLetters: DeadLetters;
  readonly log: Logger;
  readonly spares: SparePool | undefined;
  readonly #events = new EventEmitter();
  readonly #cells = new Map<Address, ActorCell>();
  readonly #supervisors = new Map<string, Supervisor>();
  #root!: Supervisor;
  #dirty = new Set<ActorCell>();
  #spare = new Set<ActorCell>();
  #flushScheduled = false;
  /** Target -> actors paused until the target's mailbox drains; and external senders waiting for it. */
  readonly #waiting = new Map<ActorCell, { actors: Set<ActorCell>; callers: (() => void)[] }>();
  readonly #requests = new PendingRequests();
  readonly #outlets: Map<Address, (message: Message) => void>;
  readonly #links = new Map<number, Link<ActorCell>>();
  #nextLinkId = 1;
  #state: SystemStatus['state'] = 'running';
  #shutdown: Promise<ShutdownReport> | undefined;
  readonly #startedAt = Date.now();
  readonly #heartbeatTimer: NodeJS.Timeout;

  private constructor(options: ActorSystemOptions) {
    this.log = options.logger ?? pino({ level: process.env.LOG_LEVEL ?? 'info' });
    this.deadLetters = new DeadLetters(options.deadLetterCapacity);
    this.spares = options.spareWorkers === false ? undefined : new SparePool();
    this.#outlets = new Map(Object.entries(options.outlets ?? {}));
    this.#heartbeatTimer = setInterval(() => {
      const now = Date.now();
      for (const cell of this.#cells.values()) cell.checkHeartbeat(now);
    }, options.heartbeatCheckMs ?? 100).unref();
  }

  /** Builds the supervision tree from `root` (validated first) and starts every child in order. */
  static async start(root: SupervisorSpecInput, options: ActorSystemOptions = {}): Promise<ActorSystem> {
    const spec = parseChildSpec(root, 'root');
    if (!isSupervisorSpec(spec)) throw new RuntimeError('ERR_INVALID_OPTION', 'root: must be a supervisor (id and children), not an actor');
    const system = new ActorSystem(options);
    system.#root = (await system.#build(spec)) as Supervisor;
    await system.#root.start();
    return system;
  }

  on<T extends SystemEventType>(type: T, listener: (event: SystemEventOf<T>) => void): this {
    this.#events.on(type, listener);
    return this;
  }

  off<T extends SystemEventType>(type: T, listener: (event: SystemEventOf<T>) => void): this {
    this.#events.off(type, listener);
    return this;
  }

  /**
   * Queues a message for `to`. Returns false when the mailbox is now full: the message was accepted,
   * but the caller should `await system.drained(to)` before sending more. Throws `ERR_MAILBOX_FULL`
   * to a caller that ignored that, `ERR_INVALID_MESSAGE` / `ERR_NOT_CLONEABLE` naming the bad field,
   * `ERR_UNKNOWN_ADDRESS`, `ERR_ACTOR_STOPPED`, or `ERR_SYSTEM_STOPPING`.
   */
  send(to: Address, message: Message): boolean {
    this.#assertAccepting();
    return this.#enqueue(to, message, undefined, undefined);
  }

  /** Sends a request and resolves with the actor's `ctx.reply(...)`. */
  request<R = Message>(to: Address, message: Message, options: RequestOptions = {}): Promise<R> {
    this.#assertAccepting();
    return this.#requests.open<R>(to, message, options.timeoutMs ?? 5_000, (cid) => {
      this.#enqueue(to, message, { from: SYSTEM_ADDRESS, cid }, undefined);
    });
  }

  /** Resolves once `to`'s mailbox is at most half full: the other half of the `send() === false` contract. */
  drained(to: Address): Promise<void> {
    const cell = this.#cell(to);
    if (cell.mailbox.load <= cell.mailbox.capacity >>> 1) return Promise.resolve();
    cell.mailbox.wantDrain();
    return new Promise((resolve) => this.#waitersOf(cell).callers.push(resolve));
  }

  /** Adds and starts a child (an actor or a supervisor subtree) under `supervisor` (default: the root). */
  async spawn(input: ChildSpecInput, options: { supervisor?: string } = {}): Promise<void> {
    this.#assertAccepting();
    const parent = options.supervisor ? this.#supervisors.get(options.supervisor) : this.#root;
    if (!parent) throw new RuntimeError('ERR_UNKNOWN_ADDRESS', `no supervisor "${options.supervisor}"`);
    const child = await this.#build(parseChildSpec(input, 'spec'));
    await parent.add(child);
  }

  /** Stops a child for good; messages left in its mailbox go to the dead letters. */
  async stopChild(id: string): Promise<void> {
    const child = this.#child(id);
    await this.#parentOf(child).remove(child);
  }

  /** Starts a failed or stopped child again, with its mailbox and last snapshot. */
  async restartChild(id: string): Promise<void> {
    const child = this.#child(id);
    if (child.state === 'running') await child.stop();
    child.restarts++;
    await child.start();
  }

  /**
   * Terminates an actor's thread at once, as a crash: its supervisor restarts it and the messages it had
   * not acknowledged are delivered again. For operators (and fault tests); an actor in the main thread
   * cannot be killed this way.
   */
  kill(address: Address): void {
    this.#cell(address).kill();
  }

  /**
   * Lets `address` process messages only until `until` (`Date.now()` milliseconds), or always with
   * `undefined`. Past it, the actor takes nothing more in hand: what it was handed stays unacknowledged
   * (in order, for its next incarnation or for when the gate is opened again), its timers wait, and a stop
   * ends it at once, without its stop hook. The deadline lives in memory the actor's thread shares with
   * this one, so it holds even while this thread is stalled. A cluster node gates each trader by its
   * lease: a trader that may have passed to another node acts on nothing more here.
   */
  gate(address: Address, until: number | undefined): void {
    this.#cell(address).gate(until);
  }

  /** The state the actor would restart from: its last committed snapshot (a copy). */
  snapshot(address: Address): unknown {
    return this.#cell(address).lastSnapshot();
  }

  /** Whether there is an actor at `address`: cheaper than asking for its status. */
  has(address: Address): boolean {
    return this.#cells.has(address);
  }

  /** One actor's status (mailbox, restarts, last error), or undefined when there is no actor at `address`. */
  actorStatus(address: Address): ActorStatus | undefined {
    return this.#cells.get(address)?.status();
  }

  status(): SystemStatus {
    return {
      state: this.#state,
      uptimeMs: Date.now() - this.#startedAt,
      actors: [...this.#cells.values()].map((cell) => cell.status()),
      supervisors: [...this.#supervisors.values()].map((s) => ({
        id: s.id,
        strategy: s.spec.strategy,
        state: s.state,
        restarts: s.restarts,
        children: s.children.map((c) => c.id),
      })),
      deadLetters: { total: this.deadLetters.total, counts: { ...this.deadLetters.counts } },
    };
  }

  /**
   * Stops taking messages from outside, waits until every mailbox is empty (messages actors send each
   * other meanwhile included), then stops the tree in reverse start order. Idempotent.
   */
  shutdown(options: { timeoutMs?: number } = {}): Promise<ShutdownReport> {
    this.#shutdown ??= this.#doShutdown(options.timeoutMs ?? 10_000);
    return this.#shutdown;
  }

  // ---- CellEnvironment: called by cells ----

  route(from: ActorCell, out: Outgoing): void {
    if (out.k === 'reply') {
      this.#deliverReply(out.to, out.cid, { ok: true, value: out.message });
      return;
    }
    const request = out.k === 'request' ? { from: from.address, cid: out.cid } : undefined;
    try {
      this.#enqueue(out.to, out.message, request, from);
    } catch (error) {
      const info = toErrorInfo(error);
      if (request) this.#deliverReply(from.address, request.cid, { ok: false, error: info });
      else this.deadLetter({ address: out.to, kind: deadLetterKind(info), reason: info.message, message: out.message });
    }
  }

  schedule(cell: ActorCell): void {
    this.#dirty.add(cell);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // One flush per event-loop turn: every send made in this turn goes out in the same batch.
    setImmediate(this.#flush);
  }

  deadLetter(letter: Omit<DeadLetter, 'at'>, request?: { from?: Address; cid?: number }): void {
    const entry = this.deadLetters.add(letter);
    this.log.warn({ address: letter.address, kind: letter.kind, seq: letter.seq }, `dead letter: ${letter.reason}`);
    this.emit({ type: 'dead_letter', letter: entry });
    this.#failRequest(request, 'ERR_ACTOR_CRASHED', letter.reason);
  }

  emit(event: SystemEvent): void {
    switch (event.type) {
      case 'actor_crashed':
        this.log.warn({ address: event.address, err: event.error, seq: event.inHandSeq }, 'actor crashed');
        break;
      case 'actor_failed':
        this.log.error({ address: event.address, err: event.error }, 'actor failed: restart intensity exceeded');
        this.#release(this.#cells.get(event.address));
        break;
      case 'actor_hung':
        this.log.warn({ address: event.address, silentMs: event.silentMs }, 'actor hung: terminating its worker');
        break;
      case 'actor_restarting':
        this.log.info({ address: event.address, delayMs: event.delayMs }, 'restarting actor');
        break;
    }
    this.#events.emit(event.type, event);
  }

  onDrain(cell: ActorCell): void {
    this.#release(cell);
  }

  linkSegment(from: ActorCell, segment: LinkSegment): void {
    const link = this.#links.get(segment.id);
    if (!link) return;
    if (link.to.isStoppedForGood) {
      // As on the mailbox path: a receiver that left the tree is an unknown address, a failed one is stopped.
      const { address, state } = link.to;
      const gone = this.#cells.get(address) !== link.to;
      for (const { lseq, message } of unread(segment, link.acked)) {
        this.deadLetter({ address, kind: gone ? 'unknown_address' : 'actor_stopped', reason: gone ? `no actor at "${address}"` : `actor "${address}" is ${state}`, message, seq: lseq });
      }
      return;
    }
    if (link.keep(segment) && link.to.hasThread) link.to.resend(segment);
    // Backpressure as for a full mailbox: the sender gets no new messages until the link is half empty.
    if (link.load >= link.to.mailbox.capacity && !from.blockers.has(link.to) && !this.#waitsOn(link.to, from)) {
      from.blockers.add(link.to);
      this.#waitersOf(link.to).actors.add(from);
      link.drainWanted = true;
    }
  }

  linkAck(id: number, lseq: number): void {
    const link = this.#links.get(id);
    if (!link) return;
    link.ack(lseq);
    if (link.drainWanted && link.load <= link.to.mailbox.capacity >>> 1) {
      link.drainWanted = false;
      // Actors only: callers of drained() wait on the mailbox, which may still be full.
      this.#release(link.to, false);
    }
  }

  linkRejected(to: ActorCell, rejected: LinkRejected): void {
    this.deadLetter({ address: to.address, kind: 'invalid', reason: rejected.reason, message: rejected.message, seq: rejected.lseq });
  }

  linkPoison(to: ActorCell, id: number, lseq: number, error: ErrorInfo): void {
    const link = this.#links.get(id);
    if (!link) return;
    const failures = (link.failures.get(lseq) ?? 0) + 1;
    if (failures < to.spec.maxFailures) {
      link.failures.set(lseq, failures);
      return;
    }
    link.failures.delete(lseq);
    link.skip.add(lseq);
    this.deadLetter({
      address: to.address,
      kind: 'poison',
      reason: `the actor crashed ${failures} times handling it: ${error.message}`,
      message: link.find(lseq),
      seq: lseq,
      attempts: failures,
    });
  }

  /**
   * A thread was bound to `cell`: each of its links gets a new channel, or an end without a port while
   * the other end has no thread (its sends are kept here and handed over when it has one).
   */
  threadStarted(cell: ActorCell): void {
    for (const link of cell.links) this.#openLink(link);
  }

  // ---- internals ----

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    const cells = this.#dirty;
    this.#dirty = this.#spare;
    this.#spare = cells;
    for (const cell of cells) cell.dispatch();
    cells.clear();
  };

  #enqueue(to: Address, message: Message, request: { from: Address; cid: number } | undefined, sender: ActorCell | undefined): boolean {
    const cell = this.#cells.get(to);
    if (!cell) {
      const outlet = this.#outlets.get(to);
      if (outlet && !request) {
        outlet(message);
        return true;
      }
      throw new RuntimeError('ERR_UNKNOWN_ADDRESS', `no actor at "${to}"`);
    }
    if (cell.isStoppedForGood) throw new RuntimeError('ERR_ACTOR_STOPPED', `actor "${to}" is ${cell.state}`);
    const valid = validateMessage(message, to, cell.definition.messages, sender === undefined);
    const { mailbox } = cell;
    // A message an actor already emitted cannot be handed back: it is queued, and the sender paused.
    const result = mailbox.push(valid, request, sender !== undefined, weightOf(cell.definition, valid));
    if (!result.accepted) {
      // A dropped request fails at once rather than timing out: the requester is waiting.
      if (result.reason === 'full' || request) {
        throw new RuntimeError('ERR_MAILBOX_FULL', `mailbox of "${to}" is full (${mailbox.capacity} messages); wait for drained("${to}") after send() returns false`);
      }
      return true;
    }
    if (result.dropped) for (const dropped of result.dropped) this.#failRequest(dropped, 'ERR_MAILBOX_FULL', `request dropped: mailbox of "${to}" overflowed (drop-oldest)`);
    this.schedule(cell);
    if (!result.full || mailbox.overflow !== 'backpressure') return true;
    if (sender && !this.#waitsOn(cell, sender)) {
      sender.blockers.add(cell);
      this.#waitersOf(cell).actors.add(sender);
    }
    return false;
  }

  /** Would pausing `sender` until `target` drains close a cycle of actors waiting on each other? */
  #waitsOn(target: ActorCell, sender: ActorCell): boolean {
    const stack = [target];
    const seen = new Set<ActorCell>();
    while (stack.length > 0) {
      const cell = stack.pop()!;
      if (cell === sender) return true;
      if (seen.has(cell)) continue;
      seen.add(cell);
      stack.push(...cell.blockers);
    }
    return false;
  }

  #waitersOf(cell: ActorCell): { actors: Set<ActorCell>; callers: (() => void)[] } {
    let waiters = this.#waiting.get(cell);
    if (!waiters) {
      waiters = { actors: new Set(), callers: [] };
      this.#waiting.set(cell, waiters);
    }
    return waiters;
  }

  /** `cell` drained, failed or left: whoever waited on it goes on (the actors paused on it only, with `callers` false). */
  #release(cell: ActorCell | undefined, callers = true): void {
    const waiters = cell && this.#waiting.get(cell);
    if (!cell || !waiters) return;
    for (const sender of waiters.actors) {
      sender.blockers.delete(cell);
      this.schedule(sender);
    }
    waiters.actors.clear();
    if (!callers) return;
    this.#waiting.delete(cell);
    for (const resolve of waiters.callers) resolve();
  }

  /**
   * Opens a link's channel anew: the sender numbers on from what it committed, the receiver gets again
   * everything not acknowledged (it skips what it already has), and a segment still on its way on the
   * old channel is handed over by `linkSegment` when its commit arrives.
   */
  #openLink(link: Link<ActorCell>): void {
    link.gen++;
    const { id, gen, from, to } = link;
    const channel = from.hasThread && to.hasThread ? new MessageChannel() : undefined;
    if (from.hasThread) from.openLink({ t: 'link', id, role: 'out', peer: to.address, gen, ...(channel ? { port: channel.port1 } : {}), lseq: link.next });
    if (!to.hasThread) return;
    to.openLink({ t: 'link', id, role: 'in', peer: from.address, gen, ...(channel ? { port: channel.port2 } : {}), lseq: link.acked });
    for (const segment of link.unacknowledged()) to.resend(segment);
  }

  /** Links the cells of a new subtree to the worker actors their specs name, both ways, once each. */
  #link(cells: readonly ActorCell[]): void {
    for (const cell of cells) {
      if (cell.spec.placement !== 'worker') continue;
      for (const address of cell.spec.links) {
        const peer = this.#cells.get(address);
        if (!peer || peer === cell || peer.spec.placement !== 'worker') continue;
        for (const [from, to] of [[cell, peer], [peer, cell]] as const) {
          // The new cell's own links, not the peer's: an exchange has two per trader.
          if ([...cell.links].some((link) => link.from === from && link.to === to)) continue;
          const link = new Link(this.#nextLinkId++, from, to);
          this.#links.set(link.id, link);
          from.links.add(link);
          to.links.add(link);
          // The other end may run already: its end opens now, this one when its thread starts.
          if (from.hasThread || to.hasThread) this.#openLink(link);
        }
      }
    }
  }

  /** Fails the request a message carried, if it was one: its requester is waiting for an answer. */
  #failRequest(envelope: { from?: Address; cid?: number } | undefined, code: RuntimeErrorCode, message: string): void {
    if (envelope?.from === undefined || envelope.cid === undefined) return;
    this.#deliverReply(envelope.from, envelope.cid, { ok: false, error: { name: 'RuntimeError', code, message } });
  }

  #deliverReply(to: Address, cid: number, reply: Reply): void {
    if (to === SYSTEM_ADDRESS) this.#requests.settle(cid, reply);
    else this.#cells.get(to)?.acceptReply(cid, reply);
  }

  /**
   * Builds a subtree in three steps so that a bad spec registers nothing: check every id is free, load
   * every actor module, then construct and register.
   */
  async #build(spec: ChildSpec): Promise<SupervisedChild> {
    const ids = new Set<string>();
    const urls = new Set<string>();
    const visit = (node: ChildSpec): void => {
      if (ids.has(node.id) || this.#cells.has(node.id) || this.#supervisors.has(node.id) || this.#outlets.has(node.id)) {
        throw new RuntimeError('ERR_DUPLICATE_ADDRESS', `"${node.id}" is already in use`);
      }
      ids.add(node.id);
      if (isSupervisorSpec(node)) node.children.forEach(visit);
      else urls.add(toModuleUrl(node.module));
    };
    visit(spec);
    const modules = new Map<string, ActorDefinition>();
    for (const url of urls) modules.set(url, await loadDefinition(url));
    const cells: ActorCell[] = [];
    const child = this.#construct(spec, modules, cells);
    this.#link(cells);
    return child;
  }

  #construct(spec: ChildSpec, modules: Map<string, ActorDefinition>, cells: ActorCell[]): SupervisedChild {
    if (isSupervisorSpec(spec)) {
      const children = spec.children.map((child) => this.#construct(child, modules, cells));
      const supervisor = new Supervisor(spec, children, { emit: (event) => this.emit(event), removed: (child) => this.#removed(child), prewarm: (shapes) => this.spares?.prewarm(shapes) });
      this.#supervisors.set(spec.id, supervisor);
      return supervisor;
    }
    const moduleUrl = toModuleUrl(spec.module);
    const cell = new ActorCell(spec, moduleUrl, modules.get(moduleUrl)!, this);
    this.#cells.set(cell.address, cell);
    cells.push(cell);
    return cell;
  }

  /** A child left the tree for good: free its address and dead-letter what its mailbox still held. */
  #removed(child: SupervisedChild): void {
    if (child instanceof Supervisor) {
      this.#supervisors.delete(child.id);
      for (const grandchild of child.children) this.#removed(grandchild);
      return;
    }
    const cell = child as ActorCell;
    this.#cells.delete(cell.address);
    this.#release(cell);
    this.#unlink(cell);
    for (const envelope of cell.mailbox.clear()) {
      this.deadLetter(
        { address: cell.address, kind: 'actor_stopped', reason: `actor "${cell.address}" stopped for good`, message: envelope.message, seq: envelope.seq },
        envelope,
      );
    }
    this.emit({ type: 'actor_stopped', address: cell.address, normal: cell.lastError === undefined });
  }

  /**
   * A cell left for good. Links to it close: what it had not acknowledged goes to the dead letters, its
   * senders send through the mailbox path again (where its address is unknown now), and what they had
   * already sent on the link is dead-lettered as it arrives. Links from it stay until their receivers
   * have taken what it sent.
   */
  #unlink(cell: ActorCell): void {
    for (const link of cell.links) {
      if (link.to !== cell) continue;
      for (const { lseq, message } of link.clear()) {
        this.deadLetter({ address: cell.address, kind: 'actor_stopped', reason: `actor "${cell.address}" stopped for good`, message, seq: lseq });
      }
      link.from.links.delete(link);
      if (link.from.hasThread) link.from.closeLink(link.id);
    }
  }

  #cell(address: Address): ActorCell {
    const cell = this.#cells.get(address);
    if (!cell) throw new RuntimeError('ERR_UNKNOWN_ADDRESS', `no actor at "${address}"`);
    return cell;
  }

  #child(id: string): SupervisedChild {
    const child = this.#cells.get(id) ?? this.#supervisors.get(id);
    if (!child || child === this.#root) throw new RuntimeError('ERR_UNKNOWN_ADDRESS', `no child "${id}"`);
    return child;
  }

  #parentOf(child: SupervisedChild): Supervisor {
    return child.parent as Supervisor;
  }

  #assertAccepting(): void {
    if (this.#state !== 'running') throw new RuntimeError('ERR_SYSTEM_STOPPING', 'the actor system is shutting down');
  }

  async #doShutdown(timeoutMs: number): Promise<ShutdownReport> {
    this.#state = 'stopping';
    const deadline = Date.now() + timeoutMs;
    const busy = () => [...this.#cells.values()].some((cell) => (cell.mailbox.size > 0 || cell.linkedLoad > 0) && !cell.isStoppedForGood);
    while (busy() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
    await this.#root.stop();
    await this.spares?.close();
    clearInterval(this.#heartbeatTimer);
    this.#requests.rejectAll(new RuntimeError('ERR_SYSTEM_STOPPING', 'the actor system stopped before the reply came'));
    const undelivered: Record<Address, number> = {};
    for (const cell of this.#cells.values()) {
      const left = cell.mailbox.size + cell.linkedLoad;
      if (left > 0) undelivered[cell.address] = left;
    }
    this.#state = 'stopped';
    return { drained: Object.keys(undelivered).length === 0, undelivered };
  }
}

function toModuleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (module.startsWith('file:')) return module;
  return pathToFileURL(isAbsolute(module) ? module : resolve(module)).href;
}

async function loadDefinition(moduleUrl: string): Promise<ActorDefinition> {
  let mod: { default?: unknown };
  try {
    mod = (await import(moduleUrl)) as { default?: unknown };
  } catch (error) {
    throw new RuntimeError('ERR_ACTOR_MODULE', `cannot load actor module ${moduleUrl}: ${toErrorInfo(error).message}`, { cause: error });
  }
  if (!isActorDefinition(mod.default)) {
    throw new RuntimeError('ERR_ACTOR_MODULE', `${moduleUrl} must default-export defineActor({ create() {...} })`);
  }
  return mod.default;
}

/** A message's weight as its actor counts it: a whole number, at least 1 (a bad count must not free room). */
function weightOf(definition: ActorDefinition, message: Message): number {
  const weight = definition.weight?.(message) ?? 1;
  return Number.isSafeInteger(weight) && weight > 1 ? weight : 1;
}

function deadLetterKind(error: ErrorInfo): DeadLetterKind {
  switch (error.code) {
    case 'ERR_UNKNOWN_ADDRESS':
      return 'unknown_address';
    case 'ERR_ACTOR_STOPPED':
      return 'actor_stopped';
    case 'ERR_NOT_CLONEABLE':
      return 'not_cloneable';
    default:
      return 'invalid';
  }
}
