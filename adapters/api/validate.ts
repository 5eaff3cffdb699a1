import { IncomingMessage } from 'node:http';
import { finished } from 'node:stream';
import type { Context } from 'hono';
import type { z } from 'zod';
import { unstorableIn } from '../../actors/trading/text.js';
import { ApiError, fromZodError } from './errors.js';

/** JSON is UTF-8 (RFC 8259): other bytes are refused rather than read as U+FFFD and stored as such. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The JSON body of a request, validated by `schema`; an empty body reads as `{}`. Bytes that are not
 * UTF-8, broken JSON or another content type are a 400; JSON that breaks the schema (wrong types,
 * unknown fields, bad values) or holds text PostgreSQL cannot store, anywhere, a 422 naming the field.
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const bytes = await bodyOf(c);
  let body: unknown = {};
  if (bytes.length > 0 && !/^application\/json\b/i.test(c.req.header('content-type') ?? '')) {
    throw new ApiError('ERR_BAD_REQUEST', 'send a JSON body with Content-Type: application/json', { field: 'body' });
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw new ApiError('ERR_BAD_REQUEST', 'the body is not UTF-8', { field: 'body', cause: error });
  }
  try {
    if (text !== '') body = JSON.parse(text);
  } catch (error) {
    throw new ApiError('ERR_BAD_REQUEST', `the body is not valid JSON: ${(error as Error).message}`, { field: 'body', cause: error });
  }
  const bad = unstorableIn(body);
  if (bad) throw new ApiError('ERR_VALIDATION', bad.reason, { field: bad.field || 'body' });
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}

/** The length a request's body declares (`Content-Length`, not sent in chunks), or undefined. */
export function declaredLength(c: Context): number | undefined {
  const length = c.req.header('content-length');
  return length !== undefined && c.req.header('transfer-encoding') === undefined ? Number.parseInt(length, 10) : undefined;
}

/**
 * A request's body. Served by Node, a body of declared length (which the API's body limit has checked)
 * is read from Node's own request: asking hono's request for it makes the Node adapter build a whole
 * fetch `Request` with a web stream over Node's, a fifth of a small POST's cost. A body sent in chunks,
 * one already taken by such a `Request` (a cluster node copying a request to pass it on), and every
 * request of `app.request()` are read through hono.
 */
async function bodyOf(c: Context): Promise<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming instanceof IncomingMessage && declaredLength(c) !== undefined && incoming.readableFlowing === null && !incoming.readableDidRead) {
    // Events, not `for await`: an async iterator over the request cost as much as the rest of the read.
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      finished(incoming, (error) => (error ? reject(error) : resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks))));
    });
  }
  return new Uint8Array(await c.req.arrayBuffer());
}

/** The query string, validated by `schema`; a bad parameter is a 400 naming it. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw fromZodError(parsed.error, 'ERR_BAD_REQUEST');
  return parsed.data;
}
