import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { waitFor } from '../../helpers/wait.js';

let api: ApiTestPlatform;

beforeAll(async () => {
  api = await startApiPlatform({
    traders: [{ id: 'alpha', symbols: ['BTC/USDT'] }],
    api: { rateLimit: { requests: 5, windowMs: 60_000 }, bodyLimitBytes: 1_024, corsOrigins: ['https://desk.example.com'], stream: { heartbeatMs: 150, maxClients: 2 } },
  });
});
afterAll(async () => api?.close());

describe('API limits from the config', () => {
  it('rate-limits each token on its own, with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await api.call('GET', '/api/v1/traders', { token: api.token.read })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await api.call('GET', '/api/v1/traders', { token: api.token.read });
    expect(limited.body.error.code).toBe('ERR_RATE_LIMITED');
    expect(limited.headers.get('retry-after')).toBe('60');
    // Another token has its own allowance; health is never limited.
    expect((await api.call('GET', '/api/v1/traders', { token: api.token.trade })).status).toBe(200);
    expect((await api.call('GET', '/api/v1/health', { token: null })).status).toBe(200);
  });

  it('applies the configured body limit', async () => {
    const res = await api.call('POST', '/api/v1/traders', { body: { id: 'x', pad: 'y'.repeat(2_000) } });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toBe('body: the body is over 1024 bytes');
  });

  it('applies it to a body sent in chunks, with no declared length, and reads one within it', async () => {
    const chunked = (parts: string[]) =>
      new Promise<{ status: number; body: { error?: { code: string }; data?: unknown[] } }>((resolve, reject) => {
        const req = request(`${api.url}/api/v1/signals`, { method: 'POST', headers: { authorization: `Bearer ${api.token.admin}`, 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        });
        req.on('error', reject);
        for (const part of parts) req.write(part);
        req.end();
      });
    const over = await chunked(['{"signals":[{"reason":"', 'y'.repeat(700), 'y'.repeat(700), '"}]}']);
    expect(over.status).toBe(413);
    expect(over.body.error!.code).toBe('ERR_PAYLOAD_TOO_LARGE');
    // Within the limit, the body is read whole and checked: this one names a trader that does not exist.
    const within = await chunked(['{"signals":[{"traderId":"nobody",', '"symbol":"BTC/USDT","action":"BUY","strategy":"s"}]}']);
    expect(within.status).toBe(422);
    expect(within.body.data).toEqual([expect.objectContaining({ accepted: false, field: 'traderId', reason: 'no trader "nobody"' })]);
  });

  it('answers CORS for the configured origins only', async () => {
    const preflight = await fetch(`${api.url}/api/v1/traders`, {
      method: 'OPTIONS',
      headers: { origin: 'https://desk.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://desk.example.com');
    const other = await fetch(`${api.url}/api/v1/health`, { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('stream limits', () => {
  const open = async () => {
    const socket = new WebSocket(`${api.url.replace('http', 'ws')}/ws/v1/stream`, { headers: { authorization: `Bearer ${api.token.admin}` } });
    const frames: { type: string }[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise((resolve) => socket.once('open', resolve));
    return { socket, frames, closed };
  };

  it('sends heartbeats, and terminates a client that stops answering pings', async () => {
    const live = await open();
    const dead = await open();
    await waitFor(() => live.frames.filter((f) => f.type === 'heartbeat').length >= 2, 'two heartbeats');
    const raw = (dead.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    await waitFor(() => api.api.stream.clients === 1, 'the silent client terminated');
    raw.resume();
    expect(await dead.closed).toBe(1006);
    expect(live.socket.readyState).toBe(WebSocket.OPEN);
    live.socket.close();
  });

  it('refuses clients over the limit with close code 1013', async () => {
    const first = await open();
    const second = await open();
    const third = await open();
    expect(await third.closed).toBe(1013);
    first.socket.close();
    second.socket.close();
  });
});
