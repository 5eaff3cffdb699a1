import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../adapters/config/load.js';
import { traderExchange } from '../../../adapters/config/schema.js';
import { toFixed } from '../../../actors/trading/fixed.js';
import { migrateConfig } from '../../../migrate/config/convert.js';
import { MigrationError } from '../../../migrate/errors.js';
import { CHECKPOINT, CHECKPOINT_BYTES, SECRETS, V3_ML_CONFIG, v2Install } from './fixtures.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function failure(promise: Promise<unknown>): Promise<MigrationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigrationError);
  return error as MigrationError;
}

describe('migrateConfig on the v2 fixture', () => {
  test('writes .env, botv3.yaml, ml_config.yaml, the checkpoint and its checksum', async () => {
    const { from, out } = await v2Install({ checkpoint: true });
    const result = await migrateConfig({ from, out });

    expect(result.files.map((f) => f.path)).toEqual(['.env', 'botv3.yaml', 'ml_config.yaml', CHECKPOINT, 'checksums.sha256'].map((name) => join(out, name)));
    expect(result.warnings).toEqual([]);
    expect((await readdir(out)).sort()).toEqual(['.env', 'botv3.yaml', 'checksums.sha256', 'ml_config.yaml', 'models']);

    expect(parseEnv(await readFile(join(out, '.env'), 'utf8'))).toEqual({
      DATABASE_URL: 'postgres://postgres:change-me@localhost:5432/bot_trading_v3',
      V2_DATABASE_URL: 'postgres://postgres:change-me@localhost:5432/bot_trading_v2',
      BOTV3_BINANCE_DEFAULT_API_KEY: 'binance-key-placeholder',
      BOTV3_BINANCE_DEFAULT_SECRET: 'binance-secret-placeholder',
      BOTV3_BYBIT_DEFAULT_API_KEY: 'bybit-key-placeholder',
      BOTV3_BYBIT_DEFAULT_SECRET: 'bybit-secret-placeholder',
      BOTV3_OKX_DEFAULT_API_KEY: 'okx-key-placeholder',
      BOTV3_OKX_DEFAULT_SECRET: 'okx-secret-placeholder',
      BOTV3_OKX_DEFAULT_PASSWORD: 'okx-passphrase-placeholder',
      ANTHROPIC_API_KEY: 'claude-key-placeholder',
      TELEGRAM_BOT_TOKEN: '123456789:AAH-placeholder-token',
      LOG_LEVEL: 'info',
    });

    const config = loadConfig(join(out, 'botv3.yaml'));
    expect(config.exchanges).toEqual({
      binance: expect.objectContaining({ type: 'ccxt' }),
      bybit: expect.objectContaining({ type: 'ccxt' }),
      okx: expect.objectContaining({ type: 'ccxt' }),
    });
    expect(config.traders.map((t) => [t.id, traderExchange(t), t.account, t.strategy?.type, t.strategy?.symbols, t.strategy?.timeframe])).toEqual([
      ['sma_cross', 'binance', 'default', 'sma_crossover', ['BTC/USDT', 'ETH/USDT'], '15m'],
      ['rsi_revert', 'bybit', 'default', 'rsi_reversion', ['XRP/USDT'], '5m'],
      ['grid_btc', 'okx', 'default', 'grid', ['BTC/USDT'], '1m'],
    ]);
    expect(config.traders.map((t) => t.strategy?.risk_params)).toEqual([
      { max_position: toFixed('1000', 'x'), stop_loss: toFixed('0.02', 'x'), take_profit: undefined },
      { max_position: toFixed('500', 'x'), stop_loss: toFixed('0.015', 'x'), take_profit: undefined },
      { max_position: toFixed('2000', 'x'), stop_loss: toFixed('0.05', 'x'), take_profit: undefined },
    ]);
    expect(config.traders.map((t) => t.strategy?.params)).toEqual([
      { fast: 10, slow: 30 },
      { period: 14, oversold: 30, overbought: 70 },
      { levels: 10, spacing_pct: 0.5 },
    ]);
    expect(config.api.port).toBe(8000);
    expect(config.telegram).toMatchObject({ chatIds: [111111111, -100222222222], notifications: { trade_executed: true, error_alert: true, daily_report: true } });
    expect(config.telegram.token).toBeUndefined();

    expect(parse(await readFile(join(out, 'ml_config.yaml'), 'utf8'))).toEqual(V3_ML_CONFIG);

    const copy = await readFile(join(out, CHECKPOINT));
    expect(copy.equals(CHECKPOINT_BYTES)).toBe(true);
    expect(await readFile(join(out, 'checksums.sha256'), 'utf8')).toBe(`${sha256(copy)}  ${CHECKPOINT}\n`);
    expect(result.lines).toContain(`checkpoint ${CHECKPOINT}: copied, sha256 ${sha256(copy)}`);
  });

  test('says what it mapped, one line per mapping', async () => {
    const { from, out } = await v2Install({ checkpoint: true });
    const { lines } = await migrateConfig({ from, out });
    expect(lines).toEqual(
      expect.arrayContaining([
        'env.v2 read',
        'CLAUDE_API_KEY -> ANTHROPIC_API_KEY (set; value not shown)',
        'OKX_PASSPHRASE -> BOTV3_OKX_DEFAULT_PASSWORD (set; value not shown)',
        'telegram.yaml bot_token -> TELEGRAM_BOT_TOKEN (set; value not shown)',
        'LOG_LEVEL=INFO -> LOG_LEVEL=info',
        'strategy sma_cross -> trader sma_cross on binance (BTC/USDT, ETH/USDT), sma_crossover, 15m',
        'strategy grid_btc -> trader grid_btc on okx (BTC/USDT), grid, 1m',
        "WEB_PORT=8000 -> api.port: 8000 (v2's endpoints have new paths: botv3 api-map)",
      ]),
    );
    expect(lines.find((line) => line.startsWith('telegram commands:'))).toContain('/start, /status, /balance, /positions, /stop under the same names');
    expect(lines.find((line) => line.includes('-> V2_DATABASE_URL='))).toContain('postgres://postgres:***@localhost:5432/bot_trading_v2');
  });

  test('writes .env readable by its owner only, also over an existing looser file', async () => {
    const { from, out } = await v2Install();
    await migrateConfig({ from, out });
    expect((await stat(join(out, '.env'))).mode & 0o777).toBe(0o600);
    await chmod(join(out, '.env'), 0o644);
    await migrateConfig({ from, out, force: true });
    expect((await stat(join(out, '.env'))).mode & 0o777).toBe(0o600);
  });

  test('never shows a secret: not in the summary, botv3.yaml or ml_config.yaml', async () => {
    const { from, out } = await v2Install({ checkpoint: true });
    const result = await migrateConfig({ from, out });
    const shown = [JSON.stringify(result), await readFile(join(out, 'botv3.yaml'), 'utf8'), await readFile(join(out, 'ml_config.yaml'), 'utf8')].join('\n');
    expect(SECRETS.length).toBe(10);
    for (const secret of SECRETS) expect(shown).not.toContain(secret);
    const env = await readFile(join(out, '.env'), 'utf8');
    for (const secret of SECRETS) expect(env).toContain(secret);
  });

  test('paper: true puts every trader on one paper exchange, each with its own account', async () => {
    const { from, out } = await v2Install();
    const result = await migrateConfig({ from, out, paper: true });
    const config = loadConfig(join(out, 'botv3.yaml'));
    expect(Object.keys(config.exchanges)).toEqual(['paper']);
    expect(config.exchanges.paper!.type).toBe('paper');
    expect(config.traders.map((t) => [t.id, traderExchange(t), t.account])).toEqual([
      ['sma_cross', 'paper', undefined],
      ['rsi_revert', 'paper', undefined],
      ['grid_btc', 'paper', undefined],
    ]);
    expect(result.lines).toContain("strategy rsi_revert -> trader rsi_revert on paper (v2's exchange: bybit) (XRP/USDT), rsi_reversion, 5m");
    expect(await readFile(join(out, 'botv3.yaml'), 'utf8')).toContain("v2's exchanges: binance, bybit, okx; migrate again without --paper");
    // The keys are migrated all the same, for the day the traders go live.
    expect(parseEnv(await readFile(join(out, '.env'), 'utf8')).BOTV3_BINANCE_DEFAULT_API_KEY).toBe('binance-key-placeholder');
  });

  test('refuses to overwrite without force, writing nothing; force overwrites', async () => {
    const { from, out } = await v2Install({ checkpoint: true });
    await migrateConfig({ from, out });
    await writeFile(join(out, 'botv3.yaml'), '# edited by hand\n');
    await rm(join(out, '.env'));

    const error = await failure(migrateConfig({ from, out }));
    expect(error.code).toBe('ERR_MIGRATION_TARGET');
    expect(error.message).toBe(`${out} already has botv3.yaml, ml_config.yaml, ${CHECKPOINT}, checksums.sha256; nothing was written (--force overwrites)`);
    expect(existsSync(join(out, '.env'))).toBe(false);
    expect(await readFile(join(out, 'botv3.yaml'), 'utf8')).toBe('# edited by hand\n');

    await migrateConfig({ from, out, force: true });
    expect(loadConfig(join(out, 'botv3.yaml')).traders).toHaveLength(3);
    expect(existsSync(join(out, '.env'))).toBe(true);
  });

  test('reports a missing checkpoint instead of failing, and writes no checksum for it', async () => {
    const { from, out } = await v2Install();
    const result = await migrateConfig({ from, out });
    expect(result.lines).toContain(`checkpoint ${CHECKPOINT}: missing in ${from}, not copied`);
    expect(result.warnings).toEqual([`the model checkpoint ${CHECKPOINT} is not in ${from}: copy it to the output directory before v3 loads the model`]);
    expect(existsSync(join(out, 'checksums.sha256'))).toBe(false);
    expect(existsSync(join(out, 'models'))).toBe(false);
    expect(parse(await readFile(join(out, 'ml_config.yaml'), 'utf8')).checkpoint).toBe(CHECKPOINT);
  });

  test('refuses an output directory that is the v2 directory', async () => {
    const { from } = await v2Install();
    const error = await failure(migrateConfig({ from, out: join(from, '.'), force: true }));
    expect(error.code).toBe('ERR_MIGRATION_TARGET');
    expect(error.message).toContain("v2's own .env would be overwritten");
  });
});

