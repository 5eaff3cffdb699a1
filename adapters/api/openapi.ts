import { createRoute, OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Handler, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import { requireScope, type ApiEnv } from './auth.js';
import { errorBody, type ApiErrorCode } from './errors.js';
import type { Scope } from './tokens.js';

/**
 * How the API describes itself: every route is a `createRoute` definition (request params, query and
 * body, a response schema for each status it answers) registered in an `OpenAPIHono` router, and the
 * OpenAPI 3.1 document is generated from those definitions, so the document cannot drift from the code.
 *
 * The definitions document requests; they do not validate them. zod-openapi's own validators would
 * change our answers, and no `defaultHook` can undo it, as the hook sees only zod's verdict: a body
 * that is not JSON would be their `HTTPException` (a 500 here), another content type a 415, bytes
 * that are not UTF-8 read as U+FFFD, a repeated query parameter an array. `readJson`, `readQuery` and
 * `listRoute` refuse each of these in our error shape, naming the field. So `mount` registers the
 * definition in the router's registry (`openAPIRegistry.registerPath`) and routes the handler itself,
 * with no validator in between: the handlers validate with the very zod schemas the definitions name.
 */

/** A router of the API: a Hono app that also keeps the OpenAPI definitions of its routes. */
export type ApiRouter = OpenAPIHono<ApiEnv>;

export const apiRouter = (): ApiRouter => new OpenAPIHono<ApiEnv>();

/** The name of the bearer security scheme in the document. */
export const BEARER = 'bearer';

/** A route definition as `mount` takes it: what `createRoute` makes, its scope check as its middleware. */
type ApiRoute<P extends string = string> = RouteConfig & { middleware?: MiddlewareHandler<ApiEnv>; getRoutingPath(): P };

/** A JSON response of `schema`. */
export function answer<S extends z.ZodType>(description: string, schema: S) {
  return { description, content: { 'application/json': { schema } } };
}

/** A JSON request body of `schema`; optional ones read as `{}` when absent (see `readJson`). */
export function jsonBody<S extends z.ZodType>(schema: S, required = false) {
  return { required, content: { 'application/json': { schema } } };
}

/** When the API answers each error status, in the words of the document, and an example of its error. */
const WHEN: Record<number, [code: ApiErrorCode, when: string, example: { message: string; field?: string }]> = {
  400: ['ERR_BAD_REQUEST', 'the body is not UTF-8 JSON sent as `application/json`, or a query parameter is bad (named in `field`)', { message: 'limit: Too big: expected number to be <=1000', field: 'limit' }],
  401: ['ERR_UNAUTHORIZED', 'no bearer token, or one unknown or revoked', { message: 'authorization: unknown or revoked token', field: 'authorization' }],
  403: ['ERR_FORBIDDEN', 'the token lacks the scope', { message: 'this token lacks the "admin" scope' }],
  404: ['ERR_NOT_FOUND', 'no such resource', { message: 'no trader "gamma"' }],
  409: ['ERR_CONFLICT', 'the resource is not in a state that allows it', { message: 'trader "gamma" is already stopped' }],
  413: ['ERR_PAYLOAD_TOO_LARGE', 'the body is over `api.bodyLimitBytes`', { message: 'body: the body is over 1048576 bytes', field: 'body' }],
  422: ['ERR_VALIDATION', 'the body breaks the schema; `field` names where', { message: 'quantity: must be a decimal such as "0.015"', field: 'quantity' }],
  429: ['ERR_RATE_LIMITED', 'over the rate limit of the token (or the trader is behind); see `Retry-After`', { message: 'over 100 requests per 1000 ms for this token' }],
};

/** Error responses of `statuses`, each of the one error shape with an example of its code. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => {
      const [code, when, example] = WHEN[status]!;
      return [status, { description: `\`${code}\`: ${when}`, content: { 'application/json': { schema: errorBody, example: { error: { code, ...example } } } } }];
    }),
  );
}

/** Any route may fail this way: listed once per operation as its `default` response. */
const UNEXPECTED = answer('`ERR_UNAVAILABLE` (503) while the platform or its database is busy or stopping, `ERR_INTERNAL` (500) otherwise', errorBody);

type RouteInput<P extends string> = Omit<RouteConfig, 'path' | 'middleware' | 'security' | 'tags'> & { path: P };

/**
 * Route definitions of one part of `/api/v1`, tagged `tag`: each needs a bearer token with `scope`
 * (checked by its middleware), and answers, besides what `config.responses` says, 401 for a bad token,
 * 429 over the rate limit, 403 for a token without the scope (none lacks `read`), 413 for a body too
 * large where it takes one, and the default error.
 */
export function routesOf(tag: string) {
  return <P extends string>(scope: Scope, config: RouteInput<P>) =>
    createRoute({
      ...config,
      tags: [tag],
      description: [config.description, `Needs a token with the \`${scope}\` scope.`].filter(Boolean).join('\n\n'),
      middleware: requireScope(scope),
      responses: {
        ...errors(401, ...(scope === 'read' ? [] : [403]), ...(config.method === 'get' ? [] : [413]), 429),
        ...config.responses,
        default: UNEXPECTED,
      },
    });
}

/**
 * Routes `handler` at `route`'s method and path, behind its middleware, and registers `route` in the
 * router's registry for the document (for documentation only: see the top of this file).
 */
export function mount<P extends string>(router: ApiRouter, route: ApiRoute<P>, handler: Handler<ApiEnv, P>): void {
  const { middleware, ...documented } = route;
  router.openAPIRegistry.registerPath(documented);
  const path = route.getRoutingPath();
  if (middleware) router.on(route.method.toUpperCase(), path, middleware, handler);
  else router.on(route.method.toUpperCase(), path, handler);
}

/**
 * The OpenAPI 3.1 document of every route registered in `app` so far (its routers' too), with the
 * bearer scheme required by default: public routes say `security: []`.
 */
export function openApiDocument(app: ApiRouter, version: string) {
  app.openAPIRegistry.registerComponent('securitySchemes', BEARER, {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token, as `botv3 tokens create` or `POST /api/v1/tokens` shows it once: `bv3_<id>_<secret>`.',
  });
  const document = app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'BOT Trading v3 API',
      version,
      description: 'The REST API of the platform. Amounts are exact decimal strings; errors have one shape (`Error`). Live events are on the WebSocket `/ws/v1/stream`.',
    },
    servers: [{ url: '/' }],
    security: [{ [BEARER]: [] }],
  });
  // zod-to-openapi writes a regex with flags as `source/flags` (the list cursor's `^\d{1,15}:.+$/s`), a
  // pattern no value matches, which Swagger UI would hold a `before` to; JSON Schema patterns have no
  // flags, so they are cut off. A slash of the source itself is escaped (`\/`), so this is never one.
  return JSON.parse(JSON.stringify(document), (key, value: unknown) => (key === 'pattern' && typeof value === 'string' ? value.replace(/(?<!\\)\/[dgimsuvy]+$/, '') : value)) as typeof document;
}
