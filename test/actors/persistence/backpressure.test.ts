import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from 'vitest';
import { openDatabase } from '../../../adapters/database/connect.js';
import { migrate } from '../../../adapters/database/migrator.js';
import type { Page } from '../../../adapters/database/queries.js';
import type { PersistenceArgs } from '../../../actors/persistence/args.js';
import type { PersistenceStatus } from '../../../actors/persistence/persistence.js';
import { moduleUrl } from '../../../runtime/module-url.js';
import { ActorSystem } from '../../../runtime/system.js';
import { freshDatabaseServer } from '../../helpers/database.js';
import { tcpProxy } from '../../helpers/tcp-proxy.js';

/**
 * A database that stalls: what persistence has not stored stays in its mailbox, unacknowledged, so the
 * mailbox fills and senders are told to wait (`send()` returns false), instead of memory growing
 * without bound. Once the database answers again everything lands, once.
 */
test('a stalled database pushes back on the senders, and nothing is lost when it answers again', async () => {
  const server = await freshDatabaseServer();
  const db = await openDatabase({ url: server.url, maximumPoolSize: 1 });
  await migrate(db.pool);
  await db.close();
  const proxy = await tcpProxy(server.url);
  const args: PersistenceArgs = {
    database: { url: proxy.url, poolSize: 1 },
    journal: { path: join(await mkdtemp(join(tmpdir(), 'botv3-')), 'journal.ndjson'), maxBytes: 1_000_000 },
    forward: 'events',
    traders: { t1: { exchange: 'paper', account: 't1' } },
    batchRows: 5,
    flushMs: 5,
    writers: 1,
    maxBufferedRows: 10,
    retryMs: 100,
    signalWindow: 100,
  };
  const system = await ActorSystem.start(
    {
      id: 'root',
      children: [
        { id: 'events', module: moduleUrl('../../../actors/events/hub', import.meta.url), placement: 'main' },
        { id: 'persistence', module: moduleUrl('../../../actors/persistence/persistence', import.meta.url), placement: 'main', args, mailbox: { capacity: 20 } },
      ],
    },
    { logger: pino({ level: 'silent' }) },
  );
  try {
    const signal = (n: number) => ({ type: 'traderEvents', traderId: 't1', events: [{ kind: 'signal.accepted', signalId: `s${n}`, strategy: 'api', symbol: 'BTC/USDT', action: 'BUY', clientOrderId: `v3-${n}`, at: n }] });
    proxy.pause();
    // One message at a time, each given the time to be taken: only a stalled consumer fills the mailbox.
    let sent = 0;
    while (sent < 500 && system.send('persistence', signal(sent++))) await sleep(2);
    // Messages stay unacknowledged until their rows are stored, so the mailbox bounds them all: the batch
    // stuck in the database, the rows waiting behind it and what persistence has not taken yet.
    expect(sent).toBe(20);
    await sleep(200);
    const mailbox = () => system.status().actors.find((a) => a.address === 'persistence')!.mailbox;
    expect(mailbox().size).toBe(20);

    proxy.resume();
    await system.drained('persistence');
    const status = await system.request<PersistenceStatus>('persistence', { type: 'sync' }, { timeoutMs: 20_000 });
    expect(status).toMatchObject({ up: true, buffered: 0, batchesJournaled: 0 });
    const page = await system.request<Page>('persistence', { type: 'query', list: 'signals', filter: { limit: 1_000 } });
    expect(page.rows.map((r) => r.id).sort()).toEqual(Array.from({ length: sent }, (_, n) => `s${n}`).sort());
  } finally {
    await system.shutdown();
    await proxy.close();
    await server.close();
  }
});
