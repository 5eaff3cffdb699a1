import { sql } from 'slonik';
import { z } from 'zod';
import { defineActor, type ActorContext } from '../../runtime/actor.js';
import type { Message } from '../../runtime/message.js';
import { openDatabase, type Database } from '../../adapters/database/connect.js';
import { Journal } from '../../adapters/database/journal.js';
import { list, listSchemas, queryFailure, recoverTrader, type ListName } from '../../adapters/database/queries.js';
import { writeBatchIsolating, type RefusedRow } from '../../adapters/database/writer.js';
import { storedSignalOutcomes, type SignalOutcomesReply } from '../../adapters/database/signal-outcomes.js';
import type { RecoverReply } from '../trader/recovery.js';
import type { PersistedTrader, PersistenceArgs } from './args.js';
import { toJson } from '../trading/fixed.js';
import { BatchBuilder, rowCount, type RowBatch } from './rows.js';

const messages = z.discriminatedUnion('type', [
  z.object({ type: z.literal('traderEvents'), traderId: z.string(), events: z.array(z.unknown()), generation: z.number().int().positive().optional() }),
  z.object({ type: z.literal('riskEvents'), events: z.array(z.object({ kind: z.string(), at: z.number() }).loose()) }),
  /** Request from a trader started without a snapshot: its state as stored. */
  z.object({ type: z.literal('recover'), traderId: z.string() }),
  /** Request: one of the lists of `adapters/database/queries.ts`. */
  z.object({ type: z.literal('query'), list: z.enum(Object.keys(listSchemas) as [ListName, ...ListName[]]), filter: z.unknown().optional() }),
  /** Request: a trader created while the platform runs, to register as the config's are at start. */
  z.object({
    type: z.literal('register'),
    traderId: z.string(),
    trader: z.object({
      exchange: z.string(),
      account: z.string(),
      strategy: z
        .object({ name: z.string(), type: z.string(), symbols: z.array(z.string()), timeframe: z.string(), params: z.unknown(), riskParams: z.unknown() })
        .optional(),
    }),
  }),
  /** Request: writes everything held now, then replies with the status. */
  z.object({ type: z.literal('sync') }),
  /** Request: the status. */
  z.object({ type: z.literal('status') }),
  /** Request: the stored outcome of signals by trader and id (the API's check of resent ids). */
  z.object({ type: z.literal('signalOutcomes'), keys: z.array(z.object({ traderId: z.string(), id: z.string() })) }),
  /** Timers. */
  z.object({ type: z.literal('flush') }),
  z.object({ type: z.literal('forward') }),
  z.object({ type: z.literal('retry') }),
]);

type PersistenceMessage = z.infer<typeof messages>;

export type PersistenceStatus = {
  type: 'persistenceStatus';
  /** False while the database is unreachable and batches go to the journal. */
  up: boolean;
  /** Rows waiting for the next write. */
  buffered: number;
  journalBytes: number;
  rowsWritten: number;
  batchesWritten: number;
  batchesJournaled: number;
  batchesReplayed: number;
  /** Rows the database refused as data, each kept alone in `<journal>.refused.ndjson`. */
  rowsRefused: number;
  lastError?: string;
};

/** An alert for the events hub (and the API stream): the database went away or came back. */
export type PersistenceAlert = {
  type: 'alert';
  source: 'persistence';
  level: 'error' | 'warn' | 'info';
  message: string;
  at: number;
};

/**
 * Persistence: stores what traders and the risk manager report, in batches, off the trading path.
 *
 * Events are turned into rows as they come and written when a batch is full or `flushMs` after its
 * first row, `writers` writes at a time while the next batch fills. They go on to the events hub (the API,
 * the stream) only once their batch is durable, in the database or in the journal, so whatever the
 * platform reported survives a crash; each message stays unacknowledged (`ctx.hold()`) until then, so a
 * persistence worker killed before its batch was stored gets it again and stores it once. When the
 * database is down, batches go to a bounded on-disk journal and trading goes on; the database is probed
 * every `retryMs` and, once back, the journal is written to it in order and emptied. Every write is an idempotent upsert keyed by the platform's
 * ids, so a batch written twice changes nothing. When writes fall behind (a slow database, a full
 * journal) the actor stops taking messages and the runtime pauses the traders sending to it.
 */
