import { z } from 'zod';
import { defineActor, type ActorContext } from '../../runtime/actor.js';
import type { Address } from '../../runtime/message.js';
import type { AiConfig } from '../../adapters/config/schema.js';
import { AiError } from '../../ai/errors.js';
import type { ReviewResult, ReviewService } from '../../ai/service.js';
import { createReviewService, type ReviewerChoice } from '../../ai/setup.js';
import type { Opinion } from '../../ai/verdict.js';
import { reviewRequestSchema, type QueuedReview, type ReviewerEvent, type ReviewerStatus, type ReviewRequest, type VerdictMessage } from './protocol.js';
import { own } from '../trading/own.js';

export interface ReviewerArgs {
  ai: AiConfig;
  /** The events hub: where the human queue's changes go (the API's `reviews` channel). */
  events: Address;
}

const messages = z.discriminatedUnion('type', [
  reviewRequestSchema,
  /** Request from the API: a human's decision on a queued review. */
  z.object({ type: z.literal('decide'), id: z.string(), approved: z.boolean(), note: z.string().max(2_000).optional(), decidedBy: z.string().optional() }),
  /** Request: the human queue, oldest first. */
  z.object({ type: z.literal('list'), traderId: z.string().optional() }),
  /** Request: which reviewer, its spend and its queue. */
  z.object({ type: z.literal('status') }),
]);

/** What the actor's own timers deliver: a finished review, a review's deadline, a queued review's expiry. */
type Internal =
  | { type: 'reviewed'; id: string; result?: ReviewResult; error?: { code: string; message: string } }
  | { type: 'deadline'; id: string }
  | { type: 'expire'; id: string };

type ReviewerMessage = z.infer<typeof messages> | Internal;

interface State {
  /** Reviews running, by client order id, with when they started. */
  running: Record<string, ReviewRequest & { startedAt: number }>;
  /** The human queue, by client order id. */
  queue: Record<string, QueuedReview & { replyTo: Address }>;
  /** Ids recently decided or expired, oldest first: a second decision on one is a conflict, not a miss. */
  decided: string[];
}

const REMEMBER_DECIDED = 10_000;

/**
 * The AI cross-verification actor. A held order gets two independent reviews (see `ai/`); when they
 * agree with confidence the trader gets the verdict, otherwise the order waits in the human queue
 * until someone decides or it expires. A review with no verdict by the trader's deadline, or one the
 * reviewer cannot make (budget, breaker, API errors), is settled by the trader's `onFailure`. Reviews
 * run concurrently; `receive` only starts them, and their results come back through the actor's own
 * timers, so every decision is a message like any other. Its snapshot keeps the queue and the reviews
 * in flight, which a restarted reviewer starts again (the cache keeps those that had finished).
 */
