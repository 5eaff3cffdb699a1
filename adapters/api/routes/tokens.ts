import { Hono } from 'hono';
import { z } from 'zod';
import { requireScope, type ApiEnv } from '../auth.js';
import { ApiError } from '../errors.js';
import { json } from '../respond.js';
import { SCOPES, type TokenStore } from '../tokens.js';
import { readJson } from '../validate.js';

/** Token management, for admins: a created token is shown once, in the response. */
export function tokenRoutes(tokens: TokenStore): Hono<ApiEnv> {
  return new Hono<ApiEnv>()
    .get('/tokens', requireScope('admin'), (c) => json(c, { data: tokens.list() }))
    .post('/tokens', requireScope('admin'), async (c) => {
      const body = await readJson(c, z.strictObject({ name: z.string().min(1).max(100), scopes: z.array(z.enum(SCOPES)).min(1) }));
      return json(c, tokens.create(body.name, body.scopes), 201);
    })
    .delete('/tokens/:id', requireScope('admin'), (c) => {
      if (c.req.param('id') === c.get('token').id) throw new ApiError('ERR_CONFLICT', 'a token cannot revoke itself', { field: 'id' });
      if (!tokens.revoke(c.req.param('id'))) throw new ApiError('ERR_NOT_FOUND', `no token "${c.req.param('id')}"`, { field: 'id' });
      return c.body(null, 204);
    });
}
