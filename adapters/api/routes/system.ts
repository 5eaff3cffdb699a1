import { z } from 'zod';
import type { PlatformControl, StopReport } from '../../../actors/platform/control.js';
import { DEAD_LETTER_KINDS } from '../../../runtime/dead-letters.js';
import type { RunningAlerts } from '../../alerts/run.js';
import { answer, apiRouter, errors, jsonBody, mount, routesOf, type ApiRouter } from '../openapi.js';
import { json } from '../respond.js';
import { amount, epochMs, traderMode } from '../schemas.js';
import { readJson, readQuery } from '../validate.js';
import type { Wake } from '../wake.js';

const reason = z.string().min(1).max(500);

const emergencyStopBody = z.strictObject({ reason: reason.default('emergency stop through the API'), waitMs: z.number().int().min(0).max(60_000).default(10_000) });
const resumeBody = z.strictObject({ reason: reason.default('resumed through the API'), traderId: z.string().min(1).optional() });

const alertState = z.object({
  name: z.string(),
  condition: z.string(),
  action: z.string(),
  durationMs: z.number(),
  state: z.enum(['ok', 'pending', 'firing']),
  value: z.union([z.number(), z.boolean()]).nullable(),
  since: epochMs.nullable(),
  firedAt: epochMs.nullable(),
  resolvedAt: epochMs.nullable(),
});

const systemStatus = z.object({
  state: z.enum(['running', 'stopping', 'stopped']),
  version: z.string(),
  uptimeMs: z.number(),
  uptimeS: z.number().int(),
  traders: z.object({ running: z.number().int(), failed: z.number().int(), stopped: z.number().int() }),
  restarts: z.number().int(),
  database: z.object({ kind: z.enum(['embedded', 'external', 'none']), where: z.string().nullable(), reachable: z.boolean(), bufferedRows: z.number().int(), lastError: z.string().nullable() }),
  exchanges: z.array(z.object({ name: z.string(), type: z.enum(['paper', 'ccxt']), connectivity: z.string(), lastError: z.string().nullable() })),
  reviewer: z.object({ kind: z.string(), describe: z.string(), state: z.string(), queued: z.number().int(), inFlight: z.number().int() }),
  /** Messages given up on since the start, by kind. */
  deadLetters: z.object({ total: z.number().int(), counts: z.record(z.enum(DEAD_LETTER_KINDS), z.number().int()) }),
});

const stopReport = z.object({
  traderId: z.string(),
  state: z.enum(['flat', 'closing', 'unclosed', 'not running']),
  mode: traderMode.nullable(),
  closing: z.array(z.object({ symbol: z.string(), quantity: amount, exiting: z.boolean() })),
  unclosed: z.array(z.object({ symbol: z.string(), quantity: amount.nullable(), reason: z.string() })),
});
const stopAnswer = z.object({ action: z.literal('emergency-stop'), reason: z.string().optional(), flat: z.boolean(), traders: z.array(stopReport) }).meta({ id: 'EmergencyStop' });

const deadLettersQuery = z.strictObject({
  /** Only those for this actor (`trader.alpha`, `exchange.paper`). */
  address: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});

const deadLetter = z.object({
  address: z.string(),
  kind: z.enum(DEAD_LETTER_KINDS),
  reason: z.string(),
  messageType: z.string().nullable(),
  attempts: z.number().int().nullable(),
  at: z.string(),
});