export default defineActor<PersistenceMessage>({
  messages,
  create() {
    let args: PersistenceArgs;
    let db: Database;
    let journal: Journal;
    /** Rows the database refused as data, kept for a person to look at. */
    let refused: Journal;
    let builder: BatchBuilder;
    /**
     * Messages of the batch being built, and of batches written, still to pass on. Each is held
     * unacknowledged until it is passed on, so a crash before its batch is durable delivers it again.
     */
    let held: Held[] = [];
    let ready: Held[] = [];
    /** Database writes running, and the moment every batch so far is stored and passed on. */
    let writes = 0;
    let done: Promise<void> = Promise.resolve();
    let flushArmed = false;
    /** Journal work and reconnecting run in this chain, one at a time, in order. */
    let tail: Promise<unknown> = Promise.resolve();
    /** Assumed up until a write fails. */
    let up = true;
    let lastError: string | undefined;
    const stats = { rowsWritten: 0, batchesWritten: 0, batchesJournaled: 0, batchesReplayed: 0, rowsRefused: 0 };

    const serial = <T>(work: () => Promise<T>): Promise<T> => {
      const run = tail.then(work);
      tail = run.catch(() => {});
      return run;
    };

    /** Queues messages for the hub; one timer per call, not per message (a batch passes thousands on). */
    const pass = (ctx: ActorContext, messages: readonly Held[]) => {
      for (const message of messages) ready.push(message);
      ctx.setTimer('forward', 0, { type: 'forward' });
    };

    /** Sends what is stored and releases it: its acknowledgement leaves in the same commit as the sends. */
    const forwardReady = (ctx: ActorContext) => {
      for (const { message, release } of ready) {
        ctx.send(args.forward, message);
        release?.();
      }
      ready = [];
    };

    const alert = (ctx: ActorContext, level: PersistenceAlert['level'], message: string) => {
      const at = Date.now();
      builder.addAudit(null, level === 'warn' ? 'persistence.down' : 'persistence.up', { message }, at);
      pass(ctx, [{ message: { type: 'alert', source: 'persistence', level, message, at } satisfies PersistenceAlert }]);
    };

    const down = (ctx: ActorContext, error: unknown) => {
      lastError = (error as Error).message;
      if (!up) return;
      up = false;
      alert(ctx, 'warn', `database unavailable, keeping batches in the journal ${journal.path}: ${lastError}`);
      ctx.setTimer('retry', args.retryMs, { type: 'retry' }, { repeat: true });
    };

    /** Registers the traders, writes what the journal holds, and marks the database up. Throws while it is down. */
    const bringUp = async (ctx: ActorContext) => {
      await register(db, args.traders);
      const batches = await journal.read();
      for (const batch of batches) {
        const { refused: refusedRows, fenced } = await writeBatchIsolating(db.pool, batch);
        stats.rowsWritten += rowCount(batch) - refusedRows.length;
        stats.batchesReplayed++;
        await refuse(ctx, refusedRows);
        dropped(ctx, fenced);
      }
      await journal.clear();
      const wasDown = lastError !== undefined;
      up = true;
      lastError = undefined;
      ctx.cancelTimer('retry');
      if (wasDown) alert(ctx, 'info', `database back; ${batches.length} journaled batch(es) written`);
    };

    /**
     * Probes on a new pool: the one that failed may keep a connection the server dropped and hang on it
     * for good (slonik's pool of one does). Opening a pool connects, so while the database is away this
     * fails at once, and the old pool is closed only once a new one works.
     */
    const probe = async (ctx: ActorContext) => {
      if (up) return;
      try {
        const fresh = await openDatabase({ url: args.database.url, maximumPoolSize: args.database.poolSize });
        void db.close().catch(() => {});
        db = fresh;
        await bringUp(ctx);
      } catch (error) {
        lastError = (error as Error).message;
      }
    };

    /**
     * Makes one batch durable: in the database, else in the journal, else (journal full) waits for
     * the database. Database writes run side by side (`args.writers`); journal work runs in `serial`,
     * where it checks again that the database is still down, so no batch is left behind in a journal
     * that was just replayed.
     */
    const store = async (ctx: ActorContext, batch: RowBatch): Promise<string[]> => {
      for (;;) {
        if (up) {
          try {
            const { refused: refusedRows, fenced } = await writeBatchIsolating(db.pool, batch);
            stats.rowsWritten += rowCount(batch) - refusedRows.length;
            stats.batchesWritten++;
            if (refusedRows.length > 0) await serial(() => refuse(ctx, refusedRows));
            dropped(ctx, fenced);
            return fenced;
          } catch (error) {
            down(ctx, error);
          }
        }
        const kept = await serial(async () => (up ? 'retry' : journal.append(batch)));
        if (kept === 'retry') continue;
        if (kept) {
          stats.batchesJournaled++;
          return [];
        }
        lastError = `journal full (${journal.maxBytes} bytes); waiting for the database`;
        await new Promise((resolve) => setTimeout(resolve, args.retryMs));
        await serial(() => probe(ctx));
      }
    };

    /**
     * A row the database refuses as data (a constraint, a malformed value) would be refused again on
     * every retry and stop persistence for good; the rest of its batch is stored (`writeBatchIsolating`)
     * and each such row is kept alone in a file beside the journal, with one alert per batch (not per
     * row: a change of schema could refuse thousands).
     */
    const refuse = async (ctx: ActorContext, rows: readonly RefusedRow[]) => {
      if (rows.length === 0) return;
      for (const { row } of rows) await refused.append(row);
      stats.rowsRefused += rows.length;
      const [{ table, error }] = rows as [RefusedRow];
      const what = rows.length === 1 ? `a row of ${table}` : `${rows.length} rows of ${[...new Set(rows.map((r) => r.table))].join(', ')}`;
      const message = `database refused ${what} (${rows.length === 1 ? '' : 'the first: '}${error.message}); kept in ${refused.path}`;
      pass(ctx, [{ message: { type: 'alert', source: 'persistence', level: 'error', message, at: Date.now() } satisfies PersistenceAlert }]);
    };

    /** Rows of traders whose lease another node claimed were dropped (see `writeBatch`): said once per batch. */
    const dropped = (ctx: ActorContext, fenced: readonly string[]) => {
      if (fenced.length === 0) return;
      const message = `rows of ${fenced.join(', ')} not written: another node holds ${fenced.length === 1 ? 'its lease' : 'their leases'} now`;
      pass(ctx, [{ message: { type: 'alert', source: 'persistence', level: 'warn', message, at: Date.now() } satisfies PersistenceAlert }]);
    };

    const flush = (ctx: ActorContext) => {
      if (writes >= args.writers || (builder.size === 0 && held.length === 0)) return;
      ctx.cancelTimer('flush');
      flushArmed = false;
      const batch = builder.take();
      const messages = held;
      held = [];
      writes++;
      const stored = store(ctx, batch);
      // Passed on in the order received, whichever write finishes first. What was not written, of a trader
      // another node holds now, is not: its signals are not acknowledged here, and go to that node.
      done = Promise.all([done, stored]).then(([, fenced]) => {
        const gone = (held: Held) => fenced.includes((held.message as { traderId?: string }).traderId ?? '');
        for (const held of fenced.length > 0 ? messages.filter(gone) : []) held.release?.();
        pass(ctx, fenced.length > 0 ? messages.filter((held) => !gone(held)) : messages);
      });
      void stored.then(() => {
        writes--;
        if (builder.size >= args.batchRows) flush(ctx);
        else if (builder.size > 0 || held.length > 0) arm(ctx);
      });
    };

    const arm = (ctx: ActorContext) => {
      if (flushArmed) return;
      flushArmed = true;
      ctx.setTimer('flush', args.flushMs, { type: 'flush' });
    };

    /** Everything received so far, durable. */
    const settle = async (ctx: ActorContext) => {
      while (writes > 0 || builder.size > 0 || held.length > 0) {
        flush(ctx);
        await done;
      }
      await tail;
    };

    const status = (): PersistenceStatus => ({
      type: 'persistenceStatus',
      up,
      buffered: builder.size,
      journalBytes: journal.bytes,
      ...stats,
      ...(lastError !== undefined ? { lastError } : {}),
    });

    const received = async (ctx: ActorContext, message: Message) => {
      held.push({ message, release: ctx.hold() });
      if (builder.size >= args.batchRows) flush(ctx);
      else arm(ctx);
      // Backpressure: while every writer is busy and too much is waiting, stop taking messages.
      while (writes >= args.writers && builder.size >= args.maxBufferedRows) await done;
    };

    return {
      async init(ctx) {
        args = ctx.args as PersistenceArgs;
        builder = new BatchBuilder(
          (traderId) => args.traders[traderId]?.exchange ?? 'unknown',
          (traderId) => args.traders[traderId]?.account ?? traderId,
        );
        journal = await Journal.open(args.journal.path, args.journal.maxBytes);
        refused = await Journal.open(args.journal.path.replace(/(\.ndjson)?$/, '.refused.ndjson'), args.journal.maxBytes);
        db = await openDatabase({ url: args.database.url, maximumPoolSize: args.database.poolSize });
        await serial(() => bringUp(ctx).catch((error: unknown) => down(ctx, error)));
      },
      async receive(msg, ctx) {
        switch (msg.type) {
          case 'traderEvents':
            builder.addTraderEvents(msg.traderId, msg.events, msg.generation);
            return received(ctx, msg);
          case 'riskEvents':
            for (const event of msg.events) builder.addAudit((event as { traderId?: string }).traderId ?? null, `risk.${event.kind}`, event, event.at);
            return received(ctx, msg);
          case 'flush':
            flushArmed = false;
            flush(ctx);
            return;
          case 'forward':
            forwardReady(ctx);
            return;
          case 'retry':
            await serial(() => probe(ctx));
            return;
          case 'sync':
            await settle(ctx);
            // Passed on before the reply, so whoever synced then finds everything at the hub.
            forwardReady(ctx);
            ctx.reply(status());
            return;
          case 'status':
            ctx.reply(status());
            return;
          case 'recover': {
            await settle(ctx);
            if (!up) {
              ctx.reply({ type: 'recoverFailed', reason: `database unavailable: ${lastError}` } satisfies RecoverReply);
              return;
            }
            try {
              ctx.reply({ type: 'recovered', state: await recoverTrader(db.pool, msg.traderId, args.signalWindow) } satisfies RecoverReply);
            } catch (error) {
              ctx.reply({ type: 'recoverFailed', reason: (error as Error).message } satisfies RecoverReply);
            }
            return;
          }
          case 'signalOutcomes':
            // Not settled first: an id still on its way here is in its trader's memory, which drops it as a duplicate.
            if (!up) {
              ctx.reply({ type: 'signalOutcomesFailed', reason: `database unavailable: ${lastError}` } satisfies SignalOutcomesReply);
              return;
            }
            try {
              ctx.reply({ type: 'signalOutcomes', found: await storedSignalOutcomes(db.pool, msg.keys) } satisfies SignalOutcomesReply);
            } catch (error) {
              ctx.reply({ type: 'signalOutcomesFailed', reason: (error as Error).message } satisfies SignalOutcomesReply);
            }
            return;
          case 'register':
            // Kept in the args, so that the next `bringUp` registers it too if the database is down now.
            args.traders[msg.traderId] = msg.trader as PersistedTrader;
            if (up) await serial(() => register(db, { [msg.traderId]: msg.trader as PersistedTrader })).catch((error: unknown) => down(ctx, error));
            ctx.reply({ type: 'registered', traderId: msg.traderId });
            return;
          case 'query':
            try {
              ctx.reply({ type: 'page', ...(await list(db.pool, msg.list, msg.filter)) });
            } catch (error) {
              ctx.reply({ type: 'queryFailed', ...queryFailure(error) });
            }
        }
      },
      async stop(ctx) {
        await settle(ctx);
        forwardReady(ctx);
        await journal.close();
        await refused.close();
        await db.close();
      },
    };
  },
});

