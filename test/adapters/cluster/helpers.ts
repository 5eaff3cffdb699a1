import { sql, type DatabasePool } from 'slonik';
import { onTestFinished } from 'vitest';
import { z } from 'zod';
import { FORWARDED_HEADER } from '../../../adapters/api/cluster.js';
import { clusterStatus, type ClusterStatus } from '../../../adapters/api/routes/cluster.js';
import { callApi } from '../../helpers/api.js';
import type { NodeProcess, TestCluster } from '../../helpers/cluster-nodes.js';

/** `GET /api/v1/cluster` of `node`: the cluster as that node sees it, checked against its documented schema. */
export async function clusterOf(cluster: TestCluster, node: NodeProcess): Promise<ClusterStatus> {
  const answer = await callApi(node.url, 'GET', '/api/v1/cluster', { token: cluster.token });
  if (answer.status !== 200) throw new Error(`GET /cluster of ${node.id} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  // The schema the OpenAPI document gives it: only a cluster node answers this route.
  return clusterStatus.parse(answer.body);
}

/** Node id → the traders it holds leases on, as `status` shows them; only nodes holding some, in id order. */
export function holders(status: ClusterStatus): Record<string, string[]> {
  const held = new Map<string, string[]>();
  for (const lease of status.leases) held.set(lease.node, [...(held.get(lease.node) ?? []), lease.traderId]);
  // In one order whatever the leases', so that two nodes' views compare as JSON.
  return Object.fromEntries([...held].sort(([a], [b]) => a.localeCompare(b)).map(([node, traders]) => [node, traders.sort()]));
}

/**
 * Each trader's state (`running`, `stopped`...) in node `node`'s own process: asked as a forwarded
 * request, which a node answers itself rather than asking the traders' owners.
 */
export async function localStates(cluster: TestCluster, node: NodeProcess): Promise<Record<string, string>> {
  const answer = await callApi(node.url, 'GET', '/api/v1/traders', { token: cluster.token, headers: { [FORWARDED_HEADER]: 'test' } });
  if (answer.status !== 200) throw new Error(`GET /traders of ${node.id} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return Object.fromEntries((answer.body as { data: { id: string; state: string }[] }).data.map((t) => [t.id, t.state]));
}

/** Trader → the nodes (of `nodes`) whose own process runs it, every node asked at once. */
export async function runningOn(cluster: TestCluster, nodes: readonly NodeProcess[]): Promise<Record<string, string[]>> {
  const states = await Promise.all(nodes.map(async (node) => ({ node: node.id, states: await localStates(cluster, node) })));
  const on: Record<string, string[]> = {};
  for (const { node, states: of } of states) for (const [traderId, state] of Object.entries(of)) (on[traderId] ??= []).push(...(state === 'running' ? [node] : []));
  return on;
}

/** A client that keeps POSTing signals to one node's API until stopped. */
export interface SignalSender {
  /** Requests answered so far. */
  readonly batches: number;
  /** Every signal the node accepted, as `traderId` and `id`. */
  readonly sent: { traderId: string; id: string }[];
  /** Signals the node did not accept, with its answer. */
  readonly refused: unknown[];
  /** Resolves after the request under way is answered; no more are sent. */
  stop(): Promise<void>;
}

/**
 * Sends one signal to each of `traders()` per request to `node`, ids `<prefix>-<n>` unique per trader,
 * so that orders are placed and filled while the cluster moves traders around. Requests follow each
 * other with `pauseMs` between them, until `stop()`, the end of the test, or a request that fails (a refusal).
 */
export function sendSignals(cluster: TestCluster, node: NodeProcess, traders: () => readonly string[], prefix: string, pauseMs = 50): SignalSender {
  const sent: { traderId: string; id: string }[] = [];
  const refused: unknown[] = [];
  let batches = 0;
  let stopped = false;
  const loop = (async () => {
    for (let n = 0; !stopped; n++) {
      const { answer, outcomes } = await postSignals(cluster, node, traders().map((traderId) => signalOf(traderId, `${prefix}-${n}`, n)));
      if (answer.status !== 202 || !outcomes) refused.push({ status: answer.status, body: answer.body });
      for (const outcome of outcomes ?? []) (outcome.accepted ? sent.push({ traderId: outcome.traderId, id: outcome.id }) : refused.push(outcome));
      batches++;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })().catch((error: Error) => {
    // The node did not answer: the test sees it among the refusals.
    refused.push({ error: error.message });
  });
  onTestFinished(() => {
    stopped = true;
  });
  return {
    get batches() {
      return batches;
    },
    sent,
    refused,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** POSTs `count` signals to trader `traderId` in one request (ids `<prefix>-<traderId>-<n>`); resolves with them once the node accepted them all. */
export async function sendBurst(cluster: TestCluster, node: NodeProcess, traderId: string, prefix: string, count: number): Promise<{ traderId: string; id: string }[]> {
  const { answer, outcomes } = await postSignals(cluster, node, Array.from({ length: count }, (_, n) => signalOf(traderId, `${prefix}-${traderId}-${n}`, n)));
  if (answer.status !== 202 || !outcomes || outcomes.some((o) => !o.accepted)) throw new Error(`burst to ${traderId} refused: ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
  return outcomes.map(({ traderId, id }) => ({ traderId, id }));
}

/** The `n`-th signal of a stream: BUY and SELL in turn (a SELL sells what the trader holds), so that orders are placed and filled. */
const signalOf = (traderId: string, id: string, n: number) => ({ id, traderId, strategy: 'x', symbol: 'BTC/USDT', action: n % 2 === 0 ? 'BUY' : 'SELL' });

async function postSignals(cluster: TestCluster, node: NodeProcess, signals: ReturnType<typeof signalOf>[]) {
  const answer = await callApi(node.url, 'POST', '/api/v1/signals', { token: cluster.token, body: { signals } });
  return { answer, outcomes: (answer.body as { data?: { traderId: string; id: string; accepted: boolean }[] }).data };
}

type Sent = readonly { traderId: string; id: string }[];

/** The (trader id, signal id) pairs of `sent`, as a table to match rows against. */
const pairs = (sent: Sent) => sql.fragment`(SELECT * FROM unnest(${sql.array(sent.map((s) => s.traderId), 'text')}, ${sql.array(sent.map((s) => s.id), 'text')}))`;

/** The stored signals of `sent`, one row each at most: the signals table's key. */
export function storedSignals(pool: DatabasePool, sent: Sent) {
  return pool.any(sql.type(z.object({ trader_id: z.string(), id: z.string(), outcome: z.string() }))`SELECT trader_id, id, outcome FROM signals WHERE (trader_id, id) IN ${pairs(sent)}`);
}

/**
 * What the database says of trading through moves of traders between nodes; every list is empty when
 * nothing was lost or done twice: signals of `sent` not stored, or stored as duplicates (seen before
 * though never stored: a signal lost); those a trader was given again after storing them (`redelivered`,
 * harmless for a node killed between storing and acknowledging, a gap for a drain); client order ids
 * stored twice; orders that never reached the exchange and were given up (a fenced order's, or one
 * found unknown at reconciliation and not sent again: their signals lost); orders filled beyond their
 * quantity or apart from their trades (placed twice); and
 * positions that differ from the sum of their trades.
 */
export async function ledger(pool: DatabasePool, sent: Sent) {
  const stored = await storedSignals(pool, sent);
  const key = (traderId: string, id: string) => `${traderId}\u0000${id}`;
  const storedKeys = new Set(stored.map((s) => key(s.trader_id, s.id)));
  const redelivered = await pool.any(sql.type(z.object({ traderId: z.string(), id: z.string() }))`
    SELECT trader_id AS "traderId", payload->>'signalId' AS id FROM events
    WHERE kind = 'signal.duplicate' AND (trader_id, payload->>'signalId') IN ${pairs(sent)}`);
  return {
    missing: sent.filter((s) => !storedKeys.has(key(s.traderId, s.id))),
    storedAsDuplicate: stored.filter((s) => s.outcome === 'duplicate'),
    redelivered: [...redelivered],
    orderIdsTwice: [...(await pool.anyFirst(sql.type(z.object({ client_order_id: z.string() }))`SELECT client_order_id FROM orders GROUP BY client_order_id HAVING count(*) > 1`))],
    // Fenced, or left behind by a node that died before sending it, an order that never went out is sent by the trader's next owner: given up, its signal is lost.
    unsentOrders: [
      ...(await pool.anyFirst(sql.type(z.object({ client_order_id: z.string() }))`
        SELECT client_order_id FROM orders
        WHERE status = 'rejected' AND (reason LIKE 'fenced:%' OR reason LIKE 'not found on the exchange%') AND (trader_id, signal_id) IN ${pairs(sent)}`)),
    ],
    signalsOrderedTwice: [...(await pool.anyFirst(sql.type(z.object({ signal_id: z.string() }))`SELECT signal_id FROM orders WHERE signal_id IS NOT NULL GROUP BY trader_id, signal_id HAVING count(*) > 1`))],
    overfilled: [
      ...(await pool.anyFirst(sql.type(z.object({ client_order_id: z.string() }))`
        SELECT o.client_order_id FROM orders o LEFT JOIN trades t USING (client_order_id)
        GROUP BY o.client_order_id, o.quantity, o.filled_quantity
        HAVING coalesce(sum(t.quantity), 0) > o.quantity OR coalesce(sum(t.quantity), 0) <> o.filled_quantity`)),
    ],
    positionsOffTrades: [
      ...(await pool.any(sql.type(z.object({ trader_id: z.string(), symbol: z.string(), stored: z.string().nullable(), traded: z.string().nullable() }))`
        SELECT trader_id, symbol, p.quantity::text AS stored, t.quantity::text AS traded
        FROM positions p FULL JOIN (
          SELECT trader_id, symbol, sum(CASE side WHEN 'BUY' THEN quantity ELSE -quantity END) AS quantity FROM trades GROUP BY trader_id, symbol
        ) t USING (trader_id, symbol)
        WHERE coalesce(p.quantity, 0) <> coalesce(t.quantity, 0)`)),
    ],
  };
}

/** The lists of `ledger` when nothing was lost or done twice (redeliveries aside). */
export const CLEAN_LEDGER = { missing: [], storedAsDuplicate: [], orderIdsTwice: [], unsentOrders: [], signalsOrderedTwice: [], overfilled: [], positionsOffTrades: [] };
