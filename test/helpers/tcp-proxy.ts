import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A loopback TCP proxy in front of a database, to take it away and bring it back: `down()` drops
 * every connection and refuses new ones (as a crashed or restarted server does), `up()` lets them in;
 * `pause()` holds every byte in both directions (a database that stalls), `resume()` lets them through.
 */
export interface TcpProxy {
  /** `target` with its host and port replaced by the proxy's. */
  url: string;
  down(): void;
  up(): void;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function tcpProxy(target: string): Promise<TcpProxy> {
  const to = new URL(target);
  const sockets = new Set<Socket>();
  let open = true;
  let paused = false;
  const held: (() => void)[] = [];
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(Number(to.port || 5432), to.hostname);
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(a);
      a.on('close', () => {
        sockets.delete(a);
        b.destroy();
      });
      a.on('error', () => b.destroy());
      a.on('data', (chunk: Buffer) => (paused ? held.push(() => b.write(chunk)) : b.write(chunk)));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    down() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    up() {
      open = true;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const write of held.splice(0)) write();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
