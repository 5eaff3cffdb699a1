import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';
import { hasScope, type Scope, type TokenInfo, type TokenStore } from './tokens.js';

/** The Hono environment of the API: the authenticated token travels with the request. */
export type ApiEnv = { Variables: { token: TokenInfo } };

/** The token of an `Authorization: Bearer <token>` header value, if it is one. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Requires a valid bearer token: 401 without one (with `WWW-Authenticate`), 401 for an unknown one. */
export function authenticate(tokens: TokenStore): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const token = bearerToken(header);
    if (!token) {
      c.header('WWW-Authenticate', 'Bearer realm="botv3"');
      throw new ApiError('ERR_UNAUTHORIZED', header ? 'use Authorization: Bearer <token>' : 'missing Authorization: Bearer <token>', { field: 'authorization' });
    }
    const info = tokens.verify(token);
    if (!info) {
      c.header('WWW-Authenticate', 'Bearer realm="botv3", error="invalid_token"');
      throw new ApiError('ERR_UNAUTHORIZED', 'unknown or revoked token', { field: 'authorization' });
    }
    c.set('token', info);
    await next();
  };
}

/** Requires `scope` of the authenticated token: 403 otherwise. */
export function requireScope(scope: Scope): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    if (!hasScope(c.get('token').scopes, scope)) throw new ApiError('ERR_FORBIDDEN', `this token lacks the "${scope}" scope`);
    await next();
  };
}
