import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { sql } from 'slonik';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase, type Database } from '../../../adapters/database/connect.js';
import { migrate } from '../../../adapters/database/migrator.js';
import type { PersistenceArgs } from '../../../actors/persistence/args.js';
import type { PersistenceStatus } from '../../../actors/persistence/persistence.js';
import type { HubStatusReply } from '../../../actors/events/hub.js';
import { moduleUrl } from '../../../runtime/module-url.js';
import { ActorSystem } from '../../../runtime/system.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { fillEvents, orderEvent } from '../../helpers/events.js';
import { fx } from '../../helpers/trading.js';
import { tcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * One row the database refuses (below the entry checks: a message straight to persistence) in a batch
 * with the fills of other traders: every other row is stored, and only that row is set aside in
 * `journal.refused.ndjson`, with an alert. A batch is only written on `sync` here (`flushMs` is long),
 * so everything sent before it is one batch.
 */
let server: TestDatabaseServer;
let proxy: TcpProxy;
let db: Database;
let system: ActorSystem;
let journalPath: string;
const TRADERS = ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8'];

beforeAll(async () => {
  server = await freshDatabaseServer();
  db = await openDatabase({ url: server.url, maximumPoolSize: 1 });
  await migrate(db.pool);
  proxy = await tcpProxy(server.url);
  journalPath = join(await mkdtemp(join(tmpdir(), 'botv3-refused-')), 'journal.ndjson');
  const args: PersistenceArgs = {
    database: { url: proxy.url, poolSize: server.poolSize },
    journal: { path: journalPath, maxBytes: 10_000_000 },
    forward: 'events',
    traders: Object.fromEntries(TRADERS.map((id) => [id, { exchange: 'paper', account: id }])),
    batchRows: 100_000,
    flushMs: 600_000,
    writers: 1,
    maxBufferedRows: 100_000,
    retryMs: 20,
    signalWindow: 100,
  };
  system = await ActorSystem.start(
    {
      id: 'root',
      children: [
        { id: 'events', module: moduleUrl('../../../actors/events/hub', import.meta.url), placement: 'main' },
        { id: 'persistence', module: moduleUrl('../../../actors/persistence/persistence', import.meta.url), placement: 'main', args },
      ],
    },
    { logger: pino({ level: 'silent' }) },
  );
});

afterAll(async () => {
  await system?.shutdown();
  await db?.close();
  await proxy?.close();
  await server?.close();
});

const sync = () => system.request<PersistenceStatus>('persistence', { type: 'sync' }, { timeoutMs: 30_000 });
const report = (traderId: string, events: readonly unknown[]) => system.send('persistence', { type: 'traderEvents', traderId, events });

/** Three filled orders of `traderId`, as its trader reports them: the position after each fill is the sum of the fills so far. */
function trade(traderId: string): void {
  let position = 0;
  for (const [n, quantity] of ['0.1', '0.2', '0.3'].entries()) {
    const clientOrderId = `${traderId}-o${n}`;
    position += Number(quantity);
    const at = 10_000 + n;
    report(traderId, [
      { kind: 'signal.accepted', signalId: `${traderId}-s${n}`, strategy: 'api', symbol: 'BTC/USDT', action: 'BUY', clientOrderId, at },
      orderEvent({ clientOrderId, traderId, signalId: `${traderId}-s${n}`, quantity: fx(quantity), status: 'filled', filled: fx(quantity), filledNotional: fx(quantity) * 100n, updatedAt: at }),
      ...fillEvents(`${traderId}-f${n}`, quantity, '100', at, position.toFixed(1), clientOrderId),
    ]);
  }
}

/** What is stored of `traderId`: every signal, order and trade, and whether its position equals the sum of its trades. */
async function stored(traderId: string) {
  const count = async (table: string) => Number(await db.pool.oneFirst(sql.unsafe`SELECT count(*) FROM ${sql.identifier([table])} WHERE trader_id = ${traderId}`));
  const position = await db.pool.maybeOneFirst(sql.unsafe`SELECT quantity FROM positions WHERE trader_id = ${traderId} AND symbol = 'BTC/USDT'`);
  const traded = await db.pool.oneFirst(sql.unsafe`SELECT coalesce(sum(quantity), 0) FROM trades WHERE trader_id = ${traderId}`);
  return { signals: await count('signals'), orders: await count('orders'), trades: await count('trades'), balances: await count('balances'), positionEqualsTrades: Number(position) === Number(traded) };
}

const refusedLines = async () => (await readFile(journalPath.replace(/\.ndjson$/, '.refused.ndjson'), 'utf8')).split('\n').filter(Boolean);

const alerts = async () =>
  (await system.request<HubStatusReply>('events', { type: 'status', recent: 1_000 })).recent.filter(
    (e) => (e as { kind?: string; level?: string }).kind === 'alert' && (e as { level?: string }).level === 'error',
  ) as unknown as { message: string }[];

describe('a row the database refuses', () => {
  test.each([
    {
      what: 'a NUL in a text field',
      traders: ['t1', 't2'],
      bad: { kind: 'signal.accepted', signalId: 'bad-nul', strategy: 're\u0000x', symbol: 'BTC/USDT', action: 'BUY', clientOrderId: 'v3-bad', at: 10_001 },
      table: 'signals',
      marker: '"bad-nul"',
    },
    {
      what: 'an amount too large for its column',
      traders: ['t3', 't4'],
      bad: { kind: 'ledger', entries: [{ asset: 'DOGE', delta: 1n, balance: 10n ** 40n, reason: 'fill', ref: 'x', at: 10_001 }], equity: fx('1') },
      table: 'balances',
      marker: '"asset":"DOGE"',
    },
    {
      // Stored apart from the orders its batch's other trades reference: halves are written in order.
      what: 'a NUL in a trade',
      traders: ['t7', 't8'],
      bad: {
        kind: 'fill',
        clientOrderId: 't7-o0',
        signalId: 't7-s0',
        symbol: 'ETH/USDT',
        side: 'buy',
        fill: { tradeId: 'bad-fee', quantity: fx('1'), price: fx('10'), fee: fx('0.01'), feeAsset: 'US\u0000DT', liquidity: 'maker' },
        position: { symbol: 'ETH/USDT', quantity: fx('1'), avgEntry: fx('10'), realizedPnl: 0n, fees: fx('0.01'), openedAt: 1 },
        at: 10_001,
      },
      table: 'trades',
      marker: '"trade_id":"bad-fee"',
    },
  ])('$what is set aside alone, and the fills of the other traders in its batch are stored', async ({ traders, bad, table, marker }) => {
    const before = await sync();
    const lines = before.rowsRefused;
    trade(traders[0]!);
    report(traders[0]!, [bad]);
    trade(traders[1]!);
    const after = await sync();

    expect(after.batchesWritten).toBe(before.batchesWritten + 1);
    expect(after.rowsRefused).toBe(lines + 1);
    for (const traderId of traders) {
      // Three signals, orders and fills, and two balances (BTC and USDT), of each trader.
      expect(await stored(traderId), traderId).toEqual({ signals: 3, orders: 3, trades: 3, balances: 2, positionEqualsTrades: true });
    }
    const refused = await refusedLines();
    expect(refused).toHaveLength(lines + 1);
    const row = JSON.parse(refused.at(-1)!) as Record<string, unknown[]>;
    expect(Object.entries(row).filter(([, rows]) => rows.length > 0).map(([name, rows]) => [name, rows.length])).toEqual([[table, 1]]);
    expect(refused.at(-1)).toContain(marker);
    expect(await alerts()).toContainEqual(expect.objectContaining({ message: expect.stringMatching(new RegExp(`^database refused a row of ${table} \\(.+\\); kept in .*refused\\.ndjson$`)) }));
    expect(after.up).toBe(true);
  });

  test('a journaled batch written once the database is back is split the same way', async () => {
    const before = await sync();
    proxy.down();
    trade('t5');
    report('t5', [{ kind: 'signal.accepted', signalId: 'bad-replayed', strategy: 're\u0000x', symbol: 'BTC/USDT', action: 'BUY', clientOrderId: 'v3-bad', at: 10_001 }]);
    trade('t6');
    const down = await sync();
    expect(down.up).toBe(false);
    expect(down.batchesJournaled).toBeGreaterThan(before.batchesJournaled);

    proxy.up();
    const back = await waitFor(async () => {
      const s = await sync();
      return s.up && s.journalBytes === 0 && s;
    }, 'the journal written to the database');
    expect(back.batchesReplayed - before.batchesReplayed).toBe(down.batchesJournaled - before.batchesJournaled);
    expect(back.rowsRefused).toBe(before.rowsRefused + 1);
    for (const traderId of ['t5', 't6']) {
      expect(await stored(traderId), traderId).toEqual({ signals: 3, orders: 3, trades: 3, balances: 2, positionEqualsTrades: true });
    }
    expect((await refusedLines()).at(-1)).toContain('"bad-replayed"');
  });
});
