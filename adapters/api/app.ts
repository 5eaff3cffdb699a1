import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { secureHeaders } from 'hono/secure-headers';
import { createNodeWebSocket } from '@hono/node-ws';
import { rateLimiter } from 'hono-rate-limiter';
import type { Logger } from 'pino';
import type { PlatformControl } from '../../actors/platform/control.js';
import type { RunningAlerts } from '../alerts/run.js';
import type { ApiConfig } from '../config/schema.js';
import { authenticate, bearerToken, type ApiEnv } from './auth.js';
import { docsRoutes } from './docs.js';
import { ApiError, toApiError } from './errors.js';
import type { Metrics } from './metrics.js';
import type { SignalOutcomes } from './outcomes.js';
import type { Wake } from './wake.js';
import { apiRouter, openApiDocument, type ApiRouter } from './openapi.js';
import { json } from './respond.js';
import { declaredLength } from './validate.js';
import { publicRoutes, streamRoute } from './routes/public.js';
import { systemRoutes } from './routes/system.js';
import { reviewRoutes } from './routes/reviews.js';
import { insightRoutes } from './routes/insight.js';
import { sessionRoutes } from './routes/session.js';
import { tokenRoutes } from './routes/tokens.js';
import { traderRoutes } from './routes/traders.js';
import { tradingRoutes } from './routes/trading.js';
import { clusterRoutes } from './routes/cluster.js';
import { clusterRouting, type ApiCluster } from './cluster.js';
import type { Stream } from './stream.js';
import type { TokenStore } from './tokens.js';
import { V2_ENDPOINTS } from './v2-map.js';

export const API_VERSION = '3.0';

export interface ApiParts {
  control: PlatformControl;
  tokens: TokenStore;
  stream: Stream;
  metrics: Metrics;
  outcomes: SignalOutcomes;
  /** Wakes at each stored exit, fill, order or mode change: the emergency stop waits on it. */
  exits: Wake;
  config: ApiConfig;
  /** The platform's version, answered by `/system/status`. */
  version: string;
  log: Logger;
  alerts?: Pick<RunningAlerts, 'states'>;
  /** Routes outside `/api/v1` and its tokens, such as the Telegram webhook (it checks Telegram's secret token itself). */
  routes?: Hono;
  /** The cluster this node belongs to: requests about traders other nodes run are forwarded to them. */
  cluster?: ApiCluster;
}

/** Largest frame a stream client may send: actions are a few dozen bytes. */
const MAX_FRAME_BYTES = 4_096;

/**
 * The API as a Hono app: REST under `/api/v1`, the event stream at `/ws/v1/stream`, Prometheus metrics
 * at `/metrics`, and v2's old paths redirected (308) to their v1 homes. Every response carries
 * `X-API-Version`; every error has one JSON shape (see `ApiError`), and a 500 says nothing of its cause.
 * The routes are described by the OpenAPI document at `/api/v1/openapi.json` (see openapi.ts), whose
 * interactive reference is `/docs`.
 */
