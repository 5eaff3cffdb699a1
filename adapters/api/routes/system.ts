import { Hono } from 'hono';
import { z } from 'zod';
import type { PlatformControl, StopReport } from '../../../actors/platform/control.js';
import type { RunningAlerts } from '../../alerts/run.js';
import { requireScope, type ApiEnv } from '../auth.js';
import { json } from '../respond.js';
import { readJson } from '../validate.js';
import type { Wake } from '../wake.js';

const reason = z.string().min(1).max(500);

/** `/system/status`, the emergency stop and resume. */
export function systemRoutes(control: PlatformControl, version: string, exits: Wake, alerts?: Pick<RunningAlerts, 'states'>): Hono<ApiEnv> {
  return new Hono<ApiEnv>()
    /** Every alert rule with its state (ok, pending, firing), the metric's last value and since when. */
    .get('/alerts', requireScope('read'), (c) => json(c, { data: alerts?.states() ?? [] }))
    .get('/system/status', requireScope('read'), async (c) => {
      const status = await control.status();
      return json(c, { ...status, uptimeS: Math.floor(status.uptimeMs / 1000), version });
    })
    /**
     * Stops everything, then waits up to `waitMs` for every trader to settle: 200 when all are flat,
     * 409 when some positions could not be closed (each named with the reason), 202 while some are
     * still closing when the wait ends (`GET` it again).
     */
    .post('/system/emergency-stop', requireScope('admin'), async (c) => {
      const body = await readJson(c, z.strictObject({ reason: reason.default('emergency stop through the API'), waitMs: z.number().int().min(0).max(60_000).default(10_000) }));
      await control.emergencyStop(body.reason);
      const deadline = Date.now() + body.waitMs;
      let traders = await control.stopReport();
      while (traders.some((t) => t.state === 'closing') && Date.now() < deadline) {
        await exits.next(deadline - Date.now());
        traders = await control.stopReport();
      }
      return json(c, stopAnswer(body.reason, traders), stopStatus(traders));
    })
    .get('/system/emergency-stop', requireScope('read'), async (c) => {
      const traders = await control.stopReport();
      return json(c, stopAnswer(null, traders));
    })
    .post('/system/resume', requireScope('admin'), async (c) => {
      const body = await readJson(c, z.strictObject({ reason: reason.default('resumed through the API'), traderId: z.string().min(1).optional() }));
      await control.resume(body.reason, body.traderId);
      return json(c, { accepted: true, action: 'resume', reason: body.reason, traderId: body.traderId ?? null }, 202);
    });
}

function stopAnswer(reason: string | null, traders: StopReport[]) {
  const flat = traders.every((t) => t.state === 'flat');
  return { action: 'emergency-stop', ...(reason !== null ? { reason } : {}), flat, traders };
}

function stopStatus(traders: StopReport[]): 200 | 202 | 409 {
  if (traders.some((t) => t.state === 'closing')) return 202;
  return traders.every((t) => t.state === 'flat') ? 200 : 409;
}