describe('migrateConfig with files missing', () => {
  test('skips what is absent and converts the rest', async () => {
    const { from, out } = await v2Install();
    await rm(join(from, 'strategies.yaml'));
    await rm(join(from, 'ml_config.json'));
    const result = await migrateConfig({ from, out });
    expect(result.files.map((f) => f.path)).toEqual([join(out, '.env')]);
    expect(result.lines).toEqual(expect.arrayContaining(['strategies.yaml absent, skipped', 'ml_config.json absent, skipped']));
    expect(result.warnings).toEqual(["no botv3.yaml written: v3's config needs a trader, and strategies.yaml is absent (WEB_PORT and the Telegram chats and notifications not carried over)"]);
    expect((await readdir(out)).sort()).toEqual(['.env']);
    // The token still reaches .env; the chats had nowhere to go, and no line says they went somewhere.
    expect(parseEnv(await readFile(join(out, '.env'), 'utf8')).TELEGRAM_BOT_TOKEN).toBe('123456789:AAH-placeholder-token');
    expect(result.lines.filter((line) => line.includes('chatIds'))).toEqual([]);
  });

  test('converts strategies.yaml alone', async () => {
    const { from, out } = await v2Install();
    for (const name of ['env.v2', 'telegram.yaml', 'ml_config.json']) await rm(join(from, name));
    const result = await migrateConfig({ from, out });
    expect((await readdir(out)).sort()).toEqual(['botv3.yaml']);
    expect(result.lines).toEqual(expect.arrayContaining(['.env and env.v2 absent, skipped', 'telegram.yaml absent, skipped', 'ml_config.json absent, skipped']));
    // Without v2's .env there are no keys: each live exchange is flagged.
    expect(result.warnings).toHaveLength(3);
    expect(result.warnings[0]).toBe("binance: no BINANCE_API_KEY and BINANCE_API_SECRET in v2's .env, so its traders cannot place orders until BOTV3_BINANCE_DEFAULT_API_KEY and _SECRET are set");
    const config = loadConfig(join(out, 'botv3.yaml'));
    expect(config.traders).toHaveLength(3);
    expect(config.telegram.chatIds).toEqual([]);
  });

  test('reads .env before env.v2', async () => {
    const { from, out } = await v2Install();
    await writeFile(join(from, '.env'), 'LOG_LEVEL=WARNING\n');
    const result = await migrateConfig({ from, out });
    expect(result.lines).toContain('.env read (env.v2 not read: .env comes first)');
    expect(parseEnv(await readFile(join(out, '.env'), 'utf8')).LOG_LEVEL).toBe('warn');
  });

  test('fails when none of the files is there', async () => {
    const { out } = await v2Install();
    const error = await failure(migrateConfig({ from: out, out: join(out, 'x') }));
    expect(error.code).toBe('ERR_V2_CONFIG');
    expect(error.message).toBe(`${out} has none of v2's config files (.env, env.v2, strategies.yaml, telegram.yaml, ml_config.json)`);
  });
});