export function createApi(parts: ApiParts): { app: ApiRouter; injectWebSocket: ReturnType<typeof createNodeWebSocket>['injectWebSocket'] } {
  const { control, tokens, stream, metrics, outcomes, config, version, log } = parts;
  const app = apiRouter();
  const { upgradeWebSocket, injectWebSocket, wss } = createNodeWebSocket({ app });
  wss.options.maxPayload = MAX_FRAME_BYTES;

  app.use('*', async (c, next) => {
    const started = performance.now();
    // Before the response exists: set on a finished response, a header makes Hono rebuild it (slower, and headers set by other middleware are lost).
    c.header('X-API-Version', API_VERSION);
    await next();
    metrics.observeRequest(c.req.method, c.req.routePath, c.res.status, (performance.now() - started) / 1000);
  });
  app.use('*', secureHeaders());
  if (config.corsOrigins.length > 0) app.use('/api/*', cors({ origin: config.corsOrigins, allowHeaders: ['Authorization', 'Content-Type'], exposeHeaders: ['X-API-Version'] }));

  for (const { v2, v3 } of V2_ENDPOINTS) {
    app.all(v2, (c) => {
      const query = new URL(c.req.url).search;
      return c.redirect(`${v3}${query}`, 308);
    });
  }

  // Generated at the first request, when every route below is registered.
  let document: ReturnType<typeof openApiDocument> | undefined;
  app.route('/', publicRoutes(metrics, () => (document ??= openApiDocument(app, version))));
  app.route('/', docsRoutes());
  if (parts.routes) app.route('/', parts.routes);

  app.openAPIRegistry.registerPath(streamRoute);
  app.get(
    '/ws/v1/stream',
    async (c, next) => {
      // A token in the header is checked before the upgrade; without one the client authenticates in its first frame.
      const header = c.req.header('authorization');
      if (header !== undefined && !(bearerToken(header) && tokens.verify(bearerToken(header)!))) throw new ApiError('ERR_UNAUTHORIZED', 'unknown or revoked token', { field: 'authorization' });
      await next();
    },
    upgradeWebSocket((c) => {
      const header = bearerToken(c.req.header('authorization'));
      const token = header ? tokens.verify(header) : undefined;
      let client: ReturnType<Stream['connect']> | undefined;
      return {
        onOpen(_event, ws) {
          const socket = ws.raw!;
          client = stream.connect(socket, token);
          socket.on('pong', () => stream.pong(client!));
        },
        onMessage(event) {
          if (client) stream.receive(client, typeof event.data === 'string' ? event.data : String(event.data));
        },
        onClose() {
          if (client) stream.disconnect(client);
        },
      };
    }),
  );

  const v1 = apiRouter();
  const tooLarge = (c: Context): never => {
    // The rest of the body is not read: the connection cannot carry another request.
    c.header('Connection', 'close');
    throw new ApiError('ERR_PAYLOAD_TOO_LARGE', `the body is over ${config.bodyLimitBytes} bytes`, { field: 'body' });
  };
  const limitBody = bodyLimit({ maxSize: config.bodyLimitBytes, onError: tooLarge });
  // Asking a request for its body makes the Node adapter build a whole fetch `Request` (a fifth of a
  // small request's cost under load), which hono's limit does first of all: a GET or HEAD has no body
  // to limit, and a declared length is checked from its header, as hono's limit checks it (the body is
  // then read from Node's own request, see `readJson`). A body sent in chunks goes through hono's limit.
  v1.use('*', (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const length = declaredLength(c);
    if (length === undefined) return limitBody(c, next);
    return length > config.bodyLimitBytes ? tooLarge(c) : next();
  });
  v1.use('*', authenticate(tokens));
  v1.use(
    '*',
    rateLimiter<ApiEnv>({
      windowMs: config.rateLimit.windowMs,
      limit: config.rateLimit.requests,
      keyGenerator: (c) => c.get('token').id,
      standardHeaders: 'draft-6',
      handler: (c) => {
        c.header('Retry-After', String(Math.ceil(config.rateLimit.windowMs / 1000)));
        throw new ApiError('ERR_RATE_LIMITED', `over ${config.rateLimit.requests} requests per ${config.rateLimit.windowMs} ms for this token`);
      },
    }),
  );
  if (parts.cluster) v1.use('*', clusterRouting(parts.cluster));
  v1.route('/', systemRoutes(control, version, parts.exits, parts.alerts));
  v1.route('/', clusterRoutes(parts.cluster));
  v1.route('/', traderRoutes(control, stream));
  v1.route('/', tradingRoutes(control, outcomes));
  v1.route('/', reviewRoutes(control));
  v1.route('/', tokenRoutes(tokens));
  v1.route('/', sessionRoutes());
  v1.route('/', insightRoutes(control));
  app.route('/api/v1', v1);

  app.notFound((c) => json(c, new ApiError('ERR_NOT_FOUND', `no route ${c.req.method} ${c.req.path}`).body(), 404));
  app.onError((error, c) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) log.error({ err: apiError.cause ?? apiError, method: c.req.method, path: c.req.path }, 'API request failed');
    return json(c, apiError.body(), apiError.status);
  });
  return { app, injectWebSocket };
}
