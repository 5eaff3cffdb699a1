import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatVerifyTable, verifyMigration, VERIFY_CHECKS, type VerifyRow } from '../../../migrate/verify/verify.js';
import type { TestDatabaseServer } from '../../helpers/database.js';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { waitFor } from '../../helpers/wait.js';
import { migratedDatabase } from './migrated-database.js';
import { closedPort, silentServer } from '../../helpers/ports.js';

let api: ApiTestPlatform;
let db: TestDatabaseServer;

beforeAll(async () => {
  // One after the other: two embedded PGlites starting at once in one thread starve each other's connections.
  db = await migratedDatabase(['done']);
  api = await startApiPlatform({
    traders: [
      { id: 'alpha', strategy: { name: 'sma_crossover', symbols: ['BTC/USDT'], params: { fast: 2, slow: 5 } }, balances: { USDT: 10_000 }, orderNotional: 100 },
      { id: 'beta', symbols: ['BTC/USDT'], balances: { USDT: 10_000 }, orderNotional: 100 },
    ],
  });
});
afterAll(async () => {
  await api?.close();
  await db?.close();
});

const savedEnvToken = process.env.BOTV3_API_TOKEN;
afterEach(() => {
  if (savedEnvToken === undefined) delete process.env.BOTV3_API_TOKEN;
  else process.env.BOTV3_API_TOKEN = savedEnvToken;
});

const row = (rows: VerifyRow[], check: string) => rows.find((r) => r.check === check)!;

