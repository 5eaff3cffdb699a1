import { randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { z } from 'zod';
import { ControlError, type PlatformControl, type SignalOutcome } from '../../../actors/platform/control.js';
import { STRATEGIES, strategyTypes } from '../../../actors/strategies/registry.js';
import type { StrategyDefinition } from '../../../actors/strategies/strategy.js';
import { signalInput } from '../../../actors/trading/signal.js';
import { loadedStrategy } from '../../config/strategies.js';
import { strategyModule, type PlatformConfig } from '../../config/schema.js';
import { listSchemas, type ListName } from '../../database/queries.js';
import type { ApiEnv } from '../auth.js';
import { ApiError, errorBody, fromZodError } from '../errors.js';
import { answer, apiRouter, errors, jsonBody, mount, routesOf, type ApiRouter } from '../openapi.js';
import type { SignalOutcomes } from '../outcomes.js';
import { json } from '../respond.js';
import { amount, epochMs, liveOrder, listPage, side } from '../schemas.js';
import { readJson } from '../validate.js';

const decimal = z.union([z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal such as "0.015"'), z.number().positive()]).meta({ example: '0.015' });

const manualOrder = z.strictObject({
  traderId: z.string().min(1).max(64),
  symbol: z.string().min(1).max(32),
  side: z.string().transform((side, ctx) => {
    const upper = side.toUpperCase();
    if (upper === 'BUY' || upper === 'SELL') return upper;
    ctx.addIssue({ code: 'custom', message: `must be BUY or SELL, got "${side.slice(0, 20)}"` });
    return z.NEVER;
  }).meta({ description: '`BUY` or `SELL`, in any case', example: 'BUY' }),
  quantity: decimal,
  /** Limit price; a market order when absent. */
  price: decimal.optional(),
  /** Idempotency key: sending the same id twice places one order. */
  id: z.string().min(1).max(100).optional(),
});

const MAX_SIGNALS = 1_000;
/** A batch of signals: an array, `{ "signals": [...] }`, or one signal; `each` and `one` are a signal's schema in each form. */
const batchOf = <E extends z.ZodType, O extends z.ZodType>(each: E, one: O) =>
  z.union([z.array(each).min(1).max(MAX_SIGNALS), z.strictObject({ signals: z.array(each).min(1).max(MAX_SIGNALS) }), one]);
/** What `POST /signals` checks of its body: the form only, as each signal is checked by its trader's rules and answered on its own. */
const signalsBody = batchOf(z.unknown(), z.looseObject({ symbol: z.unknown() }));

/** How long `POST /orders` waits for the trader's decision before answering 202 (the order goes on). */
const ORDER_WAIT_MS = 5_000;

/** A stored list (`query` of persistence) with the request's filters; bad ones are named by the 400. */
function listRoute(control: PlatformControl, name: ListName) {
  /** Query string text decoded, or undefined when its percent-encoding is not UTF-8 (`%ED%A0%80`, a lone surrogate's bytes). */
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text.replaceAll('+', ' '));
    } catch {
      return undefined;
    }
  };
  return async (c: Context<ApiEnv>) => {
    // Read here rather than by `c.req.query()`, which keeps a repeated parameter's first value and
    // leaves bytes that are not UTF-8 as their `%` text: both are refused, naming the parameter.
    const query = new Map<string, string>();
    for (const pair of new URL(c.req.url).search.slice(1).split('&')) {
      const at = pair.includes('=') ? pair.indexOf('=') : pair.length;
      if (at === 0) continue; // nothing to name (`&&`, `=x`), skipped as `c.req.query()` skips it
      const param = decode(pair.slice(0, at));
      const value = decode(pair.slice(at + 1));
      if (param === undefined || value === undefined) throw new ApiError('ERR_BAD_REQUEST', 'is not percent-encoded UTF-8', { field: param ?? pair.slice(0, at) });
      if (query.has(param)) throw new ApiError('ERR_BAD_REQUEST', 'is given more than once', { field: param });
      query.set(param, value);
    }
    // The list's own schema, which persistence checks again: a bad parameter is a 400 before any query, whatever the database's state.
    const filter = Object.fromEntries(query);
    const checked = listSchemas[name].safeParse(filter);
    if (!checked.success) throw fromZodError(checked.error, 'ERR_BAD_REQUEST');
    const page = await control.query(name, filter);
    return json(c, { data: page.rows, next: page.next ?? null });
  };
}

