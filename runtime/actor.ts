import type { z } from 'zod';
import type { Address, Message } from './message.js';

/** Where the message being processed came from and how often it was delivered. */
export interface Delivery {
  /**
   * Position in the mailbox, or on `link` when it came by one; stable across redeliveries, so it (with
   * `link`) serves as an idempotence key.
   */
  readonly seq: number;
  /** 1 on first delivery; more when the actor crashed before acknowledging it (always 1 on a link). */
  readonly attempt: number;
  /** Set when the message is a request: who asked. */
  readonly from?: Address;
  /** The link it came by (see the `links` option); absent for the mailbox. */
  readonly link?: number;
}

export interface RequestOptions {
  /** Rejects with `ERR_REQUEST_TIMEOUT` after this long. Default 5000 ms. */
  timeoutMs?: number;
}

export interface TimerOptions {
  /** Fire every `delayMs` instead of once. */
  repeat?: boolean;
}

/** What an actor can do. The same interface whether it runs in the main thread or in a worker. */
export interface ActorContext {
  /** This actor's address. */
  readonly self: Address;
  /** The `args` of the actor's spec (plain data). */
  readonly args: unknown;
  /** The message in hand; undefined in `init` and timer callbacks. */
  readonly delivery: Delivery | undefined;
  /**
   * Sends a message. Sends made while processing a message leave the actor only once that
   * message is acknowledged, so an actor that crashes mid-message never emits half its effects.
   */
  send(to: Address, message: Message): void;
  /** Sends a request and resolves with the reply; rejects on timeout or if the target fails. */
  request<R = unknown>(to: Address, message: Message, options?: RequestOptions): Promise<R>;
  /** Replies to the request in hand. */
  reply(message: Message): void;
  /** Delivers `message` to this actor after `delayMs` (and every `delayMs` with `repeat`). Timers die with the actor. */
  setTimer(key: string, delayMs: number, message: Message, options?: TimerOptions): void;
  cancelTimer(key: string): void;
  /**
   * Keeps the message in hand unacknowledged until the returned function is called, for an actor whose
   * work on a message finishes later (persistence makes rows durable in batches). Messages after it are
   * still processed, but none is acknowledged past the oldest one held; a crash delivers the held ones
   * again, so handling one twice must do no harm. The acknowledgement leaves with the first commit after
   * the release, together with what was sent meanwhile. Not for actors with a snapshot, which would then
   * be ahead of what is acknowledged.
   *
   * @example
   * ```ts
   * receive(msg, ctx) {
   *   const release = ctx.hold();
   *   buffer.push(msg);
   *   void writeSoon(buffer).then(release);
   * }
   * ```
   */
  hold(): () => void;
  /** Stops this actor normally: a `transient` actor stopped this way is not restarted. */
  stop(): void;
}

/** One incarnation of an actor. A restart creates a new one and hands it the last snapshot. */
export interface Actor<M extends Message = Message, S = unknown> {
  init?(ctx: ActorContext, snapshot: S | undefined): void | Promise<void>;
  receive(message: M, ctx: ActorContext): void | Promise<void>;
  /**
   * Called once on a graceful stop, after the last message: the place to flush what the actor holds
   * (a write buffer). Its sends leave before the actor stops. Not called when the actor crashes or is killed.
   */
  stop?(ctx: ActorContext): void | Promise<void>;
  /** Plain data from which `init` can rebuild this actor; taken each time messages are acknowledged. */
  snapshot?(): S;
}

/** What an actor module default-exports: the schema of the messages it accepts and a factory. */
export interface ActorDefinition<M extends Message = Message, S = unknown> {
  /** Validates every message at the mailbox, before it is queued. */
  readonly messages?: z.ZodType<M>;
  /**
   * How much of the mailbox's capacity a (validated) message takes; 1 when absent. A message that
   * carries many items counts each, so backpressure and `drained()` see the work queued, not the envelopes.
   */
  weight?(message: M): number;
  create(): Actor<M, S>;
}

/**
 * Declares an actor module.
 *
 * @example
 * ```ts
 * export default defineActor({
 *   messages: z.object({ type: z.literal('add'), n: z.number() }),
 *   create() {
 *     let total = 0;
 *     return {
 *       init(_ctx, snapshot?: { total: number }) { total = snapshot?.total ?? 0 },
 *       receive(msg) { total += msg.n },
 *       snapshot: () => ({ total }),
 *     };
 *   },
 * });
 * ```
 */
export function defineActor<M extends Message, S = unknown>(definition: ActorDefinition<M, S>): ActorDefinition<M, S> {
  return definition;
}

export function isActorDefinition(value: unknown): value is ActorDefinition {
  return typeof value === 'object' && value !== null && typeof (value as ActorDefinition).create === 'function';
}
