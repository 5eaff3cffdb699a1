import { z } from 'zod';
import type { PlatformControl, TraderSummary } from '../../../actors/platform/control.js';
import { traderSchema } from '../../config/schema.js';
import { answer, apiRouter, errors, jsonBody, mount, routesOf, type ApiRouter } from '../openapi.js';
import { json } from '../respond.js';
import { amount, epochMs, idParam, liveOrder, traderMode } from '../schemas.js';
import { readJson } from '../validate.js';
import type { Stream } from '../stream.js';

const interventionBody = z.strictObject({ reason: z.string().min(1).max(500).optional() });

/** A running trader's live state: the key fields (it holds more, such as its exits and margins). */
const traderStatus = z
  .looseObject({
    traderId: z.string(),
    mode: traderMode,
    modeReason: z.string(),
    equity: amount,
    unrealized: amount,
    balances: z.record(z.string(), amount),
    positions: z.record(
      z.string(),
      z.looseObject({ symbol: z.string(), quantity: amount, avgEntry: amount, realizedPnl: amount, fees: amount, openedAt: epochMs, funding: amount.optional(), fundedTo: epochMs.optional() }),
    ),
    orders: z.record(z.string(), liveOrder),
    marks: z.record(z.string(), amount),
    stats: z.looseObject({ signals: z.number().int(), rejected: z.number().int(), orders: z.number().int(), fills: z.number().int() }),
  })
  .meta({ id: 'TraderStatus' });

const traderSummary = z
  .object({
    id: z.string(),
    state: z.enum(['running', 'starting', 'restarting', 'stopped', 'failed']),
    exchange: z.string(),
    strategy: z.object({ name: z.string(), type: z.string(), timeframe: z.string() }).nullable(),
    symbols: z.array(z.string()),
    restarts: z.number().int(),
    lastError: z.string().nullable(),
    /** Absent while the trader is not running. */
    live: traderStatus.optional(),
    /** Equity less the starting quote balance, at the current marks. */
    pnl: amount.optional(),
    /** Equity less the equity at the start of the UTC day. */
    dayPnl: amount.optional(),
  })
  .meta({ id: 'TraderSummary' });

/** The lifecycle actions, each with what it does. */
const LIFECYCLE = {
  start: 'Start a stopped trader',
  stop: 'Stop a trader gracefully (its mailbox is drained first); its config stays, so it can be started again',
  restart: "Restart a trader's actor from its last snapshot (a failed trader too)",
} as const;
/** The risk actions on one trader, each with what it does. */
const INTERVENTIONS = {
  halt: 'Halt a trader: it sends no new orders',
  'reduce-only': 'Put a trader in reduce-only mode: its orders may only shrink its positions',
  'close-positions': "Close a trader's positions",
  resume: 'Resume a trader: end its halt or reduce-only mode',
} as const;

const route = routesOf('Traders');
const one = { request: { params: idParam } };
const routes = {
  list: route('read', { method: 'get', path: '/traders', summary: 'Every trader', responses: { 200: answer('The traders of the config, with live state for those running', z.object({ data: z.array(traderSummary) })) } }),
  get: route('read', { method: 'get', path: '/traders/{id}', summary: 'One trader', ...one, responses: { 200: answer('The trader', traderSummary), ...errors(404) } }),
  status: route('read', { method: 'get', path: '/traders/{id}/status', summary: 'One trader (the same as `GET /traders/{id}`)', ...one, responses: { 200: answer('The trader', traderSummary), ...errors(404) } }),
  create: route('admin', {
    method: 'post',
    path: '/traders',
    summary: 'Create a trader',
    description: "Adds a trader to the running platform, validated like a config file entry (errors name the field), and starts it. Announced on the stream's `system` channel.",
    request: { body: jsonBody(traderSchema, true) },
    responses: { 201: answer('Created and started; `Location` names it', traderSummary), ...errors(400, 409, 422) },
  }),
  delete: route('admin', {
    method: 'delete',
    path: '/traders/{id}',
    summary: 'Delete a trader',
    description: 'Stops the trader and forgets its config. What it stored stays in the database.',
    ...one,
    responses: { 204: { description: 'Deleted' }, ...errors(404) },
  }),
};

const lifecycleRoute = <A extends keyof typeof LIFECYCLE>(action: A) =>
  route('admin', {
    method: 'post',
    path: `/traders/{id}/${action}`,
    summary: LIFECYCLE[action],
    ...one,
    responses: { 200: answer('The trader after it', traderSummary), ...errors(404, 409) },
  });

const interventionRoute = <A extends keyof typeof INTERVENTIONS>(action: A) =>
  route('admin', {
    method: 'post',
    path: `/traders/{id}/${action}`,
    summary: INTERVENTIONS[action],
    request: { ...one.request, body: jsonBody(interventionBody) },
    responses: {
      202: answer("Sent to the risk manager; the trader's `live.mode` shows it once applied", z.object({ accepted: z.literal(true), action: z.literal(action), traderId: z.string(), reason: z.string() })),
      ...errors(400, 404, 409, 422),
    },
  });

/** The trader lifecycle and per-trader risk actions. Changes are announced on the stream's `system` channel. */
export function traderRoutes(control: PlatformControl, stream: Stream): ApiRouter {
  const announce = (traderId: string, action: string, summary?: TraderSummary) =>
    stream.publishSystem({ kind: 'trader', action, traderId, state: summary?.state ?? 'deleted', at: Date.now() });
  const router = apiRouter();
  mount(router, routes.list, async (c) => json(c, { data: await control.traders() }));
  mount(router, routes.get, async (c) => json(c, await control.trader(c.req.param('id'))));
  mount(router, routes.status, async (c) => json(c, await control.trader(c.req.param('id'))));
  mount(router, routes.create, async (c) => {
    const summary = await control.createTrader(await readJson(c, z.looseObject({})));
    announce(summary.id, 'created', summary);
    c.header('Location', `/api/v1/traders/${summary.id}`);
    return json(c, summary, 201);
  });
  mount(router, routes.delete, async (c) => {
    await control.deleteTrader(c.req.param('id'));
    announce(c.req.param('id'), 'deleted');
    return c.body(null, 204);
  });
  for (const action of keys(LIFECYCLE)) {
    mount(router, lifecycleRoute(action), async (c) => {
      const id = c.req.param('id');
      const summary = await (action === 'start' ? control.startTrader(id) : action === 'stop' ? control.stopTrader(id) : control.restartTrader(id));
      announce(id, action, summary);
      return json(c, summary);
    });
  }
  for (const action of keys(INTERVENTIONS)) {
    mount(router, interventionRoute(action), async (c) => {
      const id = c.req.param('id');
      const reason = (await readJson(c, interventionBody)).reason ?? (action === 'resume' ? 'resumed through the API' : `${action} through the API`);
      if (action === 'resume') await control.resume(reason, id);
      else await control.intervene(id, action, reason);
      return json(c, { accepted: true, action, traderId: id, reason }, 202);
    });
  }
  return router;
}

const keys = <T extends object>(record: T) => Object.keys(record) as (keyof T & string)[];