/** A strategy as `GET /strategies` lists it: its params as JSON Schema, as a form or a client validates them. */
function describeStrategy(definition: StrategyDefinition, module?: string) {
  return { type: definition.type, ...(module ? { module } : {}), description: definition.description, params: z.toJSONSchema(definition.params, { io: 'input', unrepresentable: 'any' }) };
}

/** The strategy modules of the config's traders, each once. */
function configuredModules(config: PlatformConfig) {
  const files = new Set(config.traders.flatMap((t) => strategyModule(t.strategy) ?? []));
  return [...files].flatMap((file) => {
    const definition = loadedStrategy(file);
    return definition ? [describeStrategy(definition, file)] : [];
  });
}

/**
 * Mounts stored list `name` at `path`, defined by `route` (of the router's tag): its filters are the
 * query, a page of its rows the answer.
 */
export function mountList<P extends string>(router: ApiRouter, control: PlatformControl, route: ReturnType<typeof routesOf>, list: { path: P; name: ListName; summary: string }): void {
  const definition = route('read', {
    method: 'get',
    path: list.path,
    summary: list.summary,
    description: 'A stored list. A paged one is newest first, `limit` rows at a time: pass `next` as `before` for the next page. A parameter unknown or given twice is a 400 naming it.',
    request: { query: listSchemas[list.name] },
    responses: { 200: answer('A page of rows', listPage(list.name)), ...errors(400) },
  });
  mount(router, definition, listRoute(control, list.name));
}

const strategyOf = z.object({
  type: z.string(),
  /** The file of a strategy module of the config. */
  module: z.string().optional(),
  description: z.string(),
  params: z.record(z.string(), z.unknown()).meta({ description: "JSON Schema of the strategy's params" }),
});
const configuredStrategy = z.object({
  traderId: z.string(),
  name: z.string(),
  type: z.string(),
  module: z.string().optional(),
  symbols: z.array(z.string()),
  timeframe: z.string(),
  params: z.record(z.string(), z.unknown()),
});

/** What became of a signal stored earlier under the same id. */
const storedOutcome = z.object({
  outcome: z.enum(['accepted', 'skipped', 'rejected', 'duplicate']),
  reason: z.string().nullable(),
  clientOrderId: z.string().nullable(),
  order: z.object({ status: z.string(), reason: z.string().nullable() }).nullable(),
  receivedAt: epochMs,
});
const signalOutcome = z
  .union([
    z.object({ index: z.number().int(), id: z.string(), traderId: z.string().nullable(), accepted: z.literal(true) }),
    z.object({
      index: z.number().int(),
      id: z.string().nullable(),
      traderId: z.string().nullable(),
      accepted: z.literal(false),
      /** The field at fault, and why. */
      field: z.string(),
      reason: z.string(),
      /** An id already used: not routed again, answered with what became of it. */
      duplicate: z.literal(true).optional(),
      outcome: storedOutcome.optional(),
    }),
  ])
  .meta({ id: 'SignalOutcome' });
const signalsAnswer = z.object({ data: z.array(signalOutcome), accepted: z.number().int() });

const placedOrder = z.object({ signalId: z.string(), clientOrderId: z.string(), side, requestedQuantity: amount.nullable(), quantity: amount, note: z.string().optional() });

