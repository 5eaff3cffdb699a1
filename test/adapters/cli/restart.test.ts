import { type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { sql } from 'slonik';
import { z } from 'zod';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openDatabase } from '../../../adapters/database/connect.js';
import { botv3, CLI_TEST, spawnBotv3 } from '../../helpers/cli.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';

/**
 * The whole platform killed (SIGKILL) while it trades, then started again: every fill it had reported
 * is in the database exactly once, and orders, trades, positions and balances agree with each other.
 * Against the embedded PostgreSQL in a data directory, or a fresh database on TEST_DATABASE_URL's server.
 */
const CONFIG = `
exchanges:
  paper: { type: paper, seed: 11, candleIntervalMs: 10, startTs: 1767225600000 }
traders:
  - id: grid
    strategy: { name: grid, type: grid, symbols: [SOL/USDT], timeframe: 1m, params: { levels: 10, spacing_pct: 0.1 } }
    orderNotional: 100
    limits: { maxOrdersPerSecond: 1000 }
  - id: rsi
    strategy: { name: rsi, type: rsi_reversion, symbols: [ETH/USDT], timeframe: 1m, params: { period: 5, oversold: 45, overbought: 55 } }
    orderNotional: 100
    limits: { maxOrdersPerSecond: 1000 }
`;

let external: TestDatabaseServer | undefined;
let env: NodeJS.ProcessEnv;
let config: string;

beforeAll(async () => {
  external = process.env.TEST_DATABASE_URL ? await freshDatabaseServer() : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'botv3-restart-'));
  config = join(dir, 'platform.yaml');
  await writeFile(config, CONFIG);
  env = { ...process.env, DATABASE_URL: external?.url ?? '', BOTV3_DATA_DIR: join(dir, 'data') };
});
/** Children still running when a test fails; killed, so none outlives the run. */
const running = new Set<ChildProcess>();
afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await external?.close();
});

const startArgs = () => ['start', '--config', config, '--port', '0', '--events', '--summary-ms', '60000'];
const fillsIn = (lines: string[]) => lines.filter((l) => l.startsWith('{"kind":"fill"')).map((l) => (JSON.parse(l) as { fill: { tradeId: string } }).fill.tradeId);

/** Runs the platform until it has reported `fills` fills, then kills it. Returns the fills it reported. */
async function runAndKill(fills: number): Promise<string[]> {
  const child = spawnBotv3(startArgs(), { env, stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const reported: string[] = [];
  for await (const line of createInterface({ input: child.stdout! })) {
    reported.push(...fillsIn([line]));
    if (reported.length >= fills) break;
  }
  child.kill('SIGKILL');
  await exited;
  running.delete(child);
  return reported;
}

test('every fill reported before a kill is stored once, and the restarted platform carries on from it', CLI_TEST, async () => {
  const beforeKill = await runAndKill(30);
  expect(beforeKill.length).toBeGreaterThanOrEqual(30);

  const { stdout } = await botv3([...startArgs(), '--duration', '3'], { env });
  expect(stdout).toMatch(external ? /^Database: external/m : /^Database: embedded/m);
  const afterRestart = fillsIn(stdout.split('\n'));
  expect(afterRestart.length).toBeGreaterThan(0);

  const db = await openDatabase({ url: external?.url, dataDir: join(env.BOTV3_DATA_DIR!, 'pglite') });
  try {
    const tradeIds = await db.pool.anyFirst(sql.type(z.object({ trade_id: z.string() }))`SELECT trade_id FROM trades`);
    expect(new Set(tradeIds).size).toBe(tradeIds.length);
    expect(tradeIds).toEqual(expect.arrayContaining([...beforeKill, ...afterRestart]));
    // No signal made two orders: the restarted run replays the same candles, and its strategies'
    // signals were recognised as duplicates.
    expect(await db.pool.anyFirst(sql.unsafe`SELECT signal_id FROM orders GROUP BY trader_id, signal_id HAVING count(*) > 1`)).toEqual([]);
    // Orders, trades, positions and balances agree: no fill applied twice or lost between them.
    expect(
      await db.pool.any(sql.unsafe`
        SELECT o.client_order_id FROM orders o LEFT JOIN trades t USING (client_order_id)
        GROUP BY o.client_order_id, o.filled_quantity HAVING o.filled_quantity <> coalesce(sum(t.quantity), 0)`),
    ).toEqual([]);
    expect(
      await db.pool.any(sql.unsafe`
        SELECT p.trader_id, p.symbol FROM positions p
        JOIN trades t ON t.trader_id = p.trader_id AND t.symbol = p.symbol
        GROUP BY p.trader_id, p.symbol, p.quantity
        HAVING p.quantity <> sum(CASE t.side WHEN 'BUY' THEN t.quantity ELSE -t.quantity END)`),
    ).toEqual([]);
    const quote = await db.pool.any(sql.type(z.object({ trader_id: z.string(), stored: z.string(), from_trades: z.string() }))`
      WITH latest AS (SELECT DISTINCT ON (trader_id, asset) trader_id, asset, free FROM balances ORDER BY trader_id, asset, timestamp DESC)
      SELECT l.trader_id, l.free::text AS stored,
        (10000 + sum(CASE t.side WHEN 'SELL' THEN round(t.price * t.quantity, 9) ELSE -round(t.price * t.quantity, 9) END) - sum(t.fee))::text AS from_trades
      FROM latest l JOIN trades t ON t.trader_id = l.trader_id
      WHERE l.asset = 'USDT' GROUP BY l.trader_id, l.free`);
    expect(quote.length).toBeGreaterThan(0);
    for (const row of quote) expect(Math.abs(Number(row.stored) - Number(row.from_trades))).toBeLessThan(1e-6);
  } finally {
    await db.close();
  }
});
