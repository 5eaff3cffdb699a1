import { session } from './api.js';

export type Channel = 'trades' | 'orders' | 'positions' | 'signals' | 'reviews' | 'system';
const CHANNELS: Channel[] = ['trades', 'orders', 'positions', 'signals', 'reviews', 'system'];

/** One event of `/ws/v1/stream`. */
export interface StreamEvent {
  channel: Channel;
  traderId: string | null;
  seq: number | null;
  data: any;
}

export type StreamState = 'connecting' | 'live' | 'offline';

/** Longest wait between reconnection attempts. */
const MAX_BACKOFF_MS = 10_000;

/**
 * The live stream, shared by every view: one WebSocket, authenticated by its first frame (a browser
 * cannot set headers on a WebSocket, and a token in the URL would reach logs), subscribed to every
 * channel, reconnected with backoff. Listeners get each frame's events as one batch, so a view
 * redraws once per frame, not once per event.
 */
export class LiveStream {
  #socket: WebSocket | undefined;
  #backoff = 500;
  #closed = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  readonly #listeners = new Set<(events: StreamEvent[]) => void>();
  readonly #stateListeners = new Set<(state: StreamState) => void>();
  state: StreamState = 'connecting';

  constructor() {
    this.#open();
  }

  on(listener: (events: StreamEvent[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  onState(listener: (state: StreamState) => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#socket?.close();
  }

  #open(): void {
    const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/v1/stream`);
    this.#socket = socket;
    this.#setState('connecting');
    socket.onopen = () => {
      socket.send(JSON.stringify({ action: 'auth', token: session.token() ?? '' }));
      for (const channel of CHANNELS) socket.send(JSON.stringify({ action: 'subscribe', channel }));
    };
    socket.onmessage = (message) => {
      const frame = JSON.parse(String(message.data)) as { type: string; events?: StreamEvent[] };
      if (frame.type === 'ack' && this.state !== 'live') {
        this.#backoff = 500;
        this.#setState('live');
      }
      if (frame.type === 'events' && frame.events) for (const listener of this.#listeners) listener(frame.events);
    };
    socket.onclose = () => {
      this.#setState('offline');
      if (this.#closed) return;
      this.#retry = setTimeout(() => this.#open(), this.#backoff);
      this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
    };
  }

  #setState(state: StreamState): void {
    this.state = state;
    for (const listener of this.#stateListeners) listener(state);
  }
}
