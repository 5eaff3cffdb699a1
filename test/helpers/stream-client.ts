import WebSocket from 'ws';
import { waitFor } from './wait.js';

/** A client of the API's WebSocket stream at `url` (the API's http URL) that keeps every frame it got, parsed. */
export async function connectStream(url: string, token: string | null) {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/ws/v1/stream`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const frames: any[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const next = (predicate: (frame: any) => boolean, what: string) => waitFor(() => frames.find(predicate), what);
  const events = (channel: string) => frames.filter((f) => f.type === 'events').flatMap((f) => f.events).filter((e: { channel: string }) => e.channel === channel);
  return { socket, frames, closed, next, events, send: (message: unknown) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)) };
}
