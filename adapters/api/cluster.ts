import type { Context, MiddlewareHandler } from 'hono';
import type { StopReport } from '../../actors/platform/control.js';
import type { ApiEnv } from './auth.js';
import { ApiError } from './errors.js';
import { json } from './respond.js';
import type { ClusterStatus } from './routes/cluster.js';
import { stopAnswerOf, stopStatus } from './routes/system.js';

/** Marks a request one node forwarded to another: it is served where it arrives, never forwarded again. */
export const FORWARDED_HEADER = 'x-botv3-forwarded-by';

/** What the API needs of the cluster this node belongs to (see `adapters/cluster`). */
export interface ApiCluster {
  /** The node that runs trader `traderId`, when it is another one. */
  ownerOf(traderId: string): string | undefined;
  /** The other live nodes. */
  peers(): string[];
  /**
   * Serves `request` on node `node` (through NATS request/reply) and returns its answer; rejects with a
   * 503 when the node does not answer in `timeoutMs` (default: as long as the slowest route may take).
   */
  forward(node: string, request: Request, timeoutMs?: number): Promise<Response>;
  /** `GET /cluster`. */
  status(): ClusterStatus;
}

const TRADER_PATH = /^\/api\/v1\/traders\/([^/]+)(\/.*)?$/;
/** Found on one node only, which the others do not know: a live order (its trader's node), a held review (its reviewer's). */
const FOUND_ON_ONE = [/^DELETE \/api\/v1\/orders\/[^/]+$/, /^POST \/api\/v1\/reviews\/[^/]+\/(approve|reject)$/];

/** How long a node asked for its part of a list, or for a live order or review, may take: one that does not answer is left out. */
const PEER_MS = 3_000;
/** The emergency stop waits on each node for its traders to close (`waitMs`, at most 60 s). */
const STOP_MS = 65_000;

type Listed = { data: { id: string }[] };
type Stops = { traders: StopReport[] };

/**
 * Any node serves the whole API. A request about a trader another node runs is answered by that node;
 * lists of live state (traders, the review queue, the emergency stop's report) put every node's
 * together, each trader's entry from the node that runs it; the emergency stop and resume act on every
 * node; a live order or a held review is looked for on each node in turn. Traders come from the config
 * file every node shares, so they are not created or deleted through one node's API.
 */
export function clusterRouting(cluster: ApiCluster): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (c.req.header(FORWARDED_HEADER) !== undefined) return next();
    const { method, path } = c.req;
    const one = TRADER_PATH.exec(path);
    if ((method === 'POST' && path === '/api/v1/traders') || (method === 'DELETE' && one && one[2] === undefined)) {
      throw new ApiError('ERR_CONFLICT', 'in a cluster every node runs the config file they share: add or remove traders there, and restart the nodes one by one');
    }
    if (one) {
      const owner = cluster.ownerOf(decodeURIComponent(one[1]!));
      return owner !== undefined ? cluster.forward(owner, c.req.raw) : next();
    }
    const route = `${method} ${path}`;
    if (route === 'GET /api/v1/traders') return gather<Listed>(c, next, cluster, { timeoutMs: PEER_MS }, (local, peers) => ({ data: byOwner(cluster, local, peers, (a) => a.data, (t) => t.id) }));
    if (route === 'GET /api/v1/reviews') return gather<Listed>(c, next, cluster, { timeoutMs: PEER_MS }, (local, peers) => ({ data: [local, ...peers.map(([, a]) => a)].flatMap((a) => a.data) }));
    if (route === 'GET /api/v1/system/emergency-stop' || route === 'POST /api/v1/system/emergency-stop') {
      // Each node's own report says 409 for the traders it does not run: put together, they say it all.
      return gather<Stops & { reason?: string }>(c, next, cluster, { timeoutMs: method === 'POST' ? STOP_MS : PEER_MS, also: 409 }, (local, peers) => {
        const traders = byOwner(cluster, local, peers, (a) => a.traders, (t) => t.traderId);
        return [stopAnswerOf(local.reason ?? null, traders), stopStatus(traders)];
      });
    }
    if (route === 'POST /api/v1/system/resume') return gather(c, next, cluster, { timeoutMs: PEER_MS }, (local) => local);
    if (FOUND_ON_ONE.some((pattern) => pattern.test(route))) return findOnOne(c, next, cluster);
    return next();
  };
}

/** A copy of the request as it came, for another node: its body read once, before the local route reads it. */
async function replayable(c: Context<ApiEnv>): Promise<() => Request> {
  const { method, url, headers } = c.req.raw;
  const body = method === 'GET' || method === 'HEAD' ? undefined : await c.req.raw.clone().text();
  return () => new Request(url, { method, headers, ...(body !== undefined ? { body } : {}) });
}

/**
 * Serves the request here and on every other node, and answers with `merge` of this node's answer and
 * theirs (an answer, or an answer and its status). Answers are merged when they succeeded, or have the
 * status `also`; a node that does not answer in `timeoutMs` is left out.
 */
async function gather<T>(
  c: Context<ApiEnv>,
  next: () => Promise<void>,
  cluster: ApiCluster,
  options: { timeoutMs: number; also?: number },
  merge: (local: T, peers: [string, T][]) => T | [unknown, 200 | 202 | 409],
): Promise<void> {
  const merged = (status: number) => status < 400 || status === options.also;
  const request = await replayable(c);
  const [, theirs] = await Promise.all([
    next(),
    Promise.all(
      cluster.peers().map(async (node): Promise<[string, T] | undefined> => {
        const answer = await cluster.forward(node, request(), options.timeoutMs).catch(() => undefined);
        return answer && merged(answer.status) ? [node, (await answer.json()) as T] : undefined;
      }),
    ),
  ]);
  if (!merged(c.res.status)) return;
  const local = (await c.res.clone().json()) as T;
  const answer = merge(local, theirs.filter((a) => a !== undefined));
  c.res = Array.isArray(answer) ? json(c, answer[0], answer[1]) : json(c, answer, c.res.status as 200);
}

/** Each item from the node that runs its trader; an item of a trader no node runs, as this node has it. */
function byOwner<T, I>(cluster: ApiCluster, local: T, peers: [string, T][], items: (answer: T) => I[], traderOf: (item: I) => string): I[] {
  const owned = new Map<string, I>();
  for (const [node, answer] of peers) for (const item of items(answer)) if (cluster.ownerOf(traderOf(item)) === node) owned.set(traderOf(item), item);
  return items(local).map((item) => owned.get(traderOf(item)) ?? item);
}

/** Served here; a 404 is asked of the other nodes in turn, and the first that has it answers. */
async function findOnOne(c: Context<ApiEnv>, next: () => Promise<void>, cluster: ApiCluster): Promise<void> {
  const request = await replayable(c);
  await next();
  if (c.res.status !== 404) return;
  for (const node of cluster.peers()) {
    const answer = await cluster.forward(node, request(), PEER_MS).catch(() => undefined);
    if (answer && answer.status !== 404) {
      c.res = answer;
      return;
    }
  }
}
