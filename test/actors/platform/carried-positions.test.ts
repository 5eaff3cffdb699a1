import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { openDatabase } from '../../../adapters/database/connect.js';
import { migrate } from '../../../adapters/database/migrator.js';
import { openSwapPositions } from '../../../adapters/database/queries.js';
import type { PositionsReply } from '../../../actors/trading/exchange-protocol.js';
import { exchangeAddress } from '../../../actors/platform/tree.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { replayFiles } from '../../helpers/replay.js';
import { runSql } from '../../helpers/v2-database.js';
import { fx } from '../../helpers/trading.js';
import { waitFor } from '../../helpers/wait.js';

let server: TestDatabaseServer | undefined;
let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.stop();
  await server?.close();
  platform = server = undefined;
});

const SWAP = 'ETH/USDT:USDT';

/**
 * What `migrate run` leaves for a v2 installation with a short and a long open on one exchange: the
 * carriers' rows, as a migration writes them. The platform starts on them as `botv3 start` does.
 */
const CARRIED = `
  INSERT INTO traders (id, exchange, account, mode, mode_reason) VALUES ('v2-okx', 'paper', 'v2-okx', 'active', 'carries the positions v2 left open on okx');
  INSERT INTO positions (trader_id, symbol, quantity, avg_entry_price, realized_pnl, fees, opened_at, updated_at) VALUES
    ('v2-okx', 'ETH/USDT:USDT', -10, 100, 0, 0, '2024-03-01', '2024-03-01'),
    ('v2-okx', 'SOL/USDT:USDT', 4, 150, 0, 0, '2024-03-01', '2024-03-01')`;

test('a migrated trader starts with its open short and long managed: the paper account holds them, and a CLOSE and a stop act on them', async () => {
  server = await freshDatabaseServer();
  const db = await openDatabase({ url: server.url, maximumPoolSize: 1 });
  await migrate(db.pool);
  await runSql(server.url, CARRIED);
  const positions = await openSwapPositions(db.pool);
  await db.close();
  platform = await startPlatform(
    {
      exchanges: { paper: { type: 'paper', replay: replayFiles({ [SWAP]: [100, 100, 96, 96], 'SOL/USDT:USDT': [150, 150, 140, 140] }) } },
      traders: [{ id: 'v2-okx', symbols: [SWAP, 'SOL/USDT:USDT'], allowShort: true, leverage: 5, balances: { USDT: 10_000 }, reportMs: 20, monitor: { takeProfit: 0.03 } }],
    },
    { database: { url: server.url, poolSize: server.poolSize, journalPath: join(await mkdtemp(join(tmpdir(), 'botv3-')), 'journal.ndjson') }, positions },
  );
  const p = platform;
  // The trader recovered both positions; its paper account opened with them, margin locked at 5x.
  const status = await p.status('v2-okx');
  expect([status.positions[SWAP]?.quantity, status.positions['SOL/USDT:USDT']?.quantity]).toEqual([-fx('10'), fx('4')]);
  const held = await p.system.request<PositionsReply>(exchangeAddress('paper'), { type: 'getPositions', account: 'v2-okx' });
  expect(held.positions[SWAP]).toMatchObject({ quantity: -fx('10'), entry: fx('100'), margin: fx('200'), leverage: 5 });
  expect(held.positions['SOL/USDT:USDT']).toMatchObject({ quantity: fx('4'), entry: fx('150'), margin: fx('120') });
  expect(status.mode).toBe('active');
  expect((await p.balances('v2-okx')).USDT).toEqual({ free: fx('9680'), locked: fx('320') });

  // 4 % below the short's entry: take-profit closes it (a reduce-only buy the exchange accepts).
  p.advance(3);
  await waitFor(async () => (await p.status('v2-okx')).positions[SWAP]!.quantity === 0n, 'the take-profit to close the short');
  // The long is closed by hand, as an operator would.
  p.signal('v2-okx', { id: 'close-sol', strategy: 'api', symbol: 'SOL/USDT:USDT', action: 'CLOSE' });
  const flat = await waitFor(async () => {
    const s = await p.status('v2-okx');
    return s.positions['SOL/USDT:USDT']!.quantity === 0n && s;
  }, 'the long to close');
  // Short gained about 40 (100 -> 96), long lost about 40 (150 -> 140): the ledger and the account agree, to the unit.
  const account = (await p.balances('v2-okx')).USDT!;
  expect(account.locked).toBe(0n);
  expect(flat.balances.USDT).toBe(account.free);
});

test('traders whose stored positions the account does not hold are halted at their start, naming both sides', async () => {
  server = await freshDatabaseServer();
  const db = await openDatabase({ url: server.url, maximumPoolSize: 1 });
  await migrate(db.pool);
  // Two traders share one paper account and both held the same perpetual: the account can hold one position.
  await runSql(
    server.url,
    `INSERT INTO positions (trader_id, symbol, quantity, avg_entry_price, realized_pnl, fees, opened_at, updated_at) VALUES
       ('first', 'ETH/USDT:USDT', -10, 100, 0, 0, '2024-03-01', '2024-03-01'),
       ('second', 'ETH/USDT:USDT', 4, 100, 0, 0, '2024-03-01', '2024-03-01')`,
  );
  const positions = await openSwapPositions(db.pool);
  await db.close();
  const trader = (id: string) => ({ id, account: 'shared', symbols: [SWAP], allowShort: true, balances: { USDT: 10_000 } });
  platform = await startPlatform(
    { exchanges: { paper: { type: 'paper', replay: replayFiles({ [SWAP]: [100, 100] }) } }, traders: [trader('first'), trader('second')] },
    { database: { url: server.url, poolSize: server.poolSize, journalPath: join(await mkdtemp(join(tmpdir(), 'botv3-')), 'journal.ndjson') }, positions },
  );
  const p = platform;
  expect((await p.status('first')).mode).toBe('active');
  const second = await p.status('second');
  expect([second.mode, second.modeReason]).toEqual(['halted', "positions differ from the account: ETH/USDT:USDT ours 4, the account's -10; resolve, then resume"]);
  const mismatch = await waitFor(async () => (await p.hub()).recent.find((e) => e.kind === 'positions.mismatch'), 'the mismatch event');
  expect(mismatch).toMatchObject({ traderId: 'second', positions: [{ symbol: SWAP, ours: fx('4'), theirs: -fx('10') }] });
  // Halted: it trades nothing until a person resumes it.
  p.advance();
  p.signal('second', { id: 'more', strategy: 'api', symbol: SWAP, action: 'BUY' });
  await waitFor(async () => (await p.status('second')).stats.skipped === 1, 'the refusal');
});
