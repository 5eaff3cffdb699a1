import { z } from 'zod';
import { ApiError } from '../errors.js';
import { answer, apiRouter, errors, jsonBody, mount, routesOf, type ApiRouter } from '../openapi.js';
import { json } from '../respond.js';
import { idParam } from '../schemas.js';
import { SCOPES, type TokenStore } from '../tokens.js';
import { readJson } from '../validate.js';

const tokenBody = z.strictObject({ name: z.string().min(1).max(100), scopes: z.array(z.enum(SCOPES)).min(1) });
const tokenInfo = z.object({ id: z.string(), name: z.string(), scopes: z.array(z.enum(SCOPES)), createdAt: z.iso.datetime() }).meta({ id: 'TokenInfo' });

const route = routesOf('Tokens');
const routes = {
  list: route('admin', { method: 'get', path: '/tokens', summary: 'Every token (never its secret)', responses: { 200: answer('The tokens', z.object({ data: z.array(tokenInfo) })) } }),
  create: route('admin', {
    method: 'post',
    path: '/tokens',
    summary: 'Create a token',
    description: '`read` reads the platform, `trade` sends signals and manual orders too, `admin` does everything.',
    request: { body: jsonBody(tokenBody, true) },
    responses: { 201: answer('Created: `token` is shown this once', tokenInfo.extend({ token: z.string() })), ...errors(400, 422) },
  }),
  revoke: route('admin', {
    method: 'delete',
    path: '/tokens/{id}',
    summary: 'Revoke a token',
    description: 'Counts from the next request; its open stream connections are closed with 4401.',
    request: { params: idParam },
    responses: { 204: { description: 'Revoked' }, ...errors(404, 409) },
  }),
};

/** Token management, for admins: a created token is shown once, in the response. */
export function tokenRoutes(tokens: TokenStore): ApiRouter {
  const router = apiRouter();
  mount(router, routes.list, (c) => json(c, { data: tokens.list() }));
  mount(router, routes.create, async (c) => {
    const body = await readJson(c, tokenBody);
    return json(c, tokens.create(body.name, body.scopes), 201);
  });
  mount(router, routes.revoke, (c) => {
    if (c.req.param('id') === c.get('token').id) throw new ApiError('ERR_CONFLICT', 'a token cannot revoke itself', { field: 'id' });
    if (!tokens.revoke(c.req.param('id'))) throw new ApiError('ERR_NOT_FOUND', `no token "${c.req.param('id')}"`, { field: 'id' });
    return c.body(null, 204);
  });
  return router;
}
