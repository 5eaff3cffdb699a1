import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fake exchange saw it: path includes the exchange's host (`api.binance.com/api/v3/order`). */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Form or JSON body, parsed; the raw text when it is neither. */
  body: Record<string, unknown> | string;
  headers: Record<string, string | string[] | undefined>;
}

export interface Reply {
  status?: number;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as it is (malformed JSON, HTML error pages). */
  text?: string;
  /** Wait this long before answering (timeouts). */
  delayMs?: number;
}

/** One endpoint of a recording: a fixed reply, or one computed from the request (limit vs market order). */
export interface Route {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  path: string;
  reply: Reply | ((request: RecordedRequest) => Reply);
}

export interface FakeExchange {
  /** Pass as `endpoint` to `createClient`. */
  origin: string;
  requests: RecordedRequest[];
  /** The next `times` requests matching `method path` get `reply` instead of the recording. */
  inject(method: Route['method'], path: string, reply: Reply, times?: number): void;
  close(): Promise<void>;
}

/**
 * A loopback HTTP server that answers like an exchange from recorded responses, so the real ccxt
 * client runs unchanged against it (its `urls` rewritten by `createClient({ endpoint })`). A request
 * no route answers gets a 404 naming it, so a missing recording shows in the test's error.
 */
export async function fakeExchange(routes: readonly Route[]): Promise<FakeExchange> {
  const requests: RecordedRequest[] = [];
  const injected: { method: string; path: string; reply: Reply; times: number }[] = [];
  const server: Server = createServer((req, res) => {
    void read(req).then(async (text) => {
      const url = new URL(req.url!, 'http://fake');
      const request: RecordedRequest = {
        method: req.method!,
        path: url.pathname.slice(1),
        query: Object.fromEntries(url.searchParams),
        body: parseBody(text, req.headers['content-type']),
        headers: req.headers,
      };
      requests.push(request);
      const injection = injected.find((i) => i.method === request.method && i.path === request.path && i.times > 0);
      if (injection) injection.times--;
      const route = routes.find((r) => r.method === request.method && r.path === request.path);
      const reply: Reply = injection?.reply ?? (route ? (typeof route.reply === 'function' ? route.reply(request) : route.reply) : { status: 404, text: `no recording for ${request.method} ${request.path}` });
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if (res.destroyed) return;
      res.writeHead(reply.status ?? 200, { 'content-type': reply.text !== undefined ? 'text/plain' : 'application/json' });
      res.end(reply.text ?? JSON.stringify(reply.json ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    inject: (method, path, reply, times = 1) => void injected.push({ method, path, reply, times }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
  });
}

function parseBody(text: string, type: string | undefined): Record<string, unknown> | string {
  if (text === '') return {};
  if (type?.includes('json') || text.startsWith('{')) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return text;
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** Puts an account's keys where the platform looks first: `BOTV3_<EXCHANGE>_<ACCOUNT>_API_KEY` and `_SECRET`. */
export function keysInEnvironment(exchange: string, account: string, keys: { apiKey: string; secret: string }): void {
  const prefix = `BOTV3_${exchange}_${account}`.toUpperCase();
  process.env[`${prefix}_API_KEY`] = keys.apiKey;
  process.env[`${prefix}_SECRET`] = keys.secret;
}
