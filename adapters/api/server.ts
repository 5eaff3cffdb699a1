import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { RunningAlerts } from '../alerts/run.js';
import type { HubStreamMessage } from '../../actors/events/hub.js';
import type { PlatformControl } from '../../actors/platform/control.js';
import type { ActorSystem } from '../../runtime/system.js';
import type { Message } from '../../runtime/message.js';
import type { ApiConfig } from '../config/schema.js';
import { TradingError } from '../../actors/trading/errors.js';
import { createApi } from './app.js';
import { Metrics } from './metrics.js';
import { SignalOutcomes } from './outcomes.js';
import { Wake } from './wake.js';
import { Stream } from './stream.js';
import type { TokenStore } from './tokens.js';
import type { ApiCluster } from './cluster.js';

/** The address the events hub pushes to (see `ActorSystemOptions.outlets`). */
export const STREAM_OUTLET = 'api.stream';

/**
 * The receiving end of the hub's pushes, made before the actor system so it can be given as its
 * outlet; the server built later is plugged into it. Events pushed before then are not kept: no client
 * can be connected yet.
 */
export class ApiFeed {
  #target: ((events: HubStreamMessage['events']) => void) | undefined;

  readonly outlet = (message: Message): void => {
    const events = (message as unknown as HubStreamMessage).events;
    if (Array.isArray(events)) this.#target?.(events);
  };

  plug(target: (events: HubStreamMessage['events']) => void): void {
    this.#target = target;
  }
}

export interface ApiServer {
  url: string;
  port: number;
  stream: Stream;
  /** The `/metrics` registry, for metrics of parts started beside the API (the Telegram bot). */
  registry: Registry;
  /** Answers a request without the network: what another cluster node forwards here. */
  fetch(request: Request): Promise<Response>;
  close(): Promise<void>;
}

/** Starts the API on `config.host:config.port` (port 0 picks a free one). */
export async function startApiServer(options: {
  system: ActorSystem;
  control: PlatformControl;
  tokens: TokenStore;
  feed: ApiFeed;
  config: ApiConfig;
  version: string;
  log: Logger;
  /** The alert rules' states, for `GET /alerts`. */
  alerts?: Pick<RunningAlerts, 'states'>;
  /** Routes served beside the API, outside `/api/v1` and its tokens (the Telegram webhook). */
  routes?: Hono;
  cluster?: ApiCluster;
}): Promise<ApiServer> {
  const { system, control, tokens, feed, config, version, log } = options;
  const stream = new Stream({ tokens, ...config.stream });
  const metrics = new Metrics({ system, control, stream });
  const outcomes = new SignalOutcomes();
  const exits = new Wake(['exit', 'fill', 'order', 'mode']);
  feed.plug((events) => {
    outcomes.observe(events);
    exits.observe(events);
    metrics.observe(events);
    stream.publish(events);
  });
  const { app, injectWebSocket } = createApi({
    control,
    tokens,
    stream,
    metrics,
    outcomes,
    exits,
    config,
    version,
    log,
    ...(options.alerts ? { alerts: options.alerts } : {}),
    ...(options.routes ? { routes: options.routes } : {}),
    ...(options.cluster ? { cluster: options.cluster } : {}),
  });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(s));
    s.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE' || error.code === 'EACCES'
          ? new TradingError('ERR_INVALID_CONFIG', `cannot listen on ${config.host}:${config.port} (${error.code}); choose another with --port or api.port`, { field: 'api.port', cause: error })
          : error,
      ),
    );
  });
  injectWebSocket(server);
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    port,
    stream,
    registry: metrics.registry,
    fetch: async (request) => app.fetch(request),
    close: async () => {
      stream.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}
