import type { z } from 'zod';
import type { listSchemas, Page, Row } from '../../adapters/database/queries.js';
import type { HubEvent } from '../events/hub.js';
import type { PositionRow as WrittenRow } from '../persistence/rows.js';
import { DECIMALS, type Fixed } from '../trading/fixed.js';
import type { Position } from '../trading/position.js';

type PositionsFilter = z.infer<(typeof listSchemas)['positions']>;

/** A row of the `positions` table as the API serves it: amounts as the database prints them (see `numeric`). */
type PositionRow = WrittenRow & Row;

/**
 * The `positions` table as it stands, kept in memory from the events hub, so that `GET /positions`
 * costs no query: the table is small (a row per trader and symbol) and read far more often than a
 * position changes, while every read of the database waits behind the writes of the trading.
 *
 * The hub passes an event on once persistence has made it durable, so the view holds what the table
 * holds (or what the journal holds for it while the database is away). Rows are kept by the writer's
 * upsert rule, so the rows read once and the events seen from the start give the same table whichever
 * came first.
 *
 * @example
 * ```ts
 * const view = new PositionsView();
 * view.observe(events); // from the hub's outlet, from the platform's start
 * await view.load(async () => (await list(pool, 'positions', {})).rows); // the table, read once
 * view.list({ traderId: 'alpha', open: true });
 * ```
 */
export class PositionsView {
  /** The table as the first read found it. */
  readonly #stored = new Map<string, PositionRow>();
  /** Per row, what the events seen since the start make of it, by the writer's rule. */
  readonly #observed = new Map<string, PositionRow>();
  #loaded: Promise<void> | undefined;

  /**
   * Reads the table once (`read`: all its rows, as the database serves them), at the first call made
   * after the view began observing; a failed read is tried again at the next call.
   */
  load(read: () => Promise<readonly Row[]>): Promise<void> {
    this.#loaded ??= read().then(
      (rows) => {
        for (const row of rows) this.#stored.set(keyOf(row as PositionRow), row as PositionRow);
      },
      (error: unknown) => {
        this.#loaded = undefined;
        throw error;
      },
    );
    return this.#loaded;
  }

  /** The hub's events: each fill and each funding payment carries its position after it, an adoption the positions taken over. */
  observe(events: readonly HubEvent[]): void {
    for (const event of events) {
      if ((event.kind !== 'fill' && event.kind !== 'funding' && event.kind !== 'positions.adopted') || !('traderId' in event)) continue;
      for (const position of event.kind === 'positions.adopted' ? event.positions : [event.position]) {
        const row = rowOf(event.traderId, position, event.at);
        const key = keyOf(row);
        const kept = this.#observed.get(key);
        if (!kept || kept.updated_at <= row.updated_at) this.#observed.set(key, row);
      }
    }
  }

  /** The rows the filter selects, by trader and symbol, as `SELECT ... ORDER BY trader_id, symbol` gives them. */
  list(filter: PositionsFilter): Page {
    const rows: PositionRow[] = [];
    for (const key of new Set([...this.#stored.keys(), ...this.#observed.keys()])) {
      const row = this.#row(key)!;
      if (filter.traderId !== undefined && row.trader_id !== filter.traderId) continue;
      if (filter.symbol !== undefined && row.symbol !== filter.symbol) continue;
      if (filter.open !== undefined && filter.open !== (row.quantity !== ZERO)) continue;
      if (filter.from !== undefined && row.updated_at < filter.from) continue;
      if (filter.to !== undefined && row.updated_at >= filter.to) continue;
      rows.push(row);
    }
    rows.sort((a, b) => byCodePoint(a.trader_id, b.trader_id) || byCodePoint(a.symbol, b.symbol));
    return { rows };
  }

  /**
   * The row as the writer's upserts leave it: each replaces the row unless the row is later, so the
   * latest `updated_at` wins and a tie goes to the last written. The read found the rows of some of
   * the events seen (those persistence had written by then), so it counts as written before all of them.
   */
  #row(key: string): PositionRow | undefined {
    const stored = this.#stored.get(key);
    const observed = this.#observed.get(key);
    return observed && (!stored || stored.updated_at <= observed.updated_at) ? observed : stored;
  }
}

const keyOf = (row: PositionRow) => `${row.trader_id}\u0000${row.symbol}`;

const ZERO = `0.${'0'.repeat(DECIMALS)}`;

/** A position as the writer stores it and the database prints it back (`NUMERIC(38, 9)`: nine places, always). */
function rowOf(traderId: string, position: Position, at: number): PositionRow {
  return {
    trader_id: traderId,
    symbol: position.symbol,
    quantity: numeric(position.quantity),
    avg_entry_price: numeric(position.avgEntry),
    realized_pnl: numeric(position.realizedPnl),
    fees: numeric(position.fees),
    funding: numeric(position.funding ?? 0n),
    opened_at: position.openedAt || null,
    funded_to: position.fundedTo ?? null,
    updated_at: at,
  };
}

/** How PostgreSQL prints a `NUMERIC(38, 9)`. */
function numeric(value: Fixed): string {
  const digits = (value < 0n ? -value : value).toString().padStart(DECIMALS + 1, '0');
  return `${value < 0n ? '-' : ''}${digits.slice(0, -DECIMALS)}.${digits.slice(-DECIMALS)}`;
}

/** Text in code-point order (UTF-8's byte order), as the list's `COLLATE "C"` sorts it; `<` compares UTF-16 units. */
function byCodePoint(a: string, b: string): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}
