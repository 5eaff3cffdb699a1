import type { Context } from 'hono';
import { z } from 'zod';
import type { PlatformControl } from '../../../actors/platform/control.js';
import type { ApiEnv } from '../auth.js';
import { answer, apiRouter, errors, jsonBody, mount, routesOf, type ApiRouter } from '../openapi.js';
import { json } from '../respond.js';
import { amount, epochMs, idParam, side } from '../schemas.js';
import { readJson, readQuery } from '../validate.js';
import { mountList } from './trading.js';

const decision = z.strictObject({ note: z.string().min(1).max(2_000).optional() });
const queueQuery = z.strictObject({ traderId: z.string().min(1).max(64).optional() });

/** An order waiting for a human: the key fields (its market context holds the latest candles too). */
const queuedReview = z
  .looseObject({
    /** The order's client order id. */
    id: z.string(),
    traderId: z.string(),
    signalId: z.string(),
    order: z.looseObject({ clientOrderId: z.string(), symbol: z.string(), side, type: z.enum(['market', 'limit']), quantity: amount, price: amount.optional() }),
    opinions: z.array(z.looseObject({ reviewer: z.enum(['risk', 'market']), verdict: z.enum(['approve', 'reject']), confidence: z.number(), reasons: z.array(z.string()) })),
    /** Why it needs a human. */
    reason: z.string(),
    because: z.array(z.string()),
    queuedAt: epochMs,
    expiresAt: epochMs,
  })
  .meta({ id: 'QueuedReview' });

const route = routesOf('Reviews');
const decisionRoute = (action: 'approve' | 'reject') =>
  route('trade', {
    method: 'post',
    path: `/reviews/{id}/${action}`,
    summary: action === 'approve' ? 'Approve a queued order: it goes out through its trader' : 'Reject a queued order: it is dropped',
    description: 'Decides once: a second decision, or one on an expired review, is a 409.',
    request: { params: idParam, body: jsonBody(decision) },
    responses: {
      200: answer('Decided', z.object({ id: z.string(), traderId: z.string(), approved: z.boolean(), note: z.string().nullable() })),
      ...errors(400, 404, 409, 422),
    },
  });
const queue = route('read', {
  method: 'get',
  path: '/reviews',
  summary: 'The human review queue, oldest first',
  request: { query: queueQuery },
  responses: { 200: answer('Orders the two AI reviews disagreed on, or were unsure of', z.object({ data: z.array(queuedReview) })), ...errors(400) },
});

/**
 * The human review queue (orders the two AI reviews disagreed on, or were unsure of) and the stored
 * decisions. Approving sends the order through its trader, once: a second decision is a 409.
 */
export function reviewRoutes(control: PlatformControl): ApiRouter {
  const decide = (approved: boolean) => async (c: Context<ApiEnv>) => {
    const { note } = await readJson(c, decision);
    const review = await control.decideReview(c.req.param('id')!, approved, { ...(note !== undefined ? { note } : {}), decidedBy: c.get('token').name });
    return json(c, { id: review.id, traderId: review.traderId, approved, note: note ?? null });
  };
  const router = apiRouter();
  mount(router, queue, async (c) => {
    const { traderId } = readQuery(c, queueQuery);
    return json(c, { data: await control.reviewQueue(traderId) });
  });
  mountList(router, control, route, { path: '/reviews/history', name: 'reviews', summary: 'Stored review decisions with each AI opinion and the order\'s outcome' });
  mount(router, decisionRoute('approve'), decide(true));
  mount(router, decisionRoute('reject'), decide(false));
  return router;
}