const route = routesOf('System');
const routes = {
  alerts: route('read', {
    method: 'get',
    path: '/alerts',
    summary: 'Alert rules and their states',
    description: "Every alert rule with its state (ok, pending, firing), the metric's last value and since when.",
    responses: { 200: answer('The alert rules', z.object({ data: z.array(alertState) })) },
  }),
  status: route('read', {
    method: 'get',
    path: '/system/status',
    summary: 'Platform status',
    description: 'The platform, its traders, database, exchanges and AI reviewer at a glance.',
    responses: { 200: answer('The status', systemStatus) },
  }),
  deadLetters: route('read', {
    method: 'get',
    path: '/system/dead-letters',
    summary: 'Dead letters',
    description: "The latest messages given up on (of `address` when given), newest first: where each was going, its kind (poison after `maxFailures`, invalid, to an unknown or stopped actor, not cloneable), why, and its message's `type`. The platform keeps the last 10,000; `/system/status` counts every one.",
    request: { query: deadLettersQuery },
    responses: { 200: answer('The dead letters', z.object({ data: z.array(deadLetter) })), ...errors(400) },
  }),
  emergencyStop: route('admin', {
    method: 'post',
    path: '/system/emergency-stop',
    summary: 'Emergency stop',
    description: 'Stops everything, then waits up to `waitMs` for every trader to settle.',
    request: { body: jsonBody(emergencyStopBody) },
    responses: {
      200: answer('Every trader is flat', stopAnswer),
      202: answer('Some positions are still closing when the wait ends: `GET` it again', stopAnswer),
      409: answer('Some positions could not be closed, each named with the reason', stopAnswer),
      ...errors(400, 422),
    },
  }),
  stopReport: route('read', {
    method: 'get',
    path: '/system/emergency-stop',
    summary: 'Where every trader stands after an emergency stop',
    responses: { 200: answer('Each trader: flat, closing, unclosed or not running', stopAnswer) },
  }),
  resume: route('admin', {
    method: 'post',
    path: '/system/resume',
    summary: 'Resume trading',
    description: 'Ends an emergency stop or a halt, for every trader or for `traderId`.',
    request: { body: jsonBody(resumeBody) },
    responses: {
      202: answer('Resuming', z.object({ accepted: z.literal(true), action: z.literal('resume'), reason: z.string(), traderId: z.string().nullable() })),
      ...errors(400, 404, 422),
    },
  }),
};

/** `/system/status`, the alerts, the emergency stop and resume. */
export function systemRoutes(control: PlatformControl, version: string, exits: Wake, alerts?: Pick<RunningAlerts, 'states'>): ApiRouter {
  const router = apiRouter();
  mount(router, routes.alerts, (c) => json(c, { data: alerts?.states() ?? [] }));
  mount(router, routes.status, async (c) => {
    const status = await control.status();
    return json(c, { ...status, uptimeS: Math.floor(status.uptimeMs / 1000), version });
  });
  mount(router, routes.deadLetters, (c) => json(c, { data: control.deadLetters(readQuery(c, deadLettersQuery)) }));
  /** 200 when all are flat, 409 when some positions could not be closed, 202 while some are still closing when the wait ends. */
  mount(router, routes.emergencyStop, async (c) => {
    const body = await readJson(c, emergencyStopBody);
    await control.emergencyStop(body.reason);
    const deadline = Date.now() + body.waitMs;
    let traders = await control.stopReport();
    while (traders.some((t) => t.state === 'closing') && Date.now() < deadline) {
      await exits.next(deadline - Date.now());
      traders = await control.stopReport();
    }
    return json(c, stopAnswerOf(body.reason, traders), stopStatus(traders));
  });
  mount(router, routes.stopReport, async (c) => json(c, stopAnswerOf(null, await control.stopReport())));
  mount(router, routes.resume, async (c) => {
    const body = await readJson(c, resumeBody);
    await control.resume(body.reason, body.traderId);
    return json(c, { accepted: true, action: 'resume', reason: body.reason, traderId: body.traderId ?? null }, 202);
  });
  return router;
}

/** The emergency stop's answer over these traders' reports (a cluster node puts every node's together). */
export function stopAnswerOf(reason: string | null, traders: StopReport[]) {
  const flat = traders.every((t) => t.state === 'flat');
  return { action: 'emergency-stop', ...(reason !== null ? { reason } : {}), flat, traders };
}

export function stopStatus(traders: StopReport[]): 200 | 202 | 409 {
  if (traders.some((t) => t.state === 'closing')) return 202;
  return traders.every((t) => t.state === 'flat') ? 200 : 409;
}
