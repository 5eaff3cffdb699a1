import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { sql } from 'slonik';
import { PERSISTENCE_DEFAULTS, type PersistenceArgs } from '../actors/persistence/args.js';
import type { PersistenceStatus } from '../actors/persistence/persistence.js';
import type { TraderEvent, TraderEventsMessage } from '../actors/trader/events.js';
import { openDatabase } from '../adapters/database/connect.js';
import { migrate } from '../adapters/database/migrator.js';
import { moduleUrl } from '../runtime/module-url.js';
import { ActorSystem } from '../runtime/system.js';
import { startPipeline, throughput } from './pipeline.js';
import type { Figure } from './report.js';
import type { SuiteOptions } from './runtime.js';

/** Fills per `traderEvents` message, as a busy trader reports them after one batch of signals. */
const FILLS_PER_MESSAGE = 100;
const TRADERS = 20;

/**
 * Persistence suite, on the local PostgreSQL (`BENCH_DATABASE_URL`, default the server on
 * 127.0.0.1:5432), in a database of its own dropped afterwards:
 * - rows/s the persistence actor writes, fed trader events as fast as it takes them;
 * - the pipeline's throughput with persistence on, against the same run without it.
 */
export async function persistenceSuite(options: SuiteOptions): Promise<Figure[]> {
  const database = await benchDatabase();
  try {
    const figures: Figure[] = [];
    const fills = options.quick ? 30_000 : 200_000;
    options.progress(`persistence: ${fills.toLocaleString('en-US')} fills (orders, trades, signals, positions, balances) into PostgreSQL`);
    figures.push({ suite: 'persistence', name: 'rows/s written', value: await rowsPerSecond(database.url, fills), unit: 'rows/s', goal: { kind: 'min', value: 100_000 } });

    const seconds = options.quick ? 1.5 : 5;
    options.progress(`persistence: pipeline throughput, 2 traders, without and with persistence, ${seconds}s each`);
    const without = await pipelineRate(seconds);
    const withIt = await pipelineRate(seconds, database.url);
    figures.push(
      { suite: 'persistence', name: 'pipeline signals/s, 2 traders, persistence on', value: withIt, unit: 'signals/s' },
      { suite: 'persistence', name: 'pipeline throughput kept with persistence on', value: (100 * withIt) / without, unit: '%', goal: { kind: 'min', value: 90 } },
    );
    return figures;
  } finally {
    await database.drop();
  }
}

