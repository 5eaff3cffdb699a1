import { z } from 'zod';
import type { HubEvent } from '../../actors/events/hub.js';
import { toJson } from '../../actors/trading/fixed.js';
import type { Position } from '../../actors/trading/position.js';
import { fromZodError } from './errors.js';
import { hasScope, type TokenInfo, type TokenStore } from './tokens.js';

export const CHANNELS = ['trades', 'orders', 'positions', 'signals', 'reviews', 'system'] as const;
export type Channel = (typeof CHANNELS)[number];

/** What the stream needs of a WebSocket (a `ws` socket has it all). */
export interface StreamSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
  ping(): void;
  readonly bufferedAmount: number;
}

export interface StreamOptions {
  tokens: TokenStore;
  /** A client whose unsent bytes exceed this is dropped with close code 1008. */
  maxBufferedBytes: number;
  heartbeatMs: number;
  maxClients: number;
  /** How long a client connected without a token has to send `{"action":"auth"}`. */
  authTimeoutMs?: number;
}

/** Close codes: 1008 for a slow reader (policy), 4401 / 4403 for a missing, revoked or weak token, 1013 when full. */
export const CLOSE = { slowConsumer: 1008, unauthorized: 4401, forbidden: 4403, full: 1013, heartbeat: 1001 } as const;

const action = z.discriminatedUnion('action', [
  z.strictObject({ action: z.literal('auth'), token: z.string().min(1) }),
  z.strictObject({ action: z.literal('subscribe'), channel: z.enum(CHANNELS), traderId: z.string().min(1).max(64).optional() }),
  z.strictObject({ action: z.literal('unsubscribe'), channel: z.enum(CHANNELS), traderId: z.string().min(1).max(64).optional() }),
  z.strictObject({ action: z.literal('ping') }),
]);

/** One event as the stream sends it, serialized once for every client that wants it, and only if one does. */
interface Item {
  channel: Channel;
  traderId: string | undefined;
  seq: number | undefined;
  data: unknown;
  json?: string;
}

/** Per channel: every trader (`'*'`) or the trader ids asked for. */
type Subscriptions = Map<Channel, Set<string>>;

/** A connected client, as the WebSocket route holds it. */
export interface StreamClient {
  readonly socket: StreamSocket;
  token: TokenInfo | undefined;
  subscriptions: Subscriptions;
  /** Cleared at each heartbeat, set by a pong: a client that misses one is terminated. */
  alive: boolean;
  authTimer: NodeJS.Timeout | undefined;
}

/**
 * The live event stream behind `/ws/v1/stream`: events pushed by the events hub are sorted into
 * channels, serialized once, and sent to the clients subscribed to them, in one frame per client per
 * turn of the event loop. It never waits for a client: one whose unsent data passes `maxBufferedBytes`
 * is dropped, so a slow reader costs the platform nothing but its buffer. A token revoked while its
 * connections are open (through the API, or in the token file by `botv3 tokens revoke`) closes them
 * with 4401 "token revoked".
 */
export class Stream {
  readonly #options: Required<StreamOptions>;
  readonly #clients = new Set<StreamClient>();
  /** The channels some client is subscribed to; undefined when a subscription changed since they were worked out. */
  #channels: Set<Channel> | undefined;
  #pending: Item[] = [];
  #flushScheduled = false;
  readonly #heartbeat: NodeJS.Timeout;
  readonly #tokenWatch: { close(): void };
  readonly #stopHearingRevocations: () => void;
  readonly stats = { connected: 0, dropped: 0, frames: 0, events: 0, received: 0 };

