import { describe, expect, test } from 'vitest';
import { migrateEnv, type EnvMigration } from '../../../migrate/config/env.js';
import { MigrationError } from '../../../migrate/errors.js';

const env = (text: string, token?: string) => migrateEnv({ file: 'env.v2', text }, token);
const variables = (migration: EnvMigration) => Object.fromEntries(migration.groups.flatMap((g) => g.variables.map((v) => [v.name, v.value])));

function failure(text: string): MigrationError {
  try {
    env(text);
  } catch (error) {
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('ERR_V2_CONFIG');
    return error as MigrationError;
  }
  throw new Error('expected migrateEnv to fail');
}

describe('migrateEnv', () => {
  test('builds both database URLs from PG*, percent-encoding the user and password', () => {
    const password = 'p@ss:w/rd#1 %&?';
    const migration = env(`PGHOST=db.internal\nPGPORT=6543\nPGUSER=bot user\nPGPASSWORD='${password}'\nPGDATABASE=bot_trading_v2\n`);
    const { DATABASE_URL, V2_DATABASE_URL } = variables(migration);
    expect(V2_DATABASE_URL).toBe('postgres://bot%20user:p%40ss%3Aw%2Frd%231%20%25%26%3F@db.internal:6543/bot_trading_v2');
    expect(DATABASE_URL).toBe('postgres://bot%20user:p%40ss%3Aw%2Frd%231%20%25%26%3F@db.internal:6543/bot_trading_v3');
    const url = new URL(DATABASE_URL!);
    expect([decodeURIComponent(url.username), decodeURIComponent(url.password), url.hostname, url.port, url.pathname]).toEqual(['bot user', password, 'db.internal', '6543', '/bot_trading_v3']);
    expect(migration.lines.join('\n')).not.toContain('p@ss');
    expect(migration.lines).toContain("PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE -> V2_DATABASE_URL=postgres://bot%20user:***@db.internal:6543/bot_trading_v2 (v2's database, for botv3 migrate run)");
  });

  test("fills in libpq's defaults for what v2 left unset", () => {
    expect(variables(env('PGUSER=bot\n'))).toEqual({ DATABASE_URL: 'postgres://bot@localhost:5432/bot_trading_v3', V2_DATABASE_URL: 'postgres://bot@localhost:5432' });
    expect(variables(env('PGHOST=/var/run/postgresql\nPGDATABASE=v2\n')).V2_DATABASE_URL).toBe('postgres://%2Fvar%2Frun%2Fpostgresql:5432/v2');
    expect(variables(env('PGHOST=::1\nPGDATABASE=v2\n')).V2_DATABASE_URL).toBe('postgres://[::1]:5432/v2');
  });

  test('without PG* there is no DATABASE_URL: v3 uses its embedded database', () => {
    const migration = env('LOG_LEVEL=DEBUG\n');
    expect(variables(migration)).toEqual({ LOG_LEVEL: 'debug' });
    expect(migration.lines).toContain('PG* not set: no DATABASE_URL, so v3 uses its embedded PostgreSQL');
  });

  test("renames exchange keys to the default account's v3 names", () => {
    const migration = env('BITGET_API_KEY=k\nBITGET_API_SECRET=s\nBITGET_PASSPHRASE=p\nKUCOIN_API_KEY=only-the-key\nHTX_API_SECRET=\n');
    expect(variables(migration)).toEqual({ BOTV3_BITGET_DEFAULT_API_KEY: 'k', BOTV3_BITGET_DEFAULT_SECRET: 's', BOTV3_BITGET_DEFAULT_PASSWORD: 'p', BOTV3_KUCOIN_DEFAULT_API_KEY: 'only-the-key' });
    expect(migration.keyedExchanges).toEqual(['bitget']);
    expect(migration.warnings).toEqual(['KUCOIN_API_KEY and KUCOIN_API_SECRET: only one is set, and v3 needs both, so kucoin has no keys']);
    expect(migration.lines).toContain('BITGET_PASSPHRASE -> BOTV3_BITGET_DEFAULT_PASSWORD (set; value not shown)');
  });

  test.each([
    ['CRITICAL', 'fatal'],
    ['ERROR', 'error'],
    ['WARNING', 'warn'],
    ['warn', 'warn'],
    ['INFO', 'info'],
    ['Debug', 'debug'],
  ])('LOG_LEVEL=%s becomes %s', (v2, v3) => {
    expect(variables(env(`LOG_LEVEL=${v2}\n`)).LOG_LEVEL).toBe(v3);
  });

  test('WEB_PORT becomes the API port, not a variable', () => {
    const migration = env('WEB_PORT=8000\n');
    expect(migration.apiPort).toBe(8000);
    expect(migration.groups).toEqual([]);
  });

  test('puts the Telegram token in its own group, and never in a line', () => {
    const migration = migrateEnv(undefined, '123:secret-token');
    expect(migration.groups).toEqual([{ comment: expect.stringContaining("v2's telegram.yaml bot_token"), variables: [{ name: 'TELEGRAM_BOT_TOKEN', value: '123:secret-token' }] }]);
    expect(migration.lines).toEqual(['telegram.yaml bot_token -> TELEGRAM_BOT_TOKEN (set; value not shown)']);
  });

  test('keeps the variables it does not map last, under a comment saying v3 does not read them', () => {
    const migration = env('CLAUDE_API_KEY=c\nREDIS_URL=redis://cache:6379\nFEATURE_X=\nANTHROPIC_API_KEY=stale\n');
    expect(migration.groups.at(-1)).toEqual({
      comment: 'v2 settings kept as they were: v3 does not read them.',
      variables: [
        { name: 'FEATURE_X', value: '' },
        { name: 'REDIS_URL', value: 'redis://cache:6379' },
      ],
    });
    expect(variables(migration).ANTHROPIC_API_KEY).toBe('c');
    expect(migration.warnings).toEqual(["ANTHROPIC_API_KEY: set in env.v2 too; the value mapped from v2's settings is written instead"]);
    expect(migration.lines).toContain('FEATURE_X, REDIS_URL: kept in .env as they were, not read by v3 (values not shown)');
  });

  test.each([
    ['PGPORT', 'PGPORT=abc\n', 'env.v2: PGPORT: "abc" is not a port number'],
    ['WEB_PORT', 'WEB_PORT=70000\n', 'env.v2: WEB_PORT: "70000" is not a port number'],
    ['LOG_LEVEL', 'LOG_LEVEL=LOUD\n', 'env.v2: LOG_LEVEL: "LOUD" is not a log level (DEBUG, INFO, WARNING, ERROR or CRITICAL)'],
  ])('a bad %s is an error naming the variable', (_name, text, message) => {
    expect(failure(text).message).toBe(message);
  });
});
