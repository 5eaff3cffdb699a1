/** How a node takes part in a cluster (`botv3 start --cluster URL --node ID`). */
export interface ClusterOptions {
  /** The cluster's name: its buckets, stream and subjects start with it, so clusters can share a NATS. */
  name: string;
  /** NATS servers, e.g. `nats://127.0.0.1:4222`. */
  servers: string[];
  /** This node's id: letters, digits, `_` and `-`. */
  node: string;
  /** The API's URL of this node, shown by `GET /cluster`. */
  api?: string;
  /**
   * A lease nobody renewed for this long is free. Failover takes about this long plus a trader's start;
   * shorter leases fail over faster and cost more renewals.
   */
  leaseTtlMs: number;
  /** How often an owner renews its leases and every node looks at placement. */
  renewMs: number;
  /**
   * An owner whose last renewal succeeded this long ago stops its traders (and its exchanges refuse
   * their orders) by itself: before `leaseTtlMs`, so before another node can take them.
   */
  fenceAfterMs: number;
}

export const CLUSTER_DEFAULTS = { name: 'botv3', leaseTtlMs: 2_000, renewMs: 200, fenceAfterMs: 1_200 } as const;

/** The NATS names every node of cluster `name` shares. */
export function clusterNames(name: string) {
  return {
    leases: `${name}_leases`,
    nodes: `${name}_nodes`,
    signals: `${name}_signals`,
    signalSubject: (traderId: string) => `${name}.signals.${traderId}`,
    consumer: (traderId: string) => `trader_${traderId}`,
    events: `${name}.events`,
    api: (node: string) => `${name}.api.${node}`,
    drain: (node: string) => `${name}.drain.${node}`,
  } as const;
}

export type ClusterNames = ReturnType<typeof clusterNames>;

/** Node ids and cluster names, like trader ids: they are parts of NATS subjects, bucket names and keys. */
export const NODE_ID = /^[\w-]{1,48}$/;