  constructor(options: StreamOptions) {
    this.#options = { authTimeoutMs: 5_000, ...options };
    this.#heartbeat = setInterval(() => this.#beat(), options.heartbeatMs).unref();
    this.#stopHearingRevocations = options.tokens.onRevoked((ids) => {
      for (const client of this.#clients) if (client.token && ids.has(client.token.id)) this.#closeRevoked(client);
    });
    // Idle connections make no request that would find a revocation in the file: watch it for them.
    this.#tokenWatch = options.tokens.watch();
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** The hub's outlet: every new event of the platform. */
  publish(events: readonly HubEvent[]): void {
    // Nobody to send them to: a client connecting now gets what comes after it subscribes.
    if (this.#clients.size === 0) return;
    const wanted = (this.#channels ??= new Set([...this.#clients].flatMap((client) => [...client.subscriptions.keys()])));
    for (const event of events) for (const item of itemsOf(event)) if (wanted.has(item.channel)) this.#pending.push(item);
    this.#schedule();
  }

  /** A platform event that does not come from an actor (a trader created or stopped through the API). */
  publishSystem(data: Record<string, unknown>): void {
    this.#pending.push(item('system', data.traderId as string | undefined, data.seq as number | undefined, data));
    this.#schedule();
  }

  /** A new connection; `token` when it authenticated at the upgrade (header), else it must send `auth` first. */
  connect(socket: StreamSocket, token: TokenInfo | undefined): StreamClient {
    const client: StreamClient = { socket, token, subscriptions: new Map(), alive: true, authTimer: undefined };
    if (this.#clients.size >= this.#options.maxClients) {
      socket.close(CLOSE.full, `too many clients (${this.#options.maxClients})`);
      return client;
    }
    this.#clients.add(client);
    this.stats.connected++;
    if (token) this.#send(client, { type: 'welcome', tokenId: token.id, channels: CHANNELS });
    else client.authTimer = setTimeout(() => socket.close(CLOSE.unauthorized, 'send {"action":"auth","token":"..."} first'), this.#options.authTimeoutMs);
    return client;
  }

  disconnect(client: StreamClient): void {
    clearTimeout(client.authTimer);
    this.#clients.delete(client);
    this.#channels = undefined;
  }

  pong(client: StreamClient): void {
    client.alive = true;
  }

  /** A text frame from a client: an action, acknowledged or answered with an error naming the field. */
  receive(client: StreamClient, text: string): void {
    this.stats.received++;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      this.#send(client, { type: 'error', code: 'ERR_BAD_REQUEST', message: 'frames must be JSON objects such as {"action":"subscribe","channel":"trades"}', field: 'frame' });
      return;
    }
    const parsed = action.safeParse(data);
    if (!parsed.success) {
      const { code, message, field } = fromZodError(parsed.error, 'ERR_VALIDATION').body().error;
      this.#send(client, { type: 'error', code, message, field });
      return;
    }
    const msg = parsed.data;
    if (msg.action === 'auth') {
      const token = this.#options.tokens.verify(msg.token);
      if (!token) return client.socket.close(CLOSE.unauthorized, 'unknown or revoked token');
      if (!hasScope(token.scopes, 'read')) return client.socket.close(CLOSE.forbidden, 'this token lacks the "read" scope');
      client.token = token;
      clearTimeout(client.authTimer);
      this.#send(client, { type: 'ack', action: 'auth', tokenId: token.id, channels: CHANNELS });
      return;
    }
    if (!client.token) return client.socket.close(CLOSE.unauthorized, 'send {"action":"auth","token":"..."} first');
    // Asked of the file, not left to the watch: an action sent right after a revocation must not win the race with its event.
    if (!this.#options.tokens.isValid(client.token.id)) return this.#closeRevoked(client);
    if (msg.action === 'ping') {
      this.#send(client, { type: 'pong', at: Date.now() });
      return;
    }
    const who = msg.traderId ?? '*';
    const set = client.subscriptions.get(msg.channel) ?? new Set<string>();
    if (msg.action === 'subscribe') set.add(who);
    else set.delete(who);
    if (set.size > 0) client.subscriptions.set(msg.channel, set);
    else client.subscriptions.delete(msg.channel);
    this.#channels = undefined;
    this.#send(client, { type: 'ack', action: msg.action, channel: msg.channel, ...(msg.traderId !== undefined ? { traderId: msg.traderId } : {}) });
  }

  close(): void {
    clearInterval(this.#heartbeat);
    this.#tokenWatch.close();
    this.#stopHearingRevocations();
    for (const client of this.#clients) client.socket.close(CLOSE.heartbeat, 'server shutting down');
    this.#clients.clear();
  }

  #schedule(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    // One stat: no event goes out to a token revoked in the file, however late its change is heard of.
    this.#options.tokens.refresh();
    const items = this.#pending;
    this.#pending = [];
    // Clients with the same subscriptions share one frame, built once.
    const frames = new Map<string, { frame: string; count: number } | null>();
    for (const client of this.#clients) {
      if (!client.token || client.subscriptions.size === 0) continue;
      const key = signature(client.subscriptions);
      let built = frames.get(key);
      if (built === undefined) {
        const wanted = items.filter((i) => wants(client.subscriptions, i));
        built = wanted.length === 0 ? null : { frame: `{"type":"events","events":[${wanted.map(jsonOf).join(',')}]}`, count: wanted.length };
        frames.set(key, built);
      }
      if (!built) continue;
      if (client.socket.bufferedAmount > this.#options.maxBufferedBytes) {
        this.#drop(client);
        continue;
      }
      client.socket.send(built.frame);
      this.stats.frames++;
      this.stats.events += built.count;
    }
  }

  #closeRevoked(client: StreamClient): void {
    this.disconnect(client);
    client.socket.close(CLOSE.unauthorized, 'token revoked');
  }

  #drop(client: StreamClient): void {
    this.stats.dropped++;
    this.disconnect(client);
    client.socket.close(CLOSE.slowConsumer, `slow consumer: over ${this.#options.maxBufferedBytes} bytes unsent`);
    // A reader too slow to take its buffer will not take the close frame either.
    setTimeout(() => client.socket.terminate(), 1_000).unref();
  }

  #beat(): void {
    // Where the file cannot be watched, a revoked token's idle connections still close within a beat.
    this.#options.tokens.refresh();
    const at = Date.now();
    for (const client of this.#clients) {
      if (!client.alive) {
        this.disconnect(client);
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      client.socket.ping();
      if (client.token) this.#send(client, { type: 'heartbeat', at });
    }
  }

  #send(client: StreamClient, message: object): void {
    client.socket.send(JSON.stringify(message));
  }
}

function wants(subscriptions: Subscriptions, item: Item): boolean {
  const set = subscriptions.get(item.channel);
  return set !== undefined && (set.has('*') || (item.traderId !== undefined && set.has(item.traderId)));
}

function signature(subscriptions: Subscriptions): string {
  return [...subscriptions].map(([channel, ids]) => `${channel}:${[...ids].sort().join(',')}`).sort().join(';');
}

function item(channel: Channel, traderId: string | undefined, seq: number | undefined, data: unknown): Item {
  return { channel, traderId, seq, data };
}

function jsonOf(item: Item): string {
  return (item.json ??= toJson({ channel: item.channel, traderId: item.traderId ?? null, seq: item.seq ?? null, data: item.data }));
}

/** A position as the positions channel sends it: with its side, and the funding payment that changed it. */
function positionItem(traderId: string | undefined, seq: number | undefined, position: Position, at: number, payment?: { amount: bigint; rate?: bigint }): Item {
  const side = position.quantity > 0n ? 'long' : position.quantity < 0n ? 'short' : 'flat';
  return item('positions', traderId, seq, { ...position, side, traderId, at, ...(payment ? { payment } : {}) });
}

/** The channels an event belongs to: a fill is a trade and a position change. */
function itemsOf(event: HubEvent): Item[] {
  const traderId = 'traderId' in event ? event.traderId : undefined;
  switch (event.kind) {
    case 'fill': {
      const { position, ...trade } = event;
      return [item('trades', traderId, event.seq, trade), positionItem(traderId, event.seq, position, event.at)];
    }
    // A swap's funding changes its position: on the positions channel, with the payment.
    case 'funding':
      return [positionItem(traderId, event.seq, event.position, event.at, { amount: event.amount, ...(event.rate !== undefined ? { rate: event.rate } : {}) })];
    case 'positions.adopted':
      return event.positions.map((p) => positionItem(traderId, event.seq, p, event.at));
    case 'order':
    case 'execution.invalid':
    case 'reconciled':
    case 'order.fenced':
      return [item('orders', traderId, event.seq, event)];
    case 'signal.accepted':
    case 'signal.rejected':
    case 'signal.duplicate':
    case 'signal.skipped':
      return [item('signals', traderId, event.seq, event)];
    case 'review':
    case 'review.queued':
    case 'review.decided':
    case 'review.expired':
      return [item('reviews', traderId, event.seq, event)];
    case 'ledger':
      return [];
    default:
      return [item('system', traderId, event.seq, event)];
  }
}