describe('migrateConfig on broken files', () => {
  const cases: [what: string, file: string, text: string, message: string][] = [
    ['bad YAML', 'strategies.yaml', 'strategies:\n  - strategy_name: sma_cross\n    pairs: [BTCUSDT\n', 'strategies.yaml: not valid YAML at line 4, column 1 (BAD_INDENT)'],
    ['an unknown timeframe', 'strategies.yaml', 'strategies:\n  - { strategy_name: sma_cross, pairs: [BTCUSDT], exchange: binance, interval: 7x }\n', 'strategies.yaml: strategies[0].interval: must be a timeframe such as 1m, 15m, 1h or 1d'],
    [
      'a bad pair',
      'strategies.yaml',
      'strategies:\n  - { strategy_name: sma_cross, pairs: [BTCUSDT], exchange: binance }\n  - { strategy_name: rsi_x, pairs: [BTC USDT], exchange: bybit }\n',
      'strategies.yaml: strategies[1].pairs[0]: "BTC USDT" is not a symbol such as BTC/USDT',
    ],
    ['a bad strategy id', 'strategies.yaml', 'strategies:\n  - { strategy_name: "sma cross", pairs: [BTCUSDT], exchange: binance }\n', 'strategies.yaml: strategies[0].strategy_name: cannot be a v3 trader id: use 1 to 48 letters, digits, _ and -'],
    ['non-integer features', 'ml_config.json', '{"features": 240.5, "predictions": 20, "lookback": 96}', 'ml_config.json: features: expected a positive integer'],
    ['a chat id that is not a number', 'telegram.yaml', 'bot_token: "123456789:AAH-placeholder-token"\nallowed_chats: [1, two]\n', 'telegram.yaml: allowed_chats[1]: Invalid input: expected number, received string'],
    ['a checkpoint named like an output', 'ml_config.json', '{"features": 1, "predictions": 1, "lookback": 1, "checkpoint": "./.env"}', 'ml_config.json: checkpoint: .env is the name of a file the migration writes'],
    ['an unknown log level', 'env.v2', 'LOG_LEVEL=LOUD\n', 'env.v2: LOG_LEVEL: "LOUD" is not a log level (DEBUG, INFO, WARNING, ERROR or CRITICAL)'],
  ];
  test.each(cases)('%s in %s names the file and the field', async (_what, file, text, message) => {
    const { from, out } = await v2Install({ checkpoint: true });
    await writeFile(join(from, file), text);
    const error = await failure(migrateConfig({ from, out }));
    expect(error.code).toBe('ERR_V2_CONFIG');
    expect(error.message).toBe(message);
    // Everything is checked before anything is written.
    expect(existsSync(out)).toBe(false);
  });
});
