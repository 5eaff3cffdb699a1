import { connect } from '@nats-io/transport-node';
import { TradingError } from '../../actors/trading/errors.js';
import { clusterNames } from '../cluster/options.js';

/**
 * `botv3 cluster drain NODE`: asks node `node` to hand every trader to the other nodes, and resolves
 * with their ids once it runs none. Each trader stops gracefully (what it was sent is worked off and
 * stored) before its lease is given up; signals sent meanwhile wait in its JetStream subject for the
 * node that takes it, so none is missed.
 */
export async function drainNode(servers: string[], cluster: string, node: string, timeoutMs: number): Promise<string[]> {
  const nc = await connect({ servers, name: 'botv3-cli' }).catch((error: Error) => {
    throw new TradingError('ERR_INVALID_CONFIG', `cannot reach NATS at ${servers.join(', ')}: ${error.message}`, { field: '--cluster', cause: error });
  });
  try {
    const reply = await nc.request(clusterNames(cluster).drain(node), '', { timeout: timeoutMs }).catch((error: Error) => {
      const why = /no responders/i.test(error.message) ? 'no such node is running' : `it did not finish in ${timeoutMs / 1000} s`;
      throw new TradingError('ERR_INVALID_CONFIG', `cannot drain node "${node}": ${why}`, { field: 'node', cause: error });
    });
    return reply.json<{ moved: string[] }>().moved;
  } finally {
    await nc.close();
  }
}
