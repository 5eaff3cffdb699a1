import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { waitFor } from './wait.js';

export const FAKE_BOT_TOKEN = '7000001:AAFakeTokenForTests_0123456789abcdef';
const BOT = { id: 7000001, is_bot: true, first_name: 'BOT Trading v3', username: 'botv3_test_bot', can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false };

/** A Bot API call the fake received. */
export interface FakeCall {
  method: string;
  body: Record<string, any>;
}

export interface FakeTelegram {
  /** The `apiRoot` to give grammy. */
  url: string;
  calls: FakeCall[];
  /** Calls of one method, e.g. every `sendMessage`. */
  sent(method?: string): FakeCall[];
  /** A user in `chatId` sends `text` (a command gets its `bot_command` entity, as Telegram sets it). */
  message(chatId: number, text: string, username?: string): void;
  /** A user taps an inline button with `data` under the bot's message `messageId`. */
  tap(chatId: number, data: string, messageId: number, username?: string): void;
  /** Waits for a call matching `predicate`. */
  next(predicate: (call: FakeCall) => boolean, what: string): Promise<FakeCall>;
  /** The next `count` calls of `method` fail with `error` (say 429 with `retry_after`). */
  fail(method: string, count: number, error: { error_code: number; description: string; parameters?: { retry_after?: number } }): void;
  close(): Promise<void>;
}

/**
 * A loopback Bot API (`/bot<token>/<method>`) answering as Telegram does (`{ok, result}` envelopes,
 * message objects, `getUpdates` long polling with offsets), fed with updates by the test, for grammy
 * pointed at it through `apiRoot`.
 */
export async function startFakeTelegram(): Promise<FakeTelegram> {
  const calls: FakeCall[] = [];
  const updates: Record<string, unknown>[] = [];
  const failures = new Map<string, { count: number; error: object }>();
  const waiting = new Set<() => void>();
  const sockets = new Set<Socket>();
  let updateId = 100;
  let messageId = 5000;

  const deliver = (update: Record<string, unknown>) => {
    updates.push({ update_id: ++updateId, ...update });
    for (const wake of waiting) wake();
  };
  const user = (username: string) => ({ id: 4242, is_bot: false, first_name: username, username });
  const chat = (id: number) => ({ id, type: id < 0 ? 'supergroup' : 'private', ...(id < 0 ? { title: 'ops' } : { first_name: 'tester' }) });
  const botMessage = (body: Record<string, any>) => ({
    message_id: body.message_id ?? ++messageId,
    date: Math.floor(Date.now() / 1000),
    chat: chat(Number(body.chat_id)),
    from: BOT,
    text: body.text,
    ...(body.reply_markup ? { reply_markup: typeof body.reply_markup === 'string' ? JSON.parse(body.reply_markup) : body.reply_markup } : {}),
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const match = /^\/bot([^/]+)\/(\w+)/.exec(req.url ?? '');
    if (!match || match[1] !== FAKE_BOT_TOKEN) return reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = match[2]!;
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Record<string, any>) : {};
    calls.push({ method, body });
    const failure = failures.get(method);
    if (failure && failure.count > 0) {
      failure.count--;
      return reply(res, (failure.error as { error_code: number }).error_code, { ok: false, ...failure.error });
    }
    switch (method) {
      case 'getMe':
        return reply(res, 200, { ok: true, result: BOT });
      case 'getUpdates': {
        const offset = Number(body.offset ?? 0);
        while (updates.length > 0 && (updates[0]!.update_id as number) < offset) updates.shift();
        if (updates.length === 0 && Number(body.timeout ?? 0) > 0) {
          await new Promise<void>((resolve) => {
            const wake = () => {
              waiting.delete(wake);
              clearTimeout(timer);
              resolve();
            };
            const timer = setTimeout(wake, Math.min(Number(body.timeout) * 1000, 1_000));
            waiting.add(wake);
            req.once('close', wake);
          });
        }
        return reply(res, 200, { ok: true, result: updates.slice(0, Number(body.limit ?? 100)) });
      }
      case 'sendMessage':
      case 'editMessageText':
        return reply(res, 200, { ok: true, result: botMessage(body) });
      default:
        return reply(res, 200, { ok: true, result: true });
    }
  }

  const server = createServer((req, res) => void handle(req, res).catch((e: Error) => reply(res, 500, { ok: false, error_code: 500, description: e.message })));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    sent: (method = 'sendMessage') => calls.filter((c) => c.method === method),
    message(chatId, text, username = 'alice') {
      const command = /^\/\w+/.exec(text);
      deliver({
        message: {
          message_id: ++messageId,
          date: Math.floor(Date.now() / 1000),
          chat: chat(chatId),
          from: user(username),
          text,
          ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}),
        },
      });
    },
    tap(chatId, data, onMessage, username = 'alice') {
      deliver({
        callback_query: {
          id: `cb${++messageId}`,
          from: user(username),
          chat_instance: '-1',
          data,
          message: { message_id: onMessage, date: Math.floor(Date.now() / 1000), chat: chat(chatId), from: BOT, text: 'earlier message' },
        },
      });
    },
    next: (predicate, what) => waitFor(() => calls.find(predicate), what),
    fail(method, count, error) {
      failures.set(method, { count, error });
    },
    async close() {
      for (const wake of waiting) wake();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
