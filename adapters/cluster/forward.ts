import type { NatsConnection } from '@nats-io/transport-node';
import { FORWARDED_HEADER } from '../api/cluster.js';
import { ApiError } from '../api/errors.js';
import type { ClusterNames } from './options.js';

/** An HTTP request or response as it crosses NATS. */
interface Carried {
  method?: string;
  url?: string;
  status?: number;
  headers: [string, string][];
  body: string;
}

/** Headers that describe one hop, not the request: the answering node sets its own. */
const HOP_HEADERS = new Set(['connection', 'content-length', 'keep-alive', 'transfer-encoding', 'host']);

const carriedHeaders = (headers: Headers): [string, string][] => [...headers].filter(([name]) => !HOP_HEADERS.has(name));

/** How long a forwarded request may take: as long as the slowest route (an emergency stop waits up to a minute). */
const FORWARD_TIMEOUT_MS = 65_000;

/** Sends `request` to node `node`'s API through NATS request/reply and returns its answer; a node that does not answer in `timeoutMs` is a 503. */
export async function forwardRequest(nc: NatsConnection, names: ClusterNames, self: string, node: string, request: Request, timeoutMs = FORWARD_TIMEOUT_MS): Promise<Response> {
  const url = new URL(request.url);
  const carried: Carried = {
    method: request.method,
    url: `${url.pathname}${url.search}`,
    headers: [...carriedHeaders(request.headers), [FORWARDED_HEADER, self]],
    body: request.method === 'GET' || request.method === 'HEAD' ? '' : await request.clone().text(),
  };
  const reply = await nc.request(names.api(node), JSON.stringify(carried), { timeout: timeoutMs }).catch((error: Error) => {
    throw new ApiError('ERR_UNAVAILABLE', `node ${node}, which runs this trader, did not answer; try again`, { cause: error });
  });
  const answer = reply.json<Carried>();
  return new Response(answer.body === '' ? null : answer.body, { status: answer.status!, headers: answer.headers });
}

/** Answers the requests other nodes forward to node `self` with `fetch` (its API). */
export function serveForwarded(nc: NatsConnection, names: ClusterNames, self: string, fetch: (request: Request) => Promise<Response>): { unsubscribe(): void } {
  return nc.subscribe(names.api(self), {
    callback: (error, message) => {
      if (error) return;
      void (async () => {
        const carried = message.json<Carried>();
        const request = new Request(`http://${self}${carried.url}`, { method: carried.method!, headers: carried.headers, ...(carried.body !== '' ? { body: carried.body } : {}) });
        const response = await fetch(request);
        message.respond(JSON.stringify({ status: response.status, headers: carriedHeaders(response.headers), body: await response.text() } satisfies Carried));
      })().catch(() => {
        const failed = new ApiError('ERR_UNAVAILABLE', `node ${self} could not answer; try again`);
        message.respond(JSON.stringify({ status: failed.status, headers: [['content-type', 'application/json']], body: JSON.stringify(failed.body()) } satisfies Carried));
      });
    },
  });
}
