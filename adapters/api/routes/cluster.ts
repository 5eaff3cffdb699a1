import { z } from 'zod';
import type { ApiCluster } from '../cluster.js';
import { ApiError } from '../errors.js';
import { answer, apiRouter, errors, mount, routesOf, type ApiRouter } from '../openapi.js';
import { json } from '../respond.js';
import { epochMs } from '../schemas.js';

const count = z.number().int().nonnegative();

export const clusterStatus = z
  .object({
    /** The node that answered. */
    node: z.string(),
    nodes: z.array(
      z.object({
        id: z.string(),
        api: z.string().nullable(),
        draining: z.boolean(),
        startedAt: epochMs,
        /** Since the answering node last saw it renew. */
        seenMsAgo: z.number(),
        traders: z.array(z.string()),
      }),
    ),
    leases: z.array(z.object({ traderId: z.string(), node: z.string(), generation: count, heldMs: z.number(), renewedMsAgo: z.number() })),
    /** Traders no node holds a live lease on: between a node's loss and their failover. */
    unowned: z.array(z.string()),
    /** This node's counts since it started. */
    stats: z.object({ acquired: count, failovers: count, fenced: count, released: count, renewFailures: count }),
    /** Signals delivered to this node's traders and not stored yet, per trader. */
    unsettled: z.record(z.string(), count),
  })
  .meta({ id: 'ClusterStatus' });

export type ClusterStatus = z.infer<typeof clusterStatus>;

const route = routesOf('Cluster');
const status = route('read', {
  method: 'get',
  path: '/cluster',
  summary: 'The cluster: its nodes, their traders and lease ages',
  description: 'As the answering node sees the shared key-value buckets. A platform started without `--cluster` answers 404.',
  responses: { 200: answer('The cluster', clusterStatus), ...errors(404) },
});

export function clusterRoutes(cluster: ApiCluster | undefined): ApiRouter {
  const router = apiRouter();
  mount(router, status, (c) => {
    if (!cluster) throw new ApiError('ERR_NOT_FOUND', 'this platform runs as one process: start its nodes with --cluster');
    return json(c, cluster.status());
  });
  return router;
}
