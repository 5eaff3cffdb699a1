import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { PlatformControl } from '../../../actors/platform/control.js';
import { requireScope, type ApiEnv } from '../auth.js';
import { json } from '../respond.js';
import { readJson, readQuery } from '../validate.js';
import { listRoute } from './trading.js';

const decision = z.strictObject({ note: z.string().min(1).max(2_000).optional() });
const queueQuery = z.strictObject({ traderId: z.string().min(1).max(64).optional() });

/**
 * The human review queue (orders the two AI reviews disagreed on, or were unsure of) and the stored
 * decisions. Approving sends the order through its trader, once: a second decision is a 409.
 */
export function reviewRoutes(control: PlatformControl): Hono<ApiEnv> {
  const decide = (approved: boolean) => async (c: Context<ApiEnv>) => {
    const { note } = await readJson(c, decision);
    const review = await control.decideReview(c.req.param('id')!, approved, { ...(note !== undefined ? { note } : {}), decidedBy: c.get('token').name });
    return json(c, { id: review.id, traderId: review.traderId, approved, note: note ?? null });
  };
  return new Hono<ApiEnv>()
    .get('/reviews', requireScope('read'), async (c) => {
      const { traderId } = readQuery(c, queueQuery);
      return json(c, { data: await control.reviewQueue(traderId) });
    })
    .get('/reviews/history', requireScope('read'), listRoute(control, 'reviews'))
    .post('/reviews/:id/approve', requireScope('trade'), decide(true))
    .post('/reviews/:id/reject', requireScope('trade'), decide(false));
}
