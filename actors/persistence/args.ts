import type { Address } from '../../runtime/message.js';

/** The persistence actor's args, built by the platform. */
export interface PersistenceArgs {
  /** Where to connect: `DATABASE_URL`, or the embedded PostgreSQL's loopback URL (pool of one). */
  database: { url: string; poolSize: number };
  /** The on-disk journal used while the database is down, and its bound. */
  journal: { path: string; maxBytes: number };
  /** Where events go once they are stored: the events hub. */
  forward: Address;
  /** The traders of the config, registered in `traders` and `strategies` at start. */
  traders: Record<string, PersistedTrader>;
  /** A batch is written once it holds this many rows... */
  batchRows: number;
  /** ...or this long after its first row. */
  flushMs: number;
  /** Batches written at once, each on its own connection (at most the pool size). */
  writers: number;
  /** Above this many rows waiting while every writer is busy, the actor stops taking messages: backpressure. */
  maxBufferedRows: number;
  /** How often the database is probed while it is down. */
  retryMs: number;
  /** Signal ids a recovering trader gets back for its duplicate check. */
  signalWindow: number;
}

export interface PersistedTrader {
  exchange: string;
  account: string;
  strategy?: { name: string; type: string; symbols: string[]; timeframe: string; params: unknown; riskParams: unknown };
}

export const PERSISTENCE_DEFAULTS = { batchRows: 5_000, flushMs: 20, writers: 2, maxBufferedRows: 50_000, retryMs: 1_000, journalMaxBytes: 256 * 1024 * 1024 } as const;