describe('botv3 migrate verify against a running platform', () => {
  it('passes every check of a healthy platform and a migrated database', async () => {
    const rows = await verifyMigration({ api: api.url, db: db.url, token: api.token.admin });
    expect(rows.map((r) => r.check)).toEqual([...VERIFY_CHECKS]);
    expect(rows.filter((r) => !r.ok)).toEqual([]);
    expect(row(rows, 'api health').detail).toBe('HTTP 200 {"status":"ok"}');
    expect(row(rows, 'system status').detail).toMatch(/platform running, version test, up \d+ s; 2 traders: 2 running, 0 failed, 0 stopped$/);
    expect(row(rows, 'database').detail).toBe('external (test) reachable, 0 rows waiting to be written');
    expect(row(rows, 'exchanges').detail).toBe('up: paper (paper)');
    expect(row(rows, 'strategies').detail).toBe('1 configured, traders: alpha');
    expect(row(rows, 'websocket').detail).toMatch(/^subscribed to "system" at ws:\/\/127\.0\.0\.1:\d+\/ws\/v1\/stream \(ack in \d+ ms\)$/);
    expect(row(rows, 'table counts').detail).toBe(
      'latest migration run #1 of 1 done; orders 3 (2 migrated), trades 1 (1 migrated), balances 1 (1 migrated), positions 1, ' +
        'position_history 2 (2 migrated), signals 1 (1 migrated); 7 migrated rows, 1 quarantined',
    );
    const table = formatVerifyTable(rows);
    expect(table).toContain('all 7 checks passed');
    expect(table).not.toContain(api.token.admin);
  });

  it('takes the token from BOTV3_API_TOKEN, and a read token is enough; a trailing /api/v1 on the URL is dropped', async () => {
    process.env.BOTV3_API_TOKEN = api.token.read;
    const rows = await verifyMigration({ api: `${api.url}/api/v1/`, db: db.url });
    expect(rows.filter((r) => !r.ok)).toEqual([]);
  });

  it('fails the rows needing a token with the 401 when the token is wrong, while health passes', async () => {
    const token = 'bv3_000000000000_not-a-real-token';
    const rows = await verifyMigration({ api: api.url, db: db.url, token });
    expect(row(rows, 'api health').ok).toBe(true);
    expect(row(rows, 'table counts').ok).toBe(true);
    expect(row(rows, 'system status')).toEqual({ check: 'system status', ok: false, detail: '/api/v1/system/status: HTTP 401 ERR_UNAUTHORIZED: authorization: unknown or revoked token' });
    expect(row(rows, 'database')).toMatchObject({ ok: false, detail: expect.stringContaining('HTTP 401') });
    expect(row(rows, 'exchanges')).toMatchObject({ ok: false, detail: expect.stringContaining('HTTP 401') });
    expect(row(rows, 'strategies')).toEqual({ check: 'strategies', ok: false, detail: 'HTTP 401 ERR_UNAUTHORIZED: authorization: unknown or revoked token' });
    expect(row(rows, 'websocket')).toEqual({ check: 'websocket', ok: false, detail: 'upgrade refused: HTTP 401 Unauthorized: the token is missing, unknown or revoked' });
    expect(formatVerifyTable(rows)).not.toContain(token);
  });

  it('says what is missing without any token: a 401 and the stream closing with 4401', async () => {
    delete process.env.BOTV3_API_TOKEN;
    const rows = await verifyMigration({ api: api.url, db: db.url });
    expect(row(rows, 'api health').ok).toBe(true);
    expect(row(rows, 'strategies')).toMatchObject({ ok: false, detail: 'HTTP 401 ERR_UNAUTHORIZED: authorization: missing Authorization: Bearer <token>' });
    expect(row(rows, 'websocket')).toMatchObject({ ok: false, detail: expect.stringMatching(/^closed by the server with code 4401/) });
  });

  it('gives FAIL rows, quickly and without throwing, for an API where nothing listens', async () => {
    const port = await closedPort();
    const rows = await verifyMigration({ api: `http://127.0.0.1:${port}`, db: db.url, token: api.token.admin });
    // Quickly: each row fails on the refused connection (ECONNREFUSED below), none waits for a timeout.
    expect(rows.map((r) => r.check)).toEqual([...VERIFY_CHECKS]);
    for (const r of rows.filter((r) => r.check !== 'table counts')) {
      expect(r.ok, r.check).toBe(false);
      expect(r.detail, r.check).toContain('ECONNREFUSED');
    }
    expect(row(rows, 'table counts').ok).toBe(true);
  });

  it('fails every row of an API and a database that accept connections and never answer, within the timeout', async () => {
    const silent = await silentServer();
    try {
      // Each row ends by its 300 ms timeout, as its detail says: none waits longer for an answer.
      const rows = await verifyMigration({ api: `http://127.0.0.1:${silent.port}`, db: `postgres://bot:hunter2hunter2@127.0.0.1:${silent.port}/trading`, token: 'bv3_x_secret', timeoutMs: 300 });
      expect(rows.every((r) => !r.ok)).toBe(true);
      expect(row(rows, 'api health').detail).toBe('no answer within 300 ms');
      expect(row(rows, 'system status').detail).toBe('cannot read /api/v1/system/status: no answer within 300 ms');
      expect(row(rows, 'table counts').detail).toBe(`postgres://bot:***@127.0.0.1:${silent.port}/trading: no answer within 300 ms`);
      expect(row(rows, 'websocket').detail).toMatch(/time|within 300 ms/);
    } finally {
      await silent.close();
    }
  });

  // Last: it changes the platform.
  it('counts a stopped trader in the status without failing it', async () => {
    expect((await api.call('POST', '/api/v1/traders/beta/stop')).status).toBe(200);
    await waitFor(async () => (await api.call('GET', '/api/v1/system/status')).body.traders.stopped === 1, 'beta stopped');
    const rows = await verifyMigration({ api: api.url, db: db.url, token: api.token.read });
    expect(row(rows, 'system status')).toMatchObject({ ok: true, detail: expect.stringMatching(/; 2 traders: 1 running, 0 failed, 1 stopped$/) });
  });

  it('fails every API row of a URL that is not http(s), without throwing', async () => {
    const rows = await verifyMigration({ api: 'ftp://127.0.0.1:21', db: db.url, token: api.token.admin });
    expect(rows.filter((r) => r.check !== 'table counts').every((r) => !r.ok && r.detail.includes('--api: the protocol must be http: or https:'))).toBe(true);
  });
});
