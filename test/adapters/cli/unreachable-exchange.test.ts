import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { clientOrderId } from '../../../actors/trading/ids.js';
import { parseConfig } from '../../../adapters/config/load.js';
import { loadReachableMarkets, waitForTradingMarkets } from '../../../adapters/exchanges/markets.js';
import recording from '../../fixtures/exchanges/binance.js';
import { spawnBotv3 } from '../../helpers/cli.js';
import { fakeExchange, type FakeExchange } from '../../helpers/fake-exchange.js';
import { closedPort } from '../../helpers/ports.js';
import { waitFor } from '../../helpers/wait.js';

// Generous waits: the CLI starts with ccxt and PGlite, and a shared machine may be busy; each returns as soon as what it waits for happens.
const env = { BINANCE_API_KEY: recording.credentials.apiKey, BINANCE_API_SECRET: recording.credentials.secret };

let cli: ChildProcess | undefined;
let fake: FakeExchange | undefined;
let forwarder: Server | undefined;
afterAll(async () => {
  if (cli?.exitCode === null) cli.kill('SIGKILL');
  forwarder?.close();
  await fake?.close();
});

/** Brings the fake exchange up behind `port`, where the config's endpoint points: every connection is passed on to it. */
async function listenOn(port: number, target: FakeExchange): Promise<Server> {
  const to = new URL(target.origin);
  const server = createServer((socket: Socket) => {
    const upstream = connect(Number(to.port), to.hostname);
    for (const side of [socket, upstream]) side.on('error', () => [socket, upstream].forEach((s) => s.destroy()));
    socket.pipe(upstream).pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

test('an exchange unreachable at start is a warning and an alert; its trader starts and trades once it answers, the paper trader trades all along', async () => {
  const port = await closedPort();
  const dir = await mkdtemp(join(tmpdir(), 'botv3-unreachable-'));
  const config = join(dir, 'platform.yaml');
  await writeFile(
    config,
    [
      'exchanges:',
      '  paper: { type: paper, seed: 7, candleIntervalMs: 50 }',
      `  binance: { type: ccxt, endpoint: 'http://127.0.0.1:${port}', pollMs: 100, timeoutMs: 1000 }`,
      'traders:',
      '  - { id: paper-alpha, exchange: paper, symbols: [BTC/USDT] }',
      '  - { id: alpha, exchange: binance, symbols: [BTC/USDT], account: default }',
      'alerts: { evaluateMs: 100 }',
      '',
    ].join('\n'),
  );
  cli = spawnBotv3(['start', '--config', config, '--port', '0', '--events', '--summary-ms', '500'], {
    env: { ...process.env, ...env, DATABASE_URL: '', BOTV3_DATA_DIR: join(dir, 'data') },
  });
  let stdout = '';
  let stderr = '';
  cli.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  cli.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => cli!.on('exit', (code) => resolve(code)));
  const line = (pattern: RegExp, what: string) =>
    waitFor(() => {
      if (cli!.exitCode !== null) throw new Error(`botv3 start exited ${cli!.exitCode} waiting for ${what}:\n${stdout}\n${stderr}`);
      return stdout.match(pattern);
    }, what, 300_000);
  const events = () =>
    stdout.split('\n').flatMap((l) => {
      if (!l.startsWith('{"kind"')) return [];
      return [JSON.parse(l) as { kind: string; traderId?: string; source?: string; level?: string; message?: string }];
    });

  // The banner says which exchange is unreachable and why; the platform runs.
  const banner = await line(/^Exchanges: .*$/m, 'the banner');
  expect(banner[0]).toMatch(/^Exchanges: paper \(paper, seed 7\), binance \(ccxt binance, UNREACHABLE: ERR_NETWORK binance .*, its traders wait and retry\)$/);
  const api = (await line(/^API: (\S+)\/api\/v1 /m, 'the API line'))[1]!;
  const token = (await line(/^API token \(admin.*\): (\S+)$/m, 'the API token'))[1]!;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${api}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return (await response.json()) as any;
  };
  const trade = async (traderId: string, id: string) => {
    await waitFor(async () => (await call('GET', `/traders/${traderId}`)).live?.marks['BTC/USDT'], `a price for ${traderId}`, 60_000);
    expect((await call('POST', '/signals', { traderId, id, strategy: 'api', symbol: 'BTC/USDT', action: 'BUY', quantity: 0.001 })).accepted).toBe(1);
    await waitFor(() => events().some((e) => e.kind === 'fill' && e.traderId === traderId), `${traderId}'s fill`, 60_000);
  };

  // An alert on the hub at once, and the exchange reported down, so the rule on exchange_active holds.
  await waitFor(() => events().some((e) => e.kind === 'alert' && e.source === 'exchanges' && e.level === 'warn' && /^binance unreachable at start \(ERR_NETWORK .*\); its traders \(alpha\) wait and retry$/.test(e.message!)), 'the alert', 60_000);
  const status = await call('GET', '/system/status');
  expect(status.exchanges.find((e: { name: string }) => e.name === 'binance')).toMatchObject({ connectivity: 'down', lastError: expect.stringMatching(/^ERR_NETWORK /) });
  await waitFor(async () => (await call('GET', '/alerts')).data.find((r: { name: string }) => r.name === 'exchange_disconnected')?.value === false, 'exchange_active false', 60_000);

  // The paper trader trades while binance is away.
  await trade('paper-alpha', 'p1');
  expect(stdout).not.toMatch(/binance answered/);

  // binance comes up where the config points: its trader starts and trades.
  fake = await fakeExchange(recording.routes);
  forwarder = await listenOn(port, fake);
  await line(/^Exchanges: binance answered; traders started: alpha$/m, 'alpha started');
  await waitFor(() => events().some((e) => e.kind === 'alert' && e.source === 'exchanges' && e.level === 'info' && e.message === 'binance answered; traders started: alpha'), 'the alert that it answered', 60_000);
  await trade('alpha', 'a1');
  const sent = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/api/v3/order'));
  expect(sent.map((r) => (r.body as Record<string, string>).newClientOrderId)).toEqual([clientOrderId('alpha', 'a1')]);
  await waitFor(async () => (await call('GET', '/system/status')).exchanges.find((e: { name: string }) => e.name === 'binance').connectivity === 'up', 'binance up', 60_000);

  cli.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(stdout).toMatch(/^Stopped\. Mailboxes drained: true\.$/m);
  for (const secret of [recording.credentials.apiKey, recording.credentials.secret]) expect(stdout + stderr).not.toContain(secret);
}, 600_000);

test('only an exchange that cannot be reached waits: a config error or a refusal still stops the start', async () => {
  const dir = () => mkdtemp(join(tmpdir(), 'botv3-markets-'));
  const config = (exchanges: Record<string, object>) => parseConfig({ exchanges, traders: [{ id: 'a', exchange: Object.keys(exchanges)[0], symbols: ['BTC/USDT'] }] });
  const away = config({ binance: { type: 'ccxt', endpoint: `http://127.0.0.1:${await closedPort()}`, timeoutMs: 1_000 } });
  expect(await loadReachableMarkets(away, await dir())).toEqual({ markets: {}, unreachable: { binance: expect.objectContaining({ code: 'ERR_NETWORK' }) } });
  await expect(loadReachableMarkets(config({ kucoin: { type: 'ccxt', sandbox: true } }), await dir())).rejects.toMatchObject({ field: 'exchanges.kucoin.sandbox' });

  const server = await fakeExchange(recording.routes);
  try {
    const up = config({ binance: { type: 'ccxt', endpoint: server.origin, timeoutMs: 1_000 } });
    const exchangeInfo = 'api.binance.com/api/v3/exchangeInfo';
    const asked = () => server.requests.filter((r) => r.path === exchangeInfo).length;
    const refusal = { status: 400, json: { code: -1100, msg: 'Illegal characters found in a parameter.' } };
    server.inject('GET', exchangeInfo, refusal);
    await expect(loadReachableMarkets(up, await dir())).rejects.toThrow(/Illegal characters/);

    // Waiting: asked again while the exchange is down, its markets once it answers.
    const fast = { initialMs: 1, maxMs: 1, jitter: 0 };
    server.inject('GET', exchangeInfo, { status: 503, text: '<html>503 Service Temporarily Unavailable</html>' }, 2);
    const before = asked();
    expect(await waitForTradingMarkets(up, 'binance', await dir(), new AbortController().signal, fast)).toEqual([expect.objectContaining({ symbol: 'BTC/USDT' })]);
    expect(asked() - before).toBe(3);
    server.inject('GET', exchangeInfo, refusal);
    await expect(waitForTradingMarkets(up, 'binance', await dir(), new AbortController().signal, fast)).rejects.toMatchObject({ code: 'ERR_INVALID_ORDER' });
    // A platform that stops stops waiting.
    const stopping = new AbortController();
    stopping.abort();
    const asking = asked();
    await expect(waitForTradingMarkets(away, 'binance', await dir(), stopping.signal, fast)).rejects.toMatchObject({ name: 'AbortError' });
    expect(asked()).toBe(asking);
  } finally {
    await server.close();
  }
});
