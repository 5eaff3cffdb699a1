import { Hono } from 'hono';
import { z } from 'zod';
import type { PlatformControl, TraderSummary } from '../../../actors/platform/control.js';
import { requireScope, type ApiEnv } from '../auth.js';
import { json } from '../respond.js';
import { readJson } from '../validate.js';
import type { Stream } from '../stream.js';

const interventionBody = z.strictObject({ reason: z.string().min(1).max(500).optional() });

/** The trader lifecycle and per-trader risk actions. Changes are announced on the stream's `system` channel. */
export function traderRoutes(control: PlatformControl, stream: Stream): Hono<ApiEnv> {
  const announce = (traderId: string, action: string, summary?: TraderSummary) =>
    stream.publishSystem({ kind: 'trader', action, traderId, state: summary?.state ?? 'deleted', at: Date.now() });
  const app = new Hono<ApiEnv>()
    .get('/traders', requireScope('read'), async (c) => json(c, { data: await control.traders() }))
    .get('/traders/:id', requireScope('read'), async (c) => json(c, await control.trader(c.req.param('id'))))
    .get('/traders/:id/status', requireScope('read'), async (c) => json(c, await control.trader(c.req.param('id'))))
    .post('/traders', requireScope('admin'), async (c) => {
      const summary = await control.createTrader(await readJson(c, z.looseObject({})));
      announce(summary.id, 'created', summary);
      c.header('Location', `/api/v1/traders/${summary.id}`);
      return json(c, summary, 201);
    })
    .delete('/traders/:id', requireScope('admin'), async (c) => {
      await control.deleteTrader(c.req.param('id'));
      announce(c.req.param('id'), 'deleted');
      return c.body(null, 204);
    });
  for (const action of ['start', 'stop', 'restart'] as const) {
    app.post(`/traders/:id/${action}`, requireScope('admin'), async (c) => {
      const id = c.req.param('id');
      const summary = await (action === 'start' ? control.startTrader(id) : action === 'stop' ? control.stopTrader(id) : control.restartTrader(id));
      announce(id, action, summary);
      return json(c, summary);
    });
  }
  for (const action of ['halt', 'reduce-only', 'close-positions', 'resume'] as const) {
    app.post(`/traders/:id/${action}`, requireScope('admin'), async (c) => {
      const id = c.req.param('id');
      const reason = (await readJson(c, interventionBody)).reason ?? (action === 'resume' ? 'resumed through the API' : `${action} through the API`);
      if (action === 'resume') await control.resume(reason, id);
      else await control.intervene(id, action, reason);
      return json(c, { accepted: true, action, traderId: id, reason }, 202);
    });
  }
  return app;
}
