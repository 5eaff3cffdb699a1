import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { launchPlatform, type RunningPlatform } from '../../adapters/api/launch.js';
import { TokenStore } from '../../adapters/api/tokens.js';
import { parseConfig } from '../../adapters/config/load.js';
import { resolveStrategies } from '../../adapters/config/strategies.js';
import { traderSymbols } from '../../adapters/config/schema.js';
import { traderAddress } from '../../actors/platform/tree.js';
import type { TraderStatus } from '../../actors/trader/core.js';
import { waitFor } from './wait.js';
import { preparePlatformDatabase } from '../../adapters/database/prepare.js';
import { freshDatabaseServer } from './database.js';

export interface ApiTestPlatform extends RunningPlatform {
  url: string;
  /** Tokens of each scope, in clear. */
  token: { read: string; trade: string; admin: string };
  tokens: TokenStore;
  /** `fetch` on the API with a token (admin by default) and JSON in and out. */
  call(method: string, path: string, options?: { token?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Moves the paper market `candles` candles on. */
  advance(candles?: number): void;
  /** Moves the market one candle and waits until every trader has a price for each of its symbols: a market order needs one. */
  priced(): Promise<void>;
  close(): Promise<void>;
}

export type ApiPlatformInput = { traders: unknown[]; exchanges?: Record<string, object>; risk?: object; api?: object; ai?: object; telegram?: object; alerts?: object };

/**
 * Moves `exchange`'s market one candle and waits until every trader has a price for each of its
 * symbols: a market order signalled before its trader has one is skipped, whatever comes after.
 */
export async function waitForPrices(platform: RunningPlatform, exchange = 'exchange.paper'): Promise<void> {
  platform.system.send(exchange, { type: 'advance', candles: 1 });
  for (const trader of platform.control.config.traders) {
    const symbols = traderSymbols(trader);
    await waitFor(async () => {
      const status = await platform.system.request<TraderStatus>(traderAddress(trader.id), { type: 'status' });
      return symbols.every((symbol) => status.marks[symbol] !== undefined);
    }, `prices of ${trader.id}'s symbols`);
  }
}

/**
 * The platform of `input` (a config in file format) on the database at `url`, keeping its files in
 * `dir`, with the API on a free loopback port; the paper exchange's clock is stopped. Called again on
 * the same database and `dir`, it is the platform restarted.
 */
export async function launchApiPlatform(input: ApiPlatformInput, on: { url: string; poolSize: number; dir: string; tokens: TokenStore }): Promise<RunningPlatform> {
  const database = await preparePlatformDatabase({ url: on.url, dataDir: on.dir });
  const exchanges = input.exchanges ?? { paper: { type: 'paper', seed: 42 } };
  const config = parseConfig({
    ...input,
    exchanges: Object.fromEntries(Object.entries(exchanges).map(([name, e]) => [name, { candleIntervalMs: 0, startTs: Date.UTC(2026, 0, 1), ...e }])),
    api: { port: 0, ...input.api },
  });
  await resolveStrategies(config, process.cwd());
  return launchPlatform(config, {
    platform: { database: { url: on.url, poolSize: on.poolSize, journalPath: join(on.dir, 'journal.ndjson') }, balances: database.balances, positions: database.positions },
    database: { kind: 'external', where: 'test' },
    tokens: on.tokens,
    version: 'test',
    log: pino({ level: 'silent' }),
    system: { heartbeatCheckMs: 20 },
  });
}

/**
 * `fetch` on the API at `url` with a bearer `token` (none when null), JSON in and out (text when the
 * answer is not JSON); a string or bytes `body` is sent as it is.
 */
export async function callApi(url: string, method: string, path: string, options: { token: string | null; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' || options.body instanceof Uint8Array ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${url}${path}`, { method, headers, body, redirect: 'manual' });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON (metrics): the text as it is.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

/**
 * The platform of `input` (a config in file format) with its database (fresh, see `freshDatabaseServer`)
 * and the API on a free loopback port; the paper exchange's clock is stopped, tests step it.
 */
export async function startApiPlatform(input: ApiPlatformInput): Promise<ApiTestPlatform> {
  const server = await freshDatabaseServer();
  const dir = mkdtempSync(join(tmpdir(), 'botv3-api-'));
  const tokens = TokenStore.open(join(dir, 'api-tokens.json'));
  const token = { read: tokens.create('read', ['read']).token, trade: tokens.create('trade', ['trade']).token, admin: tokens.create('admin', ['admin']).token };
  const platform = await launchApiPlatform(input, { url: server.url, poolSize: server.poolSize, dir, tokens });
  const url = platform.api.url;
  const exchange = `exchange.${Object.keys(input.exchanges ?? { paper: {} })[0]}`;
  return {
    ...platform,
    url,
    token,
    tokens,
    call: (method, path, options = {}) => callApi(url, method, path, { ...options, token: options.token === undefined ? token.admin : options.token }),
    advance: (candles = 1) => void platform.system.send(exchange, { type: 'advance', candles }),
    priced: () => waitForPrices(platform, exchange),
    async close() {
      await platform.stop();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
