import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { candlesFile } from '../../../adapters/backtest/data.js';
import { botv3, CLI_TEST } from '../../helpers/cli.js';
import { wave, writeCandles } from '../../helpers/candles.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';

/**
 * Issue 21's parity: the same candles through `botv3 start` (the paper exchange replaying them in
 * lockstep, traders in their workers, everything stored) and through `botv3 backtest` give the same
 * orders, fills and P&L.
 */
let external: TestDatabaseServer | undefined;
beforeAll(async () => {
  external = process.env.TEST_DATABASE_URL ? await freshDatabaseServer() : undefined;
});
afterAll(async () => external?.close());

interface Fill {
  traderId: string;
  clientOrderId: string;
  side: string;
  price: string;
  quantity: string;
  fee: string;
}

test('botv3 start replaying candles in lockstep and botv3 backtest of them report the same fills', CLI_TEST, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'botv3-parity-'));
  const data = writeCandles(wave(500), { dir: join(dir, 'candles') });
  const config = join(dir, 'bot.yaml');
  await writeFile(
    config,
    [
      'exchanges:',
      `  paper: { type: paper, replay: { BTC/USDT: ${candlesFile(data, 'BTC/USDT', '1m')} }, fills: next-bar, lockstep: true, candleIntervalMs: 1 }`,
      'traders:',
      '  - { id: cross, balances: { USDT: 20000 }, orderNotional: 1000, strategy: { name: cross, type: sma_crossover, symbols: [BTC/USDT], params: { fast: 4, slow: 15 } } }',
      '  - { id: channel, balances: { USDT: 20000 }, orderNotional: 3000, strategy: { name: channel, type: breakout, symbols: [BTC/USDT], timeframe: 5m, params: { lookback: 4 } } }',
    ].join('\n'),
  );
  const env = { ...process.env, DATABASE_URL: external?.url ?? '', BOTV3_DATA_DIR: join(dir, 'data') };

  await botv3(['backtest', '-c', config, '--data', data, '--out', join(dir, 'report')], { env });
  const report = JSON.parse(await readFile(join(dir, 'report', 'report.json'), 'utf8')) as { traders: { traderId: string; fills: Omit<Fill, 'traderId'>[] }[] };
  const backtested = report.traders.flatMap((t) => t.fills.map(({ clientOrderId, side, price, quantity, fee }) => ({ traderId: t.traderId, clientOrderId, side, price, quantity, fee })));

  // Stops by itself once the replay has ended and every fill of it is stored.
  const { stdout } = await botv3(['start', '-c', config, '--port', '0', '--events', '--until-replayed', '--summary-ms', '600000'], { env });
  const live = stdout
    .split('\n')
    .filter((line) => line.startsWith('{"kind":"fill"'))
    .map((line) => JSON.parse(line) as { traderId: string; clientOrderId: string; side: string; fill: { price: string; quantity: string; fee: string } })
    .map((e) => ({ traderId: e.traderId, clientOrderId: e.clientOrderId, side: e.side, price: e.fill.price, quantity: e.fill.quantity, fee: e.fill.fee }));

  for (const traderId of ['cross', 'channel']) {
    const of = (fills: Fill[]) => fills.filter((f) => f.traderId === traderId);
    expect(of(backtested).length, traderId).toBeGreaterThan(4);
    expect(of(live)).toEqual(of(backtested));
  }
});
