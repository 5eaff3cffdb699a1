import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { errorBody } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { answer, apiRouter, BEARER, mount, type ApiRouter } from '../openapi.js';
import { json } from '../respond.js';
import { CHANNELS } from '../stream.js';

/** The OpenAPI document, as the test of its routes and `/docs` read it: the keys they rely on. */
const openApiObject = z.looseObject({ openapi: z.literal('3.1.0'), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) });

const routes = {
  health: createRoute({
    method: 'get',
    path: '/api/v1/health',
    tags: ['System'],
    summary: 'Liveness',
    description: 'Answers while the API runs; no token needed.',
    security: [],
    responses: { 200: answer('Up', z.object({ status: z.literal('ok') })) },
  }),
  document: createRoute({
    method: 'get',
    path: '/api/v1/openapi.json',
    tags: ['System'],
    summary: 'This OpenAPI document',
    description: 'The OpenAPI 3.1 document of the API, generated from its route definitions; no token needed. `/docs` is its interactive reference.',
    security: [],
    responses: { 200: answer('The document', openApiObject) },
  }),
  metrics: createRoute({
    method: 'get',
    path: '/metrics',
    tags: ['System'],
    summary: 'Prometheus metrics',
    description: 'The platform, its traders, the API and the process, in the Prometheus text format; no token needed.',
    security: [],
    responses: { 200: { description: 'The metrics', content: { 'text/plain': { schema: z.string() } } } },
  }),
};

/**
 * The WebSocket stream, documented here and served by app.ts (its upgrade needs the server's socket).
 * OpenAPI has no words for frames: the description says them.
 */
export const streamRoute = createRoute({
  method: 'get',
  path: '/ws/v1/stream',
  tags: ['Stream'],
  summary: 'Live event stream (WebSocket)',
  description: [
    'Upgrade to a WebSocket. Authenticate with `Authorization: Bearer <token>` at the upgrade, or with a first frame `{"action":"auth","token":"..."}` (close 4401 without one).',
    `Then send \`{"action":"subscribe","channel":"trades","traderId":"alpha"}\` (\`traderId\` optional: every trader), \`unsubscribe\` likewise, or \`{"action":"ping"}\`. Channels: ${CHANNELS.map((c) => `\`${c}\``).join(', ')}.`,
    'The server answers `welcome`, `ack`, `error` and `pong` frames, sends `{"type":"heartbeat","at":...}` at each heartbeat, and events as `{"type":"events","events":[{"channel","traderId","seq","data"}]}`. A client too slow to read is closed with 1008, a revoked token with 4401.',
  ].join('\n\n'),
  security: [{ [BEARER]: [] }, {}],
  responses: {
    101: { description: 'Switched to the WebSocket protocol' },
    401: answer('`ERR_UNAUTHORIZED`: the `Authorization` header holds an unknown or revoked token', errorBody),
  },
});

/** The routes outside `/api/v1`'s tokens: health, this document and the metrics. */
export function publicRoutes(metrics: Metrics, document: () => object): ApiRouter {
  const router = apiRouter();
  mount(router, routes.health, (c) => json(c, { status: 'ok' }));
  mount(router, routes.document, (c) => json(c, document()));
  mount(router, routes.metrics, async (c) => c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType }));
  return router;
}