/** A message to pass on to the hub once stored, and how to acknowledge it (alerts of its own have nothing to acknowledge). */
interface Held {
  message: Message;
  release?: () => void;
}

/** Upserts traders and their strategies, so rows about them have their owner. */
async function register(db: Database, traders: Record<string, PersistedTrader>): Promise<void> {
  await db.pool.transaction(async (tx) => {
    for (const [id, trader] of Object.entries(traders)) {
      await tx.query(sql.unsafe`
        INSERT INTO traders (id, exchange, account, updated_at) VALUES (${id}, ${trader.exchange}, ${trader.account}, to_timestamp(0))
        ON CONFLICT (id) DO UPDATE SET exchange = EXCLUDED.exchange, account = EXCLUDED.account`);
      const s = trader.strategy;
      if (!s) continue;
      await tx.query(sql.unsafe`
        INSERT INTO strategies (trader_id, name, type, symbols, timeframe, params, risk_params)
        VALUES (${id}, ${s.name}, ${s.type}, ${sql.array(s.symbols, 'text')}, ${s.timeframe}, ${toJson(s.params ?? {})}::jsonb, ${toJson(s.riskParams ?? {})}::jsonb)
        ON CONFLICT (trader_id) DO UPDATE SET name = EXCLUDED.name, type = EXCLUDED.type, symbols = EXCLUDED.symbols,
          timeframe = EXCLUDED.timeframe, params = EXCLUDED.params, risk_params = EXCLUDED.risk_params, updated_at = now()`);
    }
  });
}
