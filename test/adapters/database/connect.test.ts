import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'slonik';
import { z } from 'zod';
import { describe, expect, test } from 'vitest';
import { openDatabase } from '../../../adapters/database/connect.js';
import { redactUrl } from '../../../adapters/database/url.js';

describe('redactUrl', () => {
  test('masks the password and keeps the rest', () => {
    expect(redactUrl('postgres://bot:s3cret@db.internal:5555/trading')).toBe('postgres://bot:***@db.internal:5555/trading');
    expect(redactUrl('postgresql://bot@127.0.0.1/trading')).toBe('postgresql://bot@127.0.0.1/trading');
  });

  test.each([
    ['not a url', /^DATABASE_URL: not a URL/],
    ['mysql://root@localhost/db', /^DATABASE_URL: the protocol must be postgres:, got mysql:$/],
  ])('rejects %s without echoing it', (url, message) => {
    expect(() => redactUrl(url)).toThrow(message);
    expect(() => redactUrl(url)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_DATABASE_URL' }));
  });
});

test('the embedded PostgreSQL keeps its data in its data directory across restarts', async () => {
  const dataDir = join(await mkdtemp(join(tmpdir(), 'botv3-pglite-')), 'pglite');
  const first = await openDatabase({ dataDir });
  expect(first).toMatchObject({ kind: 'embedded', where: `PGlite in ${dataDir}` });
  await first.pool.query(sql.unsafe`CREATE TABLE kept (amount numeric(38, 9))`);
  await first.pool.query(sql.unsafe`INSERT INTO kept VALUES ('0.1'), ('0.2')`);
  await first.close();

  const second = await openDatabase({ dataDir });
  expect(await second.pool.oneFirst(sql.type(z.object({ total: z.string() }))`SELECT sum(amount) AS total FROM kept`)).toBe('0.300000000');
  await second.close();
});
