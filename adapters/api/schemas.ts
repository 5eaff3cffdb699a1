import { z } from 'zod';
import type { ListName } from '../database/queries.js';

/**
 * Zod schemas of what the API answers, shared by several routes' definitions (see openapi.ts); a
 * schema used by one router lives beside its routes. They describe the JSON as `respond.ts` writes it.
 */

/** An amount: a fixed-point bigint or a NUMERIC column as exact decimal text, never a float. */
export const amount = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  // No component of its own: a nullable one would be `allOf` a string and null, which nothing matches.
  .meta({ description: 'An exact decimal amount, as a string.', example: '0.015' });

/** A time as the API writes it: epoch milliseconds. */
export const epochMs = z.number().int().nonnegative().meta({ description: 'Epoch milliseconds.' });

export const side = z.enum(['buy', 'sell']);
export const traderMode = z.enum(['active', 'reduce-only', 'halted']);
const orderStatus = z.enum(['new', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'expired']);

/** The `{id}` of a path. */
export const idParam = z.object({ id: z.string().min(1) });

/** A trader's order as it holds it, live (not yet in a final state). */
export const liveOrder = z
  .looseObject({
    clientOrderId: z.string(),
    traderId: z.string(),
    signalId: z.string(),
    symbol: z.string(),
    side,
    type: z.enum(['market', 'limit']),
    quantity: amount,
    price: amount.optional(),
    reduceOnly: z.boolean(),
    status: orderStatus,
    filled: amount,
    filledNotional: amount,
    fees: amount,
    createdAt: epochMs,
    updatedAt: epochMs,
  })
  .meta({ id: 'LiveOrder' });

/** The columns an order and a trade share. */
const traded = { trader_id: z.string(), exchange: z.string(), symbol: z.string(), side: z.enum(['BUY', 'SELL']) };

/**
 * A row of each stored list, as `queries.ts` serves it: the key columns of each (the others are there
 * too, typed the same way: ids as strings, amounts as exact decimal strings, times as epoch ms).
 */
const ROWS = {
  orders: z.looseObject({
    ...traded,
    client_order_id: z.string(),
    signal_id: z.string().nullable(),
    order_type: z.enum(['MARKET', 'LIMIT', 'STOP']),
    price: amount.nullable(),
    quantity: amount,
    filled_quantity: amount,
    fees: amount,
    status: orderStatus,
    reason: z.string().nullable(),
    created_at: epochMs,
    updated_at: epochMs,
  }),
  trades: z.looseObject({
    ...traded,
    trade_id: z.string(),
    client_order_id: z.string().nullable(),
    price: amount,
    quantity: amount,
    fee: amount,
    executed_at: epochMs,
  }),
  signals: z.looseObject({
    trader_id: z.string(),
    id: z.string(),
    strategy: z.string(),
    symbol: z.string(),
    action: z.enum(['BUY', 'SELL', 'CLOSE']),
    quantity: amount.nullable(),
    outcome: z.enum(['accepted', 'skipped', 'rejected', 'duplicate']),
    reason: z.string().nullable(),
    client_order_id: z.string().nullable(),
    received_at: epochMs,
  }),
  positions: z.looseObject({
    trader_id: z.string(),
    symbol: z.string(),
    quantity: amount,
    avg_entry_price: amount,
    realized_pnl: amount,
    fees: amount,
    funding: amount,
    opened_at: epochMs.nullable(),
    updated_at: epochMs,
  }),
  balances: z.looseObject({
    trader_id: z.string(),
    exchange: z.string(),
    account: z.string(),
    asset: z.string(),
    free: amount,
    locked: amount,
    timestamp: epochMs,
  }),
  reviews: z.looseObject({
    client_order_id: z.string(),
    trader_id: z.string(),
    approved: z.boolean(),
    reason: z.string(),
    decided_by: z.string().nullable(),
    note: z.string().nullable(),
    reviewed_at: epochMs,
    opinions: z.array(z.looseObject({ reviewer: z.string(), approved: z.boolean() })),
    order_status: orderStatus.nullable(),
  }),
} satisfies Record<ListName, z.ZodType>;

/** A page of stored list `name`: newest first; `next` is the `before` of the next page, null on the last. */
export function listPage(name: ListName) {
  return z.object({ data: z.array(ROWS[name]), next: z.string().nullable() });
}
