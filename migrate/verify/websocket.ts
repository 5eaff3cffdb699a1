import { STATUS_CODES, type IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { fail, oneLine, pass, reasonOf, type Outcome } from './row.js';

/** The stream's URL from the API's base URL: `ws(s)://host:port[/prefix]/ws/v1/stream`. */
export function streamUrl(base: URL): string {
  const protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${protocol}//${base.host}${base.pathname.replace(/\/+$/, '')}/ws/v1/stream`;
}

/** At most this much of a refused upgrade's body is read for its reason. */
const MAX_BODY = 4_096;

/**
 * 7. The stream: connects to `url` with the token in the upgrade's `Authorization: Bearer` header (the
 * server refuses a bad one with 401), waits for its `welcome`, subscribes to `system` and passes once
 * the subscription's ack arrives within `timeoutMs`. Without a token it subscribes at once, which the
 * server answers by closing with 4401. The socket is closed whatever happens.
 */
export function checkWebSocket(url: string, token: string | undefined, timeoutMs: number): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const started = performance.now();
    let opened = false;
    let settled = false;
    const socket = new WebSocket(url, { handshakeTimeout: timeoutMs, headers: token ? { authorization: `Bearer ${token}` } : {} });
    // Errors after the outcome (a reset while closing) have nowhere to go.
    socket.on('error', () => {});
    const timer = setTimeout(() => finish(fail(opened ? `connected, but no ack of the subscription to "system" within ${timeoutMs} ms` : `no connection within ${timeoutMs} ms`)), timeoutMs);

    function finish(outcome: Outcome): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
      if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'botv3 migrate verify');
      else socket.terminate();
      // A peer that never answers the close frame is not waited for.
      setTimeout(() => socket.terminate(), 1_000).unref();
    }

    const subscribe = () => socket.send(JSON.stringify({ action: 'subscribe', channel: 'system' }));

    socket.on('unexpected-response', (_request, response: IncomingMessage) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk;
      });
      const refused = () => finish(fail(`upgrade refused: ${refusal(response.statusCode ?? 0, body)}`));
      response.on('end', refused);
      response.on('error', refused);
    });
    socket.once('error', (error) => finish(fail(reasonOf(error))));
    socket.on('open', () => {
      opened = true;
      if (!token) subscribe();
    });
    socket.on('message', (data) => {
      let frame: { type?: unknown; action?: unknown; channel?: unknown; code?: unknown; message?: unknown };
      try {
        frame = JSON.parse(data.toString()) as typeof frame;
      } catch {
        return finish(fail(`the stream sent a frame that is not JSON: ${oneLine(data.toString(), 80)}`));
      }
      if (frame.type === 'welcome') subscribe();
      else if (frame.type === 'ack' && frame.action === 'subscribe' && frame.channel === 'system') {
        finish(pass(`subscribed to "system" at ${url} (ack in ${Math.round(performance.now() - started)} ms)`));
      } else if (frame.type === 'error') finish(fail(`the stream refused the subscription: ${String(frame.code)}: ${String(frame.message)}`));
    });
    socket.on('close', (code, reason) => finish(fail(`closed by the server with code ${code}${reason.length > 0 ? `: ${oneLine(reason.toString(), 120)}` : ''}`)));
  });
}

/** `HTTP 401 ERR_UNAUTHORIZED: unknown or revoked token` from a refused upgrade's status and body. */
function refusal(status: number, body: string): string {
  try {
    const error = (JSON.parse(body) as { error?: { code?: unknown; message?: unknown } }).error;
    if (error && typeof error.code === 'string') return `HTTP ${status} ${error.code}${typeof error.message === 'string' ? `: ${oneLine(error.message, 120)}` : ''}`;
  } catch {
    // Not the API's error shape: the status and the start of the body.
  }
  const text = oneLine(body, 120);
  if (text) return `HTTP ${status} ${text}`;
  // The upgrade's refusal usually has no body: the status says it.
  const meaning = status === 401 ? ': the token is missing, unknown or revoked' : '';
  return `HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd() + meaning;
}
