import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { ControlError, type PlatformControl, type SignalOutcome } from '../../../actors/platform/control.js';
import { STRATEGIES, strategyTypes } from '../../../actors/strategies/registry.js';
import type { StrategyDefinition } from '../../../actors/strategies/strategy.js';
import { loadedStrategy } from '../../config/strategies.js';
import { strategyModule, type PlatformConfig } from '../../config/schema.js';
import { listSchemas, type ListName } from '../../database/queries.js';
import { requireScope, type ApiEnv } from '../auth.js';
import { ApiError, fromZodError } from '../errors.js';
import type { SignalOutcomes } from '../outcomes.js';
import { json } from '../respond.js';
import { readJson } from '../validate.js';

const decimal = z.union([z.string().regex(/^\d+(\.\d+)?$/, 'must be a decimal such as "0.015"'), z.number().positive()]);

const manualOrder = z.strictObject({
  traderId: z.string().min(1).max(64),
  symbol: z.string().min(1).max(32),
  side: z.string().transform((side, ctx) => {
    const upper = side.toUpperCase();
    if (upper === 'BUY' || upper === 'SELL') return upper;
    ctx.addIssue({ code: 'custom', message: `must be BUY or SELL, got "${side.slice(0, 20)}"` });
    return z.NEVER;
  }),
  quantity: decimal,
  /** Limit price; a market order when absent. */
  price: decimal.optional(),
  /** Idempotency key: sending the same id twice places one order. */
  id: z.string().min(1).max(100).optional(),
});

const MAX_SIGNALS = 1_000;
const signalsBody = z.union([
  z.array(z.unknown()).min(1).max(MAX_SIGNALS),
  z.strictObject({ signals: z.array(z.unknown()).min(1).max(MAX_SIGNALS) }),
  z.looseObject({ symbol: z.unknown() }),
]);

/** How long `POST /orders` waits for the trader's decision before answering 202 (the order goes on). */
const ORDER_WAIT_MS = 5_000;

/** A stored list (`query` of persistence) with the request's filters; bad ones are named by the 400. */
export function listRoute(control: PlatformControl, name: ListName) {
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

/** Accounts, orders, trades, positions, signals and strategies. */
export function tradingRoutes(control: PlatformControl, outcomes: SignalOutcomes): Hono<ApiEnv> {
  const list = (name: ListName) => listRoute(control, name);
  return new Hono<ApiEnv>()
    .get('/accounts/balance', requireScope('read'), list('balances'))
    .get('/orders', requireScope('read'), list('orders'))
    .get('/trades', requireScope('read'), list('trades'))
    .get('/positions', requireScope('read'), list('positions'))
    .get('/signals', requireScope('read'), list('signals'))
    .get('/strategies', requireScope('read'), (c) =>
      json(c, {
        data: [...strategyTypes().map((type) => describeStrategy(STRATEGIES[type]!)), ...configuredModules(control.config)],
        configured: control.config.traders.flatMap((t) => (t.strategy ? [{ traderId: t.id, name: t.strategy.name, type: t.strategy.type, ...(strategyModule(t.strategy) !== undefined ? { module: strategyModule(t.strategy) } : {}), symbols: t.strategy.symbols, timeframe: t.strategy.timeframe, params: t.strategy.params }] : [])),
      }),
    )
    .post('/signals', requireScope('trade'), async (c) => {
      const body = await readJson(c, signalsBody);
      const inputs = Array.isArray(body) ? body : 'signals' in body && Array.isArray(body.signals) ? body.signals : [body];
      admitSignals(c, control, inputs);
      const results = await submit(c, control, inputs);
      return json(c, { data: results, accepted: results.filter((r) => r.accepted).length }, results.some((r) => r.accepted) ? 202 : 422);
    })
    .post('/orders', requireScope('trade'), async (c) => {
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
    })
    .delete('/orders/:id', requireScope('trade'), async (c) => {
      const { traderId, order } = await control.cancelOrder(c.req.param('id'));
      return json(c, { accepted: true, action: 'cancel', traderId, order }, 202);
    });
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