export default defineActor<ReviewerMessage, State>({
  messages: messages as z.ZodType<ReviewerMessage>,
  create() {
    let args: ReviewerArgs;
    let state: State;
    let service: ReviewService;
    let choice: ReviewerChoice;
    const aborts = new Map<string, AbortController>();
    let decided: Set<string>;

    const emit = (ctx: ActorContext, event: ReviewerEvent) => ctx.send(args.events, { type: 'reviewerEvents', events: [event] });

    const answer = (ctx: ActorContext, replyTo: Address, verdict: Omit<VerdictMessage, 'type'>) => {
      ctx.send(replyTo, { type: 'verdict', ...verdict } satisfies VerdictMessage);
      decided.add(verdict.clientOrderId);
      state.decided.push(verdict.clientOrderId);
      if (state.decided.length > REMEMBER_DECIDED) decided.delete(state.decided.shift()!);
    };

    const settleByPolicy = (ctx: ActorContext, request: ReviewRequest, why: string, opinions: Opinion[] = []) => {
      const pass = request.policy.onFailure === 'pass';
      answer(ctx, request.replyTo, {
        clientOrderId: request.order.clientOrderId,
        approved: pass,
        reason: `${pass ? 'passed' : 'rejected'} without a verdict: ${why}`,
        by: 'policy',
        flagged: pass,
        opinions,
      });
    };

    const start = (ctx: ActorContext, request: ReviewRequest & { startedAt: number }) => {
      const id = request.order.clientOrderId;
      const controller = new AbortController();
      aborts.set(id, controller);
      ctx.setTimer(`deadline:${id}`, Math.max(0, request.startedAt + request.policy.timeoutMs - Date.now()), { type: 'deadline', id });
      const { type: _type, replyTo: _replyTo, policy: _policy, startedAt: _startedAt, ...subject } = request;
      service.review(subject, controller.signal).then(
        (result) => ctx.setTimer(`done:${id}`, 0, { type: 'reviewed', id, result }),
        (error: unknown) => {
          const code = error instanceof AiError ? error.code : 'ERR_AI_API';
          ctx.setTimer(`done:${id}`, 0, { type: 'reviewed', id, error: { code, message: (error as Error).message } });
        },
      );
    };

    const enqueue = (ctx: ActorContext, request: ReviewRequest, result: ReviewResult) => {
      const now = Date.now();
      if (Object.keys(state.queue).length >= args.ai.queue.maxSize) {
        settleByPolicy(ctx, request, `the human review queue is full (${args.ai.queue.maxSize}); ${result.reason}`, result.opinions);
        return;
      }
      const { type: _type, policy, ...rest } = request;
      const item = {
        id: request.order.clientOrderId,
        signalId: request.order.signalId,
        ...rest,
        opinions: result.opinions,
        reason: result.reason,
        because: policy.because,
        queuedAt: now,
        expiresAt: now + args.ai.queue.expiresMs,
      };
      state.queue[item.id] = item;
      ctx.setTimer(`expire:${item.id}`, args.ai.queue.expiresMs, { type: 'expire', id: item.id });
      emit(ctx, { kind: 'review.queued', traderId: item.traderId, review: publicView(item), at: now });
    };

    const handlers = {
      review(msg: ReviewRequest, ctx: ActorContext) {
        const id = msg.order.clientOrderId;
        if (own(state.running, id) || own(state.queue, id) || decided.has(id)) return;
        const request = { ...msg, startedAt: Date.now() };
        state.running[id] = request;
        start(ctx, request);
      },
      reviewed(msg: Extract<Internal, { type: 'reviewed' }>, ctx: ActorContext) {
        const request = own(state.running, msg.id);
        // Its deadline passed first: the trader's policy already decided.
        if (!request) return;
        delete state.running[msg.id];
        aborts.delete(msg.id);
        ctx.cancelTimer(`deadline:${msg.id}`);
        if (msg.error || !msg.result) return settleByPolicy(ctx, request, `AI review failed (${msg.error?.code}): ${msg.error?.message}`);
        const { outcome, reason, opinions } = msg.result;
        if (outcome === 'human') return enqueue(ctx, request, msg.result);
        answer(ctx, request.replyTo, { clientOrderId: msg.id, approved: outcome === 'approve', reason, by: 'ai', flagged: false, opinions });
      },
      deadline(msg: Extract<Internal, { type: 'deadline' }>, ctx: ActorContext) {
        const request = own(state.running, msg.id);
        if (!request) return;
        delete state.running[msg.id];
        aborts.get(msg.id)?.abort();
        aborts.delete(msg.id);
        settleByPolicy(ctx, request, `no AI verdict within ${request.policy.timeoutMs} ms`);
      },
      expire(msg: Extract<Internal, { type: 'expire' }>, ctx: ActorContext) {
        const item = own(state.queue, msg.id);
        if (!item) return;
        delete state.queue[msg.id];
        const now = Date.now();
        answer(ctx, item.replyTo, {
          clientOrderId: item.id,
          approved: false,
          reason: `nobody decided within ${args.ai.queue.expiresMs / 1000} s: the signal went stale`,
          by: 'expiry',
          flagged: false,
          opinions: item.opinions,
        });
        emit(ctx, { kind: 'review.expired', traderId: item.traderId, id: item.id, at: now });
      },
      decide(msg: Extract<z.infer<typeof messages>, { type: 'decide' }>, ctx: ActorContext) {
        const item = own(state.queue, msg.id);
        if (!item) {
          const known = decided.has(msg.id);
          ctx.reply({ type: 'decideFailed', code: known ? 'ERR_CONFLICT' : 'ERR_NOT_FOUND', message: known ? `review ${msg.id} was already decided or expired` : `no review ${msg.id} in the queue` });
          return;
        }
        delete state.queue[msg.id];
        ctx.cancelTimer(`expire:${msg.id}`);
        const verb = msg.approved ? 'approved' : 'rejected';
        answer(ctx, item.replyTo, {
          clientOrderId: item.id,
          approved: msg.approved,
          reason: `${verb} by ${msg.decidedBy ?? 'a human reviewer'}${msg.note ? `: ${msg.note}` : ''}`,
          by: 'human',
          flagged: false,
          opinions: item.opinions,
          ...(msg.note !== undefined ? { note: msg.note } : {}),
          ...(msg.decidedBy !== undefined ? { decidedBy: msg.decidedBy } : {}),
        });
        const now = Date.now();
        emit(ctx, {
          kind: 'review.decided',
          traderId: item.traderId,
          id: item.id,
          approved: msg.approved,
          ...(msg.note !== undefined ? { note: msg.note } : {}),
          ...(msg.decidedBy !== undefined ? { decidedBy: msg.decidedBy } : {}),
          at: now,
        });
        ctx.reply({ type: 'decided', review: publicView(item), approved: msg.approved });
      },
      list(msg: Extract<z.infer<typeof messages>, { type: 'list' }>, ctx: ActorContext) {
        const reviews = Object.values(state.queue)
          .filter((item) => msg.traderId === undefined || item.traderId === msg.traderId)
          .sort((a, b) => a.queuedAt - b.queuedAt)
          .map(publicView);
        ctx.reply({ type: 'reviewQueue', reviews });
      },
      status(_msg: unknown, ctx: ActorContext) {
        const stats = service.stats();
        ctx.reply({
          type: 'reviewerStatus',
          kind: choice.kind,
          describe: choice.describe,
          state: stats.breaker === 'open' ? 'degraded' : 'up',
          queued: Object.keys(state.queue).length,
          inFlight: Object.keys(state.running).length,
          stats,
        } satisfies ReviewerStatus);
      },
    };

    return {
      async init(ctx, snapshot) {
        args = ctx.args as ReviewerArgs;
        ({ service, choice } = await createReviewService(args.ai));
        state = snapshot ?? { running: {}, queue: {}, decided: [] };
        decided = new Set(state.decided);
        const now = Date.now();
        for (const item of Object.values(state.queue)) ctx.setTimer(`expire:${item.id}`, Math.max(0, item.expiresAt - now), { type: 'expire', id: item.id });
        for (const request of Object.values(state.running)) start(ctx, request);
      },
      receive(msg, ctx) {
        (handlers[msg.type] as (m: ReviewerMessage, c: ActorContext) => void)(msg, ctx);
      },
      stop() {
        for (const controller of aborts.values()) controller.abort();
        service.close();
      },
      snapshot: () => state,
    };
  },
});

/** A queued review as the API and the stream show it: without the trader's address. */
function publicView(item: QueuedReview & { replyTo?: Address }): QueuedReview {
  const { replyTo: _replyTo, ...view } = item;
  return view;
}
