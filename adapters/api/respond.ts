import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { toJson } from '../../actors/trading/fixed.js';

/** A JSON response whose amounts (fixed-point bigints) are written as exact decimal strings. */
export function json(c: Context, data: unknown, status: ContentfulStatusCode = 200): Response {
  return c.body(toJson(data), status, { 'Content-Type': 'application/json; charset=UTF-8' });
}
