import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { botv3, CLI_TEST, exitOf } from '../../helpers/cli.js';
import { wave, writeCandles } from '../../helpers/candles.js';

const SMA_TREND = fileURLToPath(new URL('../../fixtures/strategies/sma-trend.ts', import.meta.url));

const run = (args: string[]) => exitOf(botv3(args, { env: { ...process.env, DATABASE_URL: '' } }));

async function setUp(): Promise<{ config: string; data: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'botv3-backtest-'));
  const config = join(dir, 'bot.yaml');
  await writeFile(
    config,
    [
      'traders:',
      '  - id: cross',
      '    balances: { USDT: 10000 }',
      '    strategy: { name: sma_crossover, symbols: [BTC/USDT], params: { fast: 5, slow: 20 } }',
      '  - id: mine',
      '    balances: { USDT: 10000 }',
      `    strategy: { name: trend, module: ${SMA_TREND}, symbols: [BTC/USDT], timeframe: 5m, params: { period: 6 } }`,
    ].join('\n'),
  );
  return { config, data: writeCandles(wave(3_000)), dir };
}

describe('botv3 backtest', CLI_TEST, () => {
  test('prints a summary per trader and the portfolio, writes report.json, and writes the same bytes again', async () => {
    const { config, data, dir } = await setUp();
    const first = await run(['backtest', '-c', config, '--data', data, '--out', join(dir, 'a'), '--from', '2025-01-01T01:00', '--slippage-bps', '5']);
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines[0]).toBe('2025-01-01T01:00:00.000Z .. 2025-01-03T02:00:00.000Z, 2940 1m candles');
    expect(lines[1]).toMatch(/return +CAGR +max DD +Sharpe +Sortino +win rate +PF +trades +fees +in market/);
    expect(lines.slice(2, 5).map((l) => l.split(/ +/)[0])).toEqual(['cross', 'mine', 'portfolio']);
    const report = JSON.parse(await readFile(join(dir, 'a', 'report.json'), 'utf8'));
    expect(report.run).toMatchObject({ steps: 2940, timeframe: '1m', fills: expect.stringContaining('5 bp slippage') });
    const fill = report.traders[0].fills[0];
    expect(Object.keys(fill)).toEqual(['time', 'symbol', 'side', 'price', 'quantity', 'fee', 'feeAsset', 'clientOrderId']);
    expect(Object.keys(report.portfolio.summary)).toEqual(['initialEquity', 'finalEquity', 'pnl', 'feesPaid', 'totalReturn', 'cagr', 'maxDrawdown', 'sharpe', 'sortino', 'winRate', 'profitFactor', 'trades', 'fills', 'timeInMarket']);
    expect(report.portfolio.summary.fills).toBe(report.traders[0].summary.fills + report.traders[1].summary.fills);

    await run(['backtest', '-c', config, '--data', data, '--out', join(dir, 'b'), '--from', '2025-01-01T01:00', '--slippage-bps', '5']);
    expect(await readFile(join(dir, 'b', 'report.json'))).toEqual(await readFile(join(dir, 'a', 'report.json')));
  });

  test('a symbol with no candles names the file it looked for; a bad time names the option', async () => {
    const { config, dir } = await setUp();
    const empty = await mkdtemp(join(tmpdir(), 'botv3-nodata-'));
    const missing = await run(['backtest', '-c', config, '--data', empty, '--out', dir]);
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining(`no 1m candles of BTC/USDT: ${join(empty, 'BTC-USDT', '1m.csv')} does not exist`) });
    const bad = await run(['backtest', '-c', config, '--data', empty, '--out', dir, '--from', 'yesterday']);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining('--from: yesterday is not a time') });
  });
});

describe('botv3 backtest --sweep', CLI_TEST, () => {
  test('runs every combination in parallel and ranks them; a combination equals the same params run alone', async () => {
    const { config, data, dir } = await setUp();
    const swept = await run(['backtest', '-c', config, '--data', data, '--out', join(dir, 'sweep'), '--sweep', 'fast=3:7:2,slow=5:25:10']);
    expect(swept.code).toBe(0);
    expect(swept.stdout).toContain('refused fast=5,slow=5: strategy.params.fast: strategy sma_crossover: fast must be less than slow');
    const rows = JSON.parse(await readFile(join(dir, 'sweep', 'sweep.json'), 'utf8')) as { params: Record<string, number>; summary?: { totalReturn: number } }[];
    expect(rows).toHaveLength(9);
    const ran = rows.filter((r) => r.summary);
    expect(ran.map((r) => r.summary!.totalReturn)).toEqual([...ran.map((r) => r.summary!.totalReturn)].sort((a, b) => b - a));

    // The best run again, alone: the same figures.
    const best = ran[0]!;
    const alone = join(dir, 'alone.yaml');
    const text = (await readFile(config, 'utf8')).replace('params: { fast: 5, slow: 20 }', `params: { fast: ${best.params['fast']}, slow: ${best.params['slow']} }`);
    await writeFile(alone, text);
    expect((await run(['backtest', '-c', alone, '--data', data, '--out', join(dir, 'alone')])).code).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'alone', 'report.json'), 'utf8'));
    expect(report.portfolio.summary).toEqual(best.summary);
  });

  test('a param no trader has is refused before anything runs', async () => {
    const { config, data, dir } = await setUp();
    expect(await run(['backtest', '-c', config, '--data', data, '--out', dir, '--sweep', 'fsat=1:3:1'])).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--sweep: no trader's strategy has the param fsat"),
    });
  });
});
