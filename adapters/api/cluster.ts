import type { MiddlewareHandler } from 'hono';
import type { ApiEnv } from './auth.js';
import { ApiError } from './errors.js';
import { json } from './respond.js';
import type { ClusterStatus } from './routes/cluster.js';

/** Marks a request one node forwarded to another: it is served where it arrives, never forwarded again. */
export const FORWARDED_HEADER = 'x-botv3-forwarded-by';

/** What the API needs of the cluster this node belongs to (see `adapters/cluster`). */
export interface ApiCluster {
  /** The node that runs trader `traderId`, when it is another one. */
  ownerOf(traderId: string): string | undefined;
  /** The other live nodes. */
  peers(): string[];
  /** Serves `request` on node `node` (through NATS request/reply) and returns its answer. */
  forward(node: string, request: Request): Promise<Response>;
  /** `GET /cluster`. */
  status(): ClusterStatus;
}

const TRADER_PATH = /^\/api\/v1\/traders\/([^/]+)(\/.*)?$/;

/**
 * Any node serves the whole API: a request about a trader another node runs is answered by that node,
 * and the trader list puts together each node's live view of its own traders. Traders come from the
 * config file every node shares, so they are not created or deleted through one node's API.
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
      if (owner !== undefined) return cluster.forward(owner, c.req.raw);
      return next();
    }
    if (method === 'GET' && path === '/api/v1/traders') {
      await next();
      if (!c.res.ok) return;
      const local = (await c.res.clone().json()) as { data: { id: string }[] };
      // A node that does not answer leaves its traders as this node sees them: not running here.
      const byOwner = new Map<string, unknown>();
      await Promise.all(
        cluster.peers().map(async (node) => {
          const answer = await cluster.forward(node, c.req.raw).catch(() => undefined);
          const theirs = answer?.ok ? ((await answer.json()) as { data: { id: string }[] }).data : [];
          for (const summary of theirs) if (cluster.ownerOf(summary.id) === node) byOwner.set(summary.id, summary);
        }),
      );
      c.res = json(c, { data: local.data.map((t) => byOwner.get(t.id) ?? t) });
      return;
    }
    return next();
  };
}