/** A new database on the bench's server, with v3's schema unless `schema` is false; `drop` removes it. */
export async function benchDatabase(options: { schema?: boolean } = {}): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = await openDatabase({ url: server, maximumPoolSize: 1 });
  const name = `botv3_bench_${randomBytes(4).toString('hex')}`;
  await admin.pool.query(sql.unsafe`CREATE DATABASE ${sql.identifier([name])}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  if (options.schema !== false) {
    const db = await openDatabase({ url: url.toString(), maximumPoolSize: 1 });
    await migrate(db.pool);
    await db.close();
  }
  return {
    url: url.toString(),
    drop: async () => {
      await admin.pool.query(sql.unsafe`DROP DATABASE IF EXISTS ${sql.identifier([name])} WITH (FORCE)`);
      await admin.close();
    },
  };
}

async function pipelineRate(seconds: number, url?: string): Promise<number> {
  const database = url ? { url, poolSize: 4, journalPath: join(await mkdtemp(join(tmpdir(), 'botv3-bench-')), 'journal.ndjson') } : undefined;
  const pipeline = await startPipeline(2, database);
  try {
    return await throughput(pipeline, seconds);
  } finally {
    await pipeline.stop();
  }
}

/** Feeds the persistence actor `fills` fills, built beforehand, and times them into the database. */
export async function rowsPerSecond(url: string, fills: number): Promise<number> {
  const args: PersistenceArgs = {
    database: { url, poolSize: 4 },
    journal: { path: join(await mkdtemp(join(tmpdir(), 'botv3-bench-')), 'journal.ndjson'), maxBytes: PERSISTENCE_DEFAULTS.journalMaxBytes },
    forward: 'sink',
    traders: Object.fromEntries(Array.from({ length: TRADERS }, (_, i) => [`t${i}`, { exchange: 'paper', account: `t${i}` }])),
    batchRows: PERSISTENCE_DEFAULTS.batchRows,
    flushMs: PERSISTENCE_DEFAULTS.flushMs,
    writers: PERSISTENCE_DEFAULTS.writers,
    maxBufferedRows: PERSISTENCE_DEFAULTS.maxBufferedRows,
    retryMs: PERSISTENCE_DEFAULTS.retryMs,
    signalWindow: 1_000,
  };
  const system = await ActorSystem.start(
    {
      id: 'bench',
      children: [
        { id: 'sink', module: moduleUrl('./actors/probe', import.meta.url), placement: 'main', mailbox: { capacity: 1_000_000 } },
        { id: 'persistence', module: moduleUrl('../actors/persistence/persistence', import.meta.url), placement: 'main', args, mailbox: { capacity: 1_000 } },
      ],
    },
    { logger: pino({ level: 'silent' }) },
  );
  try {
    const messages = Array.from({ length: Math.ceil(fills / FILLS_PER_MESSAGE) }, (_, m) => traderEvents(`t${m % TRADERS}`, m));
    const start = performance.now();
    for (const message of messages) if (!system.send('persistence', message)) await system.drained('persistence');
    const status = await system.request<PersistenceStatus>('persistence', { type: 'sync' }, { timeoutMs: 600_000 });
    if (status.batchesJournaled > 0) throw new Error(`persistence bench: the database went away (${status.lastError})`);
    return (status.rowsWritten * 1000) / (performance.now() - start);
  } finally {
    await system.shutdown();
  }
}

/** What a trader reports for `FILLS_PER_MESSAGE` market orders filled at once: per fill a signal, an order, a trade, its position and balances. */
function traderEvents(traderId: string, m: number): TraderEventsMessage {
  const events: TraderEvent[] = [];
  for (let i = 0; i < FILLS_PER_MESSAGE; i++) {
    const n = m * FILLS_PER_MESSAGE + i;
    const id = `${traderId}-${n}`;
    const at = 1_767_225_600_000 + n;
    const quantity = 1_000_000n + BigInt(n % 1_000);
    const price = 95_000_000_000_000n + BigInt(n % 10_000) * 10_000_000n;
    events.push(
      { kind: 'signal.accepted', signalId: `s${id}`, strategy: 'bench', symbol: 'BTC/USDT', action: 'BUY', orderType: 'market', quantity, clientOrderId: `v3${id}`, sized: { side: 'buy', quantity, review: false }, at },
      {
        kind: 'fill',
        clientOrderId: `v3${id}`,
        signalId: `s${id}`,
        symbol: 'BTC/USDT',
        side: 'buy',
        fill: { tradeId: `T${id}`, quantity, price, fee: 95_000_000n, feeAsset: 'USDT', liquidity: 'taker' },
        position: { symbol: 'BTC/USDT', quantity: quantity * BigInt(n + 1), avgEntry: price, realizedPnl: -95_000_000n, fees: 95_000_000n, openedAt: at },
        at,
      },
      { kind: 'ledger', entries: [{ asset: 'BTC', delta: quantity, balance: quantity * BigInt(n + 1), reason: 'fill', ref: `T${id}`, at }], equity: 10_000_000_000_000n },
      {
        kind: 'order',
        order: {
          clientOrderId: `v3${id}`,
          traderId,
          signalId: `s${id}`,
          symbol: 'BTC/USDT',
          side: 'buy',
          type: 'market',
          quantity,
          reduceOnly: false,
          status: 'filled',
          filled: quantity,
          filledNotional: quantity * 95_000n,
          fees: 95_000_000n,
          createdAt: at,
          updatedAt: at,
        },
      },
    );
  }
  return { type: 'traderEvents', traderId, events };
}