const route = routesOf('Trading');
const LISTS = [
  { path: '/accounts/balance', name: 'balances', summary: 'Latest balance of each asset per trader account' },
  { path: '/orders', name: 'orders', summary: 'Stored orders' },
  { path: '/trades', name: 'trades', summary: 'Stored trades (fills)' },
  { path: '/positions', name: 'positions', summary: 'Positions, by trader and symbol' },
  { path: '/signals', name: 'signals', summary: 'Stored signals with their outcome' },
] as const;
const routes = {
  strategies: route('read', {
    method: 'get',
    path: '/strategies',
    summary: 'Strategy types and the configured strategies',
    responses: { 200: answer('Each strategy type with its params as JSON Schema, and each trader\'s strategy', z.object({ data: z.array(strategyOf), configured: z.array(configuredStrategy) })) },
  }),
  submitSignals: route('trade', {
    method: 'post',
    path: '/signals',
    summary: 'Send signals to traders',
    description: `Up to ${MAX_SIGNALS} signals (v3 or v2 format), each checked with its trader's rules and answered on its own; those accepted are routed in order. A trader that is behind refuses the whole request (429, or 503 while it restarts, with \`Retry-After\`).`,
    request: { body: jsonBody(batchOf(signalInput, signalInput), true) },
    responses: {
      202: answer('At least one signal was accepted', signalsAnswer),
      422: answer('No signal was accepted (each answer says why), or the body is not a batch of signals', z.union([signalsAnswer, errorBody])),
      ...errors(400),
    },
  }),
  placeOrder: route('trade', {
    method: 'post',
    path: '/orders',
    summary: 'Place a manual order',
    description: `The order goes through its trader and its risk checks, as a signal of strategy \`manual\`; the answer waits up to ${ORDER_WAIT_MS / 1000} s for the trader's decision.`,
    request: { body: jsonBody(manualOrder, true) },
    responses: {
      201: answer('Placed', placedOrder.extend({ status: z.literal('accepted') })),
      202: answer('Held for the human review, or not decided yet within the wait (it goes on)', z.union([placedOrder.extend({ status: z.literal('pending_review') }), z.object({ signalId: z.string(), status: z.literal('pending') })])),
      409: answer('The order id was already used; `outcome` is what became of it when it is stored', errorBody.extend({ outcome: storedOutcome.optional() })),
      422: answer("`ERR_VALIDATION`: the body breaks the schema, or the trader refused the order (its risk checks or its mode); the message says why", errorBody),
      ...errors(400),
    },
  }),
  cancelOrder: route('trade', {
    method: 'delete',
    path: '/orders/{clientOrderId}',
    summary: 'Cancel a live order',
    description: 'Asks the trader holding the live order to cancel it; the cancel is stored once the exchange confirms it. An order no running trader holds live is a 404 naming `id`.',
    request: { params: z.object({ clientOrderId: z.string().min(1) }) },
    responses: { 202: answer('Sent to its trader', z.object({ accepted: z.literal(true), action: z.literal('cancel'), traderId: z.string(), order: liveOrder })), ...errors(404) },
  }),
};

