import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the fake answers a Messages API call with. */
export type FakeReply =
  /** 200 with the verdict as the model's JSON text. */
  | { verdict: 'approve' | 'reject'; confidence: number; reasons?: string[]; inputTokens?: number; outputTokens?: number }
  /** 200 with this text as the model's answer (malformed JSON, say). */
  | { text: string }
  /** An API error with the body and headers the real API sends: 429 rate_limit_error, 500 api_error, 529 overloaded_error. */
  | { status: 429 | 500 | 529; retryAfterS?: number }
  /** Never answers: the client's timeout decides. */
  | { hang: true };

/** A request as the fake received it. */
export interface FakeRequest {
  model: string;
  system: string;
  /** The user turn's text. */
  prompt: string;
  body: Record<string, unknown>;
  apiKey: string | undefined;
  at: number;
}

export interface FakeAnthropic {
  /** The `baseURL` to give the SDK. */
  url: string;
  requests: FakeRequest[];
  /** Most requests the fake held at once. */
  readonly maxConcurrent: number;
  /** Replaces how requests are answered. */
  answer(fn: (request: FakeRequest, index: number) => FakeReply): void;
  close(): Promise<void>;
}

const ERRORS = {
  429: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
} as const;

/**
 * A loopback Messages API (`POST /v1/messages`) answering in the shapes the real one does (recorded:
 * message ids, usage, `request-id` headers, error envelopes), for the real SDK pointed at it through
 * `baseURL`. Each reply can wait `latencyMs` first, as a model would.
 */
export async function startFakeAnthropic(options: { latencyMs?: number; answer?: (request: FakeRequest, index: number) => FakeReply } = {}): Promise<FakeAnthropic> {
  let answer = options.answer ?? (() => ({ verdict: 'approve', confidence: 0.9 }) as FakeReply);
  const requests: FakeRequest[] = [];
  const sockets = new Set<Socket>();
  let ids = 0;
  let open = 0;
  let maxConcurrent = 0;

  const server = createServer((req, res) => {
    maxConcurrent = Math.max(maxConcurrent, ++open);
    res.on('close', () => open--);
    void handle(req, res).catch((error: Error) => {
      res.writeHead(500).end(error.message);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const requestId = `req_011C${(++ids).toString(36).padStart(20, 'x')}`;
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/messages') {
      return send(res, 404, { type: 'error', error: { type: 'not_found_error', message: `Not found: ${req.url}` }, request_id: requestId }, requestId);
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    const messages = body.messages as { content: string | { type: string; text?: string }[] }[];
    const content = messages[0]?.content;
    const request: FakeRequest = {
      model: String(body.model),
      system: typeof body.system === 'string' ? body.system : JSON.stringify(body.system ?? ''),
      prompt: typeof content === 'string' ? content : (content ?? []).map((c) => c.text ?? '').join(''),
      body,
      apiKey: (req.headers['x-api-key'] as string | undefined) ?? req.headers.authorization?.replace(/^Bearer /, ''),
      at: Date.now(),
    };
    const index = requests.push(request) - 1;
    const reply = answer(request, index);
    if ('hang' in reply) return;
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    if ('status' in reply) {
      const headers: Record<string, string> = { 'x-should-retry': 'true' };
      if (reply.retryAfterS !== undefined) headers['retry-after'] = String(reply.retryAfterS);
      return send(res, reply.status, { type: 'error', error: ERRORS[reply.status], request_id: requestId }, requestId, headers);
    }
    const text = 'text' in reply ? reply.text : JSON.stringify({ verdict: reply.verdict, confidence: reply.confidence, reasons: reply.reasons ?? [`fake ${reply.verdict}`] });
    const usage = 'text' in reply ? { input: 400, output: 40 } : { input: reply.inputTokens ?? 400, output: reply.outputTokens ?? 40 };
    send(
      res,
      200,
      {
        id: `msg_01${(ids * 7919).toString(36).padStart(22, '0')}`,
        type: 'message',
        role: 'assistant',
        model: request.model,
        content: [{ type: 'text', text }],
        stop_reason: 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: usage.input, output_tokens: usage.output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: 'standard' },
      },
      requestId,
    );
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get maxConcurrent() {
      return maxConcurrent;
    },
    answer(fn) {
      answer = fn;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, requestId: string, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, 'anthropic-organization-id': 'fake-org', ...headers });
  res.end(JSON.stringify(body));
}
