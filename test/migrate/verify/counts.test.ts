import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyMigration, type VerifyRow } from '../../../migrate/verify/verify.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { migratedDatabase } from './migrated-database.js';
import { closedPort } from '../../helpers/ports.js';

// No API here: these cases are about the database, and the API rows fail at once on a closed port.
let api: string;
beforeAll(async () => {
  api = `http://127.0.0.1:${await closedPort()}`;
});

const opened: TestDatabaseServer[] = [];
afterAll(async () => {
  await Promise.all(opened.map((db) => db.close()));
});

async function tableCounts(db: string | TestDatabaseServer): Promise<VerifyRow> {
  if (typeof db !== 'string') opened.push(db);
  const rows = await verifyMigration({ api, db: typeof db === 'string' ? db : db.url, token: 'bv3_unused_token' });
  return rows.find((r) => r.check === 'table counts')!;
}

const TALLY = 'orders 3 (2 migrated), trades 1 (1 migrated), balances 1 (1 migrated), positions 1, position_history 2 (2 migrated), signals 1 (1 migrated); 7 migrated rows';

describe('the table counts check', () => {
  it('fails a database with no migration run, still counting its rows', async () => {
    expect(await tableCounts(await migratedDatabase([]))).toEqual({ check: 'table counts', ok: false, detail: `no migration run in this database; ${TALLY}, 0 quarantined` });
  });

  it('fails when the latest run failed, even after a run that was done, with its error', async () => {
    expect(await tableCounts(await migratedDatabase(['done', 'failed']))).toEqual({
      check: 'table counts',
      ok: false,
      detail: `latest migration run #2 of 2 is failed (orders: copy broke off); ${TALLY}, 1 quarantined`,
    });
  });

  it('fails a run still running or rolled back', async () => {
    expect(await tableCounts(await migratedDatabase(['running']))).toMatchObject({ ok: false, detail: expect.stringMatching(/^latest migration run #1 of 1 is running; /) });
    expect(await tableCounts(await migratedDatabase(['failed', 'rolled_back']))).toMatchObject({ ok: false, detail: expect.stringMatching(/^latest migration run #2 of 2 is rolled_back; /) });
  });

  it('passes once a later run is done', async () => {
    expect(await tableCounts(await migratedDatabase(['failed', 'done']))).toEqual({ check: 'table counts', ok: true, detail: `latest migration run #2 of 2 done; ${TALLY}, 1 quarantined` });
  });

  it('fails a database without v3 tables, naming what is missing', async () => {
    expect(await tableCounts(await freshDatabaseServer())).toEqual({
      check: 'table counts',
      ok: false,
      detail: 'no migration run in this database (no migration_runs table); orders missing, trades missing, balances missing, positions missing, position_history missing, signals missing; 0 migrated rows, 0 quarantined',
    });
  });

  it('fails a database it cannot connect to, with the URL masked and no password anywhere', async () => {
    const port = await closedPort();
    const row = await tableCounts(`postgres://bot:s3cret-pass@127.0.0.1:${port}/trading`);
    expect(row.ok).toBe(false);
    expect(row.detail).toContain(`postgres://bot:***@127.0.0.1:${port}/trading`);
    expect(row.detail).toContain('ECONNREFUSED');
    expect(row.detail).not.toContain('s3cret-pass');
  });

  it('fails a --db that is not a postgres URL, without throwing', async () => {
    expect(await tableCounts('mysql://root:toor-secret@db/x')).toEqual({ check: 'table counts', ok: false, detail: '--db: the protocol must be postgres:, got mysql:' });
    expect(await tableCounts('')).toMatchObject({ ok: false, detail: expect.stringMatching(/^no database URL/) });
  });
});
