import { z } from 'zod';
import { answer, apiRouter, mount, routesOf, type ApiRouter } from '../openapi.js';
import { json } from '../respond.js';
import { SCOPES } from '../tokens.js';

const session = routesOf('Tokens')('read', {
  method: 'get',
  path: '/session',
  summary: "The request's token",
  description: 'Its name and scopes, so a client (the dashboard) shows only what the token may do.',
  responses: { 200: answer('The token, never its secret', z.object({ id: z.string(), name: z.string(), scopes: z.array(z.enum(SCOPES)) })) },
});

/** Who the request's token is: its name and scopes, so a client (the dashboard) shows only what the token may do. */
export function sessionRoutes(): ApiRouter {
  const router = apiRouter();
  mount(router, session, (c) => {
    const { id, name, scopes } = c.get('token');
    return json(c, { id, name, scopes });
  });
  return router;
}