/** Accounts, orders, trades, positions, signals and strategies. */
export function tradingRoutes(control: PlatformControl, outcomes: SignalOutcomes): ApiRouter {
  const router = apiRouter();
  for (const list of LISTS) mountList(router, control, route, list);
  mount(router, routes.strategies, (c) =>
    json(c, {
      data: [...strategyTypes().map((type) => describeStrategy(STRATEGIES[type]!)), ...configuredModules(control.config)],
      configured: control.config.traders.flatMap((t) => (t.strategy ? [{ traderId: t.id, name: t.strategy.name, type: t.strategy.type, ...(strategyModule(t.strategy) !== undefined ? { module: strategyModule(t.strategy) } : {}), symbols: t.strategy.symbols, timeframe: t.strategy.timeframe, params: t.strategy.params }] : [])),
    }),
  );
  mount(router, routes.submitSignals, async (c) => {
    const body = await readJson(c, signalsBody);
    const inputs = Array.isArray(body) ? body : 'signals' in body && Array.isArray(body.signals) ? body.signals : [body];
    admitSignals(c, control, inputs);
    const results = await submit(c, control, inputs);
    return json(c, { data: results, accepted: results.filter((r) => r.accepted).length }, results.some((r) => r.accepted) ? 202 : 422);
  });
mount(router, routes.placeOrder, async (c) => {
    const order = await readJson(c, manualOrder);
    const signal = { id: order.id ?? `manual-${randomUUID()}`, traderId: order.traderId, strategy: 'manual', symbol: order.symbol, action: order.side, quantity: order.quantity, ...(order.price !== undefined ? { price: order.price } : {}) };
    admitSignals(c, control, [signal]);
    const outcome = outcomes.wait(order.traderId, signal.id, ORDER_WAIT_MS);
    const [result] = await submit(c, control, [signal], { newIds: order.id === undefined });
    if ('duplicate' in result!) {
      return json(c, { ...new ApiError('ERR_CONFLICT', `order id "${signal.id}" was already used`, { field: 'id' }).body(), outcome: result.outcome }, 409);
    }
    if (!result!.accepted) throw new ApiError('ERR_VALIDATION', result!.reason, { field: result!.field });
    const event = await outcome;
    if (!event) return json(c, { signalId: signal.id, status: 'pending' }, 202);
    switch (event.kind) {
      case 'signal.accepted': {
        // What was placed, said plainly: held for review is not placed yet, and a sized-down order names why.
        const { sized } = event;
        const placed = { signalId: signal.id, clientOrderId: event.clientOrderId, side: sized.side, requestedQuantity: event.quantity ?? null, quantity: sized.quantity, ...(sized.note !== undefined ? { note: sized.note } : {}) };
        if (sized.review) return json(c, { ...placed, status: 'pending_review' }, 202);
        return json(c, { ...placed, status: 'accepted' }, 201);
      }
      case 'signal.duplicate':
        throw new ApiError('ERR_CONFLICT', `order id "${signal.id}" was already used`, { field: 'id' });
      case 'signal.skipped':
        // Valid, but refused by the trader's risk checks or mode: the reason says which.
        throw new ApiError('ERR_VALIDATION', event.reason);
      case 'signal.rejected':
        throw new ApiError('ERR_VALIDATION', event.reason, { field: event.field });
    }
  });
mount(router, routes.cancelOrder, async (c) => {
    const { traderId, order } = await control.cancelOrder(c.req.param('clientOrderId'));
    return json(c, { accepted: true, action: 'cancel', traderId, order }, 202);
  });
  return router;
}

/**
 * Refuses the whole request, before anything is routed, when a trader it is for cannot take its signals
 * now: 429 while the trader runs but is behind, 503 while it is restarting; `Retry-After` is how long the
 * trader needs at its measured pace (`PlatformControl.admit`). Each signal counts, not each request.
 */
function admitSignals(c: Context<ApiEnv>, control: PlatformControl, inputs: readonly unknown[]): void {
  const counts = new Map<string, number>();
  for (const input of inputs) {
    const traderId = (input as { traderId?: unknown })?.traderId;
    if (typeof traderId === 'string') counts.set(traderId, (counts.get(traderId) ?? 0) + 1);
  }
  for (const [traderId, count] of counts) {
    const admission = control.admit(traderId, count);
    if (admission.ok) continue;
    c.header('Retry-After', String(admission.retryAfterS));
    throw new ApiError(admission.code, admission.reason, { field: 'traderId' });
  }
}

/** Seconds a client waits before retrying a request whose ids could not be checked: persistence probes a lost database every second. */
const LOOKUP_RETRY_AFTER_S = 1;

/** `submitSignals`; its only 503 is a lookup of used ids the database could not answer, with nothing routed: retry later. */
async function submit(c: Context<ApiEnv>, control: PlatformControl, inputs: readonly unknown[], options?: { newIds: boolean }): Promise<SignalOutcome[]> {
  try {
    return await control.submitSignals(inputs, options);
  } catch (error) {
    if (error instanceof ControlError && error.code === 'ERR_UNAVAILABLE') c.header('Retry-After', String(LOOKUP_RETRY_AFTER_S));
    throw error;
  }
}
