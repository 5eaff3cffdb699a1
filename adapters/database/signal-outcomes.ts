import { sql, type DatabasePool } from 'slonik';
import { z } from 'zod';

/**
 * What became of signal ids already used: the API answers a resent id with its stored outcome instead
 * of routing it again (a trader restarted with the whole platform remembers only its latest ids, and a
 * resend would otherwise be answered as accepted though it can never trade).
 */

/** A signal as the `signals` table keys it. */
export interface SignalKey {
  traderId: string;
  id: string;
}

/** A signal's stored outcome and, when it made an order, where that order stands now. */
export interface StoredSignalOutcome {
  outcome: 'accepted' | 'skipped' | 'rejected' | 'duplicate';
  reason: string | null;
  clientOrderId: string | null;
  order: { status: string; reason: string | null } | null;
  /** Epoch ms. */
  receivedAt: number;
}

/** Persistence's answer to `{ type: 'signalOutcomes', keys }`: the keys found, each with its outcome. */
export type SignalOutcomesReply = { type: 'signalOutcomes'; found: (SignalKey & { outcome: StoredSignalOutcome })[] } | { type: 'signalOutcomesFailed'; reason: string };

const row = z.object({
  trader_id: z.string(),
  id: z.string(),
  outcome: z.enum(['accepted', 'skipped', 'rejected', 'duplicate']),
  reason: z.string().nullable(),
  client_order_id: z.string().nullable(),
  order_status: z.string().nullable(),
  order_reason: z.string().nullable(),
  received_at: z.number(),
});

/**
 * The stored outcomes of `keys`, in one query whatever their number or traders: each key is a lookup
 * of the signals' primary key (trader_id, id), its order one of the orders' (client_order_id).
 * Keys not stored are absent from the answer.
 */
export async function storedSignalOutcomes(pool: DatabasePool, keys: readonly SignalKey[]): Promise<(SignalKey & { outcome: StoredSignalOutcome })[]> {
  if (keys.length === 0) return [];
  const rows = await pool.any(sql.type(row)`
    SELECT s.trader_id, s.id, s.outcome, s.reason, s.client_order_id, o.status AS order_status, o.reason AS order_reason, s.received_at
    FROM unnest(${sql.array(keys.map((k) => k.traderId), 'text')}, ${sql.array(keys.map((k) => k.id), 'text')}) AS k(trader_id, id)
    JOIN signals s ON s.trader_id = k.trader_id AND s.id = k.id
    LEFT JOIN orders o ON o.client_order_id = s.client_order_id`);
  return rows.map((r) => ({
    traderId: r.trader_id,
    id: r.id,
    outcome: {
      outcome: r.outcome,
      reason: r.reason,
      clientOrderId: r.client_order_id,
      order: r.order_status === null ? null : { status: r.order_status, reason: r.order_reason },
      receivedAt: r.received_at,
    },
  }));
}
