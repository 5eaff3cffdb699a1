import { Hono } from 'hono';
import { z } from 'zod';
import type { PlatformControl } from '../../../actors/platform/control.js';
import type { RunningAlerts } from '../../alerts/run.js';
import { requireScope, type ApiEnv } from '../auth.js';
import { json } from '../respond.js';
import { readJson } from '../validate.js';

const reason = z.string().min(1).max(500);

/** `/system/status`, the emergency stop and resume. */
export function systemRoutes(control: PlatformControl, version: string, alerts?: Pick<RunningAlerts, 'states'>): Hono<ApiEnv> {
  return new Hono<ApiEnv>()
    /** Every alert rule with its state (ok, pending, firing), the metric's last value and since when. */
    .get('/alerts', requireScope('read'), (c) => json(c, { data: alerts?.states() ?? [] }))
    .get('/system/status', requireScope('read'), async (c) => {
      const status = await control.status();
      return json(c, { ...status, uptimeS: Math.floor(status.uptimeMs / 1000), version });
    })
    .post('/system/emergency-stop', requireScope('admin'), async (c) => {
      const body = await readJson(c, z.strictObject({ reason: reason.default('emergency stop through the API') }));
      control.emergencyStop(body.reason);
      return json(c, { accepted: true, action: 'emergency-stop', reason: body.reason }, 202);
    })
    .post('/system/resume', requireScope('admin'), async (c) => {
      const body = await readJson(c, z.strictObject({ reason: reason.default('resumed through the API'), traderId: z.string().min(1).optional() }));
      control.resume(body.reason, body.traderId);
      return json(c, { accepted: true, action: 'resume', reason: body.reason, traderId: body.traderId ?? null }, 202);
    });
}
