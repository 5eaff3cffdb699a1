import { sql } from 'slonik';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ReadPool } from '../../../adapters/database/read-pool.js';
import { freshDatabaseServer, type TestDatabaseServer } from '../../helpers/database.js';
import { tcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

let server: TestDatabaseServer;
let proxy: TcpProxy;
beforeAll(async () => {
  server = await freshDatabaseServer();
  proxy = await tcpProxy(server.url);
});
afterAll(async () => {
  await proxy.close();
  await server.close();
});

test('reads fail while the database is away, and work again on a new connection once it is back', async () => {
  const reads = new ReadPool(proxy.url, 1);
  const one = () => reads.run((pool) => pool.oneFirst(sql.unsafe`SELECT 1`));
  try {
    expect(await one()).toBe(1);
    proxy.down();
    await expect(one()).rejects.toThrow();
    // Still away: opening a pool fails at once.
    await expect(one()).rejects.toThrow();
    proxy.up();
    expect(await one()).toBe(1);
  } finally {
    await reads.close();
  }
});
