import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { botv3 as runBotv3, CLI_TEST, exitOf, type CliExit } from '../../helpers/cli.js';

/** Issue 18: `botv3 check` refuses what `botv3 start` refuses, short of what only the network can tell. */

/** Runs the built CLI with its own data folder (`dataDir`, default a fresh one): where the markets cache is. */
async function botv3(args: string[], dataDir?: string): Promise<CliExit> {
  const env = { ...process.env, DATABASE_URL: '', BOTV3_DATA_DIR: dataDir ?? (await mkdtemp(join(tmpdir(), 'botv3-data-'))) };
  return exitOf(runBotv3(args, { env }));
}

async function configFile(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'botv3-check-')), 'platform.yaml');
  await writeFile(file, text);
  return file;
}

/** A data folder whose markets cache lists only BTC/USDT on Binance, as `start` would have saved it. */
async function cachedBinance(): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'botv3-data-'));
  const btc = {
    id: 'BTCUSDT', symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', baseId: 'BTC', quoteId: 'USDT', type: 'spot', spot: true, active: true,
    precision: { amount: 0.00001, price: 0.01 }, limits: { amount: { min: 0.00001 }, cost: { min: 5 } }, maker: 0.001, taker: 0.001,
  };
  await mkdir(join(dataDir, 'markets'));
  // Saved long ago: a stale cache still tells what is listed.
  await writeFile(join(dataDir, 'markets', 'binance.markets.json'), JSON.stringify({ savedAt: 0, markets: { 'BTC/USDT': btc } }));
  return dataDir;
}

/** `text` as a regular expression that matches it literally (RegExp.escape comes with Node 24). */
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const onBinance = (symbol: string) => `exchanges:\n  binance: { type: ccxt }\ntraders:\n  - id: a\n    exchange: binance\n    symbols: [${symbol}]\n`;

describe('botv3 check refuses, as start does, naming the field and the file', CLI_TEST, () => {
  test.each([
    ['a misspelt strategy param', 'traders:\n  - id: a\n    strategy: { name: sma_crossover, symbols: [BTC/USDT], params: { fsat: 5, slow: 20 } }\n', 'traders[0].strategy.params.fsat: unknown field'],
    ['a symbol the paper exchange does not list', 'traders:\n  - id: a\n    strategy: { name: sma_crossover, symbols: [ADA/USDT] }\n', 'traders[0].strategy.symbols[0]: ADA/USDT is not listed on exchange "paper" (listed: BTC/USDT, ETH/USDT, SOL/USDT, XRP/USDT, BNB/USDT, DOGE/USDT, BTC/USDT:USDT, ETH/USDT:USDT, SOL/USDT:USDT, XRP/USDT:USDT, BNB/USDT:USDT, DOGE/USDT:USDT)'],
    ['an exchange that is not configured', 'traders:\n  - id: a\n    exchange: binanse\n    symbols: [BTC/USDT]\n', 'traders[0].exchange: exchange "binanse" is not configured (configured: paper)'],
    ['a ccxt entry that names no exchange ccxt knows', 'exchanges:\n  main: { type: ccxt }\ntraders:\n  - id: a\n    exchange: main\n    symbols: [BTC/USDT]\n', 'exchanges.main.exchange: say which exchange "main" is'],
  ])('%s', async (_, text, error) => {
    const file = await configFile(text);
    const { code, stdout, stderr } = await botv3(['check', file]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toMatch(new RegExp(`^botv3: ${escape(error)}.* \\(in ${escape(file)}\\)\\n$`));
  });

  test('a missing alert rule file', async () => {
    const file = await configFile('traders:\n  - id: a\n    symbols: [BTC/USDT]\nalerts: { file: no-such-rules.yaml }\n');
    const { code, stderr } = await botv3(['check', file]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^botv3: alerts\.file: cannot read the alert rules in .*no-such-rules\.yaml/);
  });

  test('a symbol the cached markets of a ccxt exchange do not list', async () => {
    const file = await configFile(onBinance('ETH/USDT'));
    const { code, stderr } = await botv3(['check', file], await cachedBinance());
    expect(code).toBe(2);
    expect(stderr).toBe(`botv3: traders[0].symbols[0]: ETH/USDT is not listed on exchange "binance" (in ${file})\n`);
  });
});

describe('botv3 check passes', CLI_TEST, () => {
  test('a symbol the cached markets list, without a word about the cache', async () => {
    const file = await configFile(onBinance('BTC/USDT'));
    expect(await botv3(['check', file], await cachedBinance())).toEqual({ code: 0, stdout: `${file}: valid, 1 trader(s): a\n`, stderr: '' });
  });

  test('the symbols of a ccxt exchange with no cached markets, saying they were not checked', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'botv3-data-'));
    const file = await configFile(onBinance('ETH/USDT'));
    const { code, stdout } = await botv3(['check', file], dataDir);
    expect(code).toBe(0);
    expect(stdout).toBe(
      `${file}: valid, 1 trader(s): a\n` +
        `${file}: the symbols on exchange "binance" were not checked against its markets: no cached markets in ${join(dataDir, 'markets')} (botv3 start caches them)\n`,
    );
  });
});

test('botv3 start refuses what check refuses, with the same error', CLI_TEST, async () => {
  const file = await configFile('traders:\n  - id: ok\n    symbols: [BTC/USDT]\n  - id: a\n    strategy: { name: sma_crossover, symbols: [ADA/USDT] }\n');
  const checked = await botv3(['check', file]);
  const started = await botv3(['start', '-c', file, '--port', '0', '--duration', '1']);
  expect(checked.code).toBe(2);
  expect(started.code).toBe(2);
  expect(checked.stderr).toBe(`${started.stderr.trimEnd()} (in ${file})\n`);
});
