import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { toJson } from '../../actors/trading/fixed.js';

/**
 * A JSON response whose amounts (the trading core's fixed-point bigints) are written as exact decimal
 * strings. Rows of stored lists hold no bigint: queries.ts writes each column as its declared type, so
 * an int8 id is never printed as an amount here.
 */
export function json(c: Context, data: unknown, status: ContentfulStatusCode = 200): Response {
  return c.body(toJson(data), status, { 'Content-Type': 'application/json; charset=UTF-8' });
}
