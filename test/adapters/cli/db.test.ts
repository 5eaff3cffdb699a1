import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { botv3 as cli, CLI_TEST } from '../../helpers/cli.js';

async function botv3(env: Record<string, string>, ...args: string[]) {
  const { DATABASE_URL: _unset, ...inherited } = process.env;
  return cli(args, { env: { ...inherited, ...env } });
}

test('db status and db migrate on the embedded PostgreSQL, kept in BOTV3_DATA_DIR', CLI_TEST, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'botv3-data-'));
  const env = { BOTV3_DATA_DIR: dataDir };
  const where = `Database: PGlite in ${join(dataDir, 'pglite')} (embedded)`;
  expect((await botv3(env, 'db', 'status')).stdout).toBe(`${where}\npending  0001_schema\npending  0002_signal_outcomes\npending  0003_review_verdicts\npending  0004_v2_migration\npending  0005_signal_asked_balance_accounts\npending  0006_swap_funding\npending  0007_v2_open_positions\npending  0008_swap_funded_to\npending  0009_trader_leases\n9 migration(s) pending: run botv3 db migrate.\n`);
  expect((await botv3(env, 'db', 'migrate')).stdout).toBe(`${where}\nApplied migration(s) 1, 2, 3, 4, 5, 6, 7, 8, 9.\n`);
  expect((await botv3(env, 'db', 'migrate')).stdout).toBe(`${where}\nNothing to apply: schema up to date.\n`);
  expect((await botv3(env, 'db', 'status')).stdout).toMatch(/^applied {2}0001_schema {2}\d{4}-\d\d-\d\dT[\d:.]+Z\napplied {2}0002_signal_outcomes {2}\S+\napplied {2}0003_review_verdicts {2}\S+\napplied {2}0004_v2_migration {2}\S+\napplied {2}0005_signal_asked_balance_accounts {2}\S+\napplied {2}0006_swap_funding {2}\S+\napplied {2}0007_v2_open_positions {2}\S+\napplied {2}0008_swap_funded_to {2}\S+\napplied {2}0009_trader_leases {2}\S+\nSchema up to date\.\n$/m);
});

test('a bad DATABASE_URL is named, with its password kept out of the message', CLI_TEST, async () => {
  await expect(botv3({ DATABASE_URL: 'mysql://root:hunter2@db/x' }, 'db', 'status')).rejects.toMatchObject({
    code: 2,
    stderr: 'botv3: DATABASE_URL: the protocol must be postgres:, got mysql:\n',
  });
});
