import { to as copyTo } from 'pg-copy-streams';
import type { Connection, Lane } from '../connect.js';
import { MigrationError } from '../errors.js';
import type { V2Table } from '../v2/schema.js';
import { copyRows, type Row } from './copy-text.js';
import { carryOpenPositions, type CarryOutcome } from './open-positions.js';
import { Quarantined, type Notes } from './rules.js';
import { openRowWriter, type Column, type RowWriter } from './sink.js';
import { DEFAULT_TRADER, TABLE_SPECS, type TableSpec } from './tables.js';

/** Rows per chunk: each chunk is one transaction of the target, committed with its resume point. */
export const CHUNK_ROWS = 50_000;
/** Held on the target for a whole run: two runs at once would interleave their chunks. */
const RUN_LOCK = 7304;

export interface TableProgress {
  table: V2Table;
  /** v2's rows. */
  total: number;
  /** Rows migrated or quarantined, by this run and the runs before it. */
  done: number;
}

export interface MigrationOptions {
  /**
   * One lane moves the tables one after the other. With two, orders and their trades move on the
   * first while the other tables move on the second: the run is bound by round trips and by each
   * server process's single core, so two lanes keep two cores busy.
   */
  lanes: readonly [Lane] | readonly [Lane, Lane];
  chunkRows?: number;
  onProgress?: (progress: TableProgress) => void;
}

export interface TableOutcome {
  table: V2Table;
  target: string;
  total: number;
  /** Done by earlier runs (resumed from there). */
  before: number;
  migrated: number;
  quarantined: number;
  noted: number;
  seconds: number;
  /** Quarantined rows by field, with one reason as an example. */
  reasons: Record<string, { rows: number; example: string }>;
}

export interface MigrationOutcome {
  /** The run's id in `migration_runs`; undefined for a dry run. */
  runId: number | undefined;
  createdTrader: boolean;
  tables: TableOutcome[];
  /** v2's open positions made open v3 positions (see `carryOpenPositions`); undefined for a dry run. */
  carried: CarryOutcome | undefined;
  seconds: number;
}

const QUARANTINE: Column[] = [['run_id', 'integer'], ['table_name', 'text'], ['original_id', 'text'], ['field', 'text'], ['reason', 'text'], ['row', 'jsonb']];
const NOTES: Column[] = [['run_id', 'integer'], ['table_name', 'text'], ['original_id', 'text'], ['field', 'text'], ['note', 'text']];

/**
 * Moves v2's tables into v3, each in key order, in chunks. A chunk's rows, its quarantined rows, its
 * notes and its resume point (`migration_chunks`) commit in one transaction of the target, so a run
 * killed anywhere leaves whole chunks, and the next run goes on after the last one. A run over a v2
 * with nothing new writes nothing but its own `migration_runs` row. v2 is only read.
 */
export async function runMigration(options: MigrationOptions): Promise<MigrationOutcome> {
  const { source, target } = options.lanes[0];
  const started = performance.now();
  const run = target ? await beginRun(target, source.where) : undefined;
  const quarantined = target ? await quarantinedKeys(target) : new Map<V2Table, Set<string>>();
  const outcomes = new Map<V2Table, TableOutcome>();
  let carried: CarryOutcome | undefined;
  const moveAll = async (lane: Lane, specs: readonly TableSpec[]) => {
    for (const spec of specs) outcomes.set(spec.table, await migrateTable(spec, lane, options, run?.id, quarantined));
  };
  try {
    if (options.lanes.length === 1) await moveAll(options.lanes[0], TABLE_SPECS);
    else {
      const first = TABLE_SPECS.filter((spec) => spec.table === 'orders' || spec.table === 'trades');
      await settleAll([moveAll(options.lanes[0], first), moveAll(options.lanes[1], TABLE_SPECS.filter((spec) => !first.includes(spec)))]);
    }
    if (target && run) {
      carried = await carryOpenPositions(target.client, run.id);
      await target.client.query(`UPDATE migration_runs SET status = 'done', finished_at = clock_timestamp() WHERE id = $1`, [run.id]);
    }
  } catch (error) {
    if (target && run) await failRun(target, run.id, error);
    throw error;
  } finally {
    if (target) await target.client.query('SELECT pg_advisory_unlock($1)', [RUN_LOCK]).catch(() => {});
  }
  const tables = TABLE_SPECS.map((spec) => outcomes.get(spec.table)!);
  return { runId: run?.id, createdTrader: run?.createdTrader ?? false, tables, carried, seconds: (performance.now() - started) / 1000 };
}

/** Waits for every lane, so none is still writing when the run is marked failed; then throws the first failure. */
async function settleAll(work: Promise<void>[]): Promise<void> {
  const settled = await Promise.allSettled(work);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

async function beginRun(target: Connection, source: string): Promise<{ id: number; createdTrader: boolean }> {
  const { client } = target;
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RUN_LOCK]);
  if (!rows[0]!.locked) throw new MigrationError('ERR_MIGRATION_TARGET', `another botv3 migrate is writing to ${target.where}`);
  // A run still marked running was killed: its whole chunks stay, and this run goes on after them.
  await client.query(`UPDATE migration_runs SET status = 'failed', error = 'interrupted', finished_at = clock_timestamp() WHERE status = 'running'`);
  const created = await client.query(
    `INSERT INTO traders (id, exchange, account, mode, mode_reason) VALUES ($1, 'v2', 'default', 'halted', 'migrated from v2: its history, not a running trader')
     ON CONFLICT (id) DO NOTHING`,
    [DEFAULT_TRADER],
  );
  const createdTrader = created.rowCount === 1;
  const run = await client.query<{ id: number }>(`INSERT INTO migration_runs (source, status, created_trader) VALUES ($1, 'running', $2) RETURNING id`, [source, createdTrader]);
  return { id: run.rows[0]!.id, createdTrader };
}

async function failRun(target: Connection, runId: number, error: unknown): Promise<void> {
  await target.client.query('ROLLBACK').catch(() => {});
  await target.client
    .query(`UPDATE migration_runs SET status = 'failed', error = $2, finished_at = clock_timestamp() WHERE id = $1`, [runId, (error as Error).message])
    .catch(() => {});
}

/** v2 keys already quarantined, by table: a trade of a quarantined order cannot be migrated either. */
async function quarantinedKeys(target: Connection): Promise<Map<V2Table, Set<string>>> {
  const { rows } = await target.client.query<{ table_name: V2Table; original_id: string }>(`SELECT table_name, original_id FROM migration_quarantine WHERE table_name = 'orders'`);
  const keys = new Map<V2Table, Set<string>>();
  for (const row of rows) (keys.get(row.table_name) ?? keys.set(row.table_name, new Set()).get(row.table_name)!).add(row.original_id);
  return keys;
}

async function migrateTable(spec: TableSpec, lane: Lane, options: MigrationOptions, runId: number | undefined, quarantined: Map<V2Table, Set<string>>): Promise<TableOutcome> {
  const { source, target } = lane;
  const started = performance.now();
  const total = Number((await source.client.query<{ n: string }>(`SELECT count(*) AS n FROM ${spec.table}`)).rows[0]!.n);
  const resume = target ? await resumePoint(target, spec.table) : { key: null, done: 0 };
  const outcome: TableOutcome = { table: spec.table, target: spec.target, total, before: resume.done, migrated: 0, quarantined: 0, noted: 0, seconds: 0, reasons: {} };
  const keys = quarantined.get(spec.table) ?? quarantined.set(spec.table, new Set()).get(spec.table)!;
  const chunkRows = options.chunkRows ?? CHUNK_ROWS;
  const context = { quarantined };
  const report = () => options.onProgress?.({ table: spec.table, total, done: resume.done + outcome.migrated + outcome.quarantined });
  report();
  let chunk = await Chunk.open(spec, target, runId, resume.key);
  const stream = source.client.query(copyTo(tableQuery(spec, resume.key, (text) => source.client.escapeLiteral(text))));
  try {
    const convert = (rows: Row[]): Row[] => {
      const good: Row[] = [];
      for (const row of rows) {
        const key = row[0]!;
        const notes: Notes = [];
        try {
          good.push(spec.convert(row, notes, context));
          for (const note of notes) chunk.noted.push([String(runId), spec.table, key, note.field, note.note]);
        } catch (error) {
          if (!(error instanceof Quarantined)) throw error;
          keys.add(key);
          const whole = JSON.stringify(Object.fromEntries(spec.columns.map((name, i) => [name, row[i]])));
          chunk.held.push([String(runId), spec.table, key, error.field, error.reason, whole]);
          const reason = (outcome.reasons[error.field] ??= { rows: 0, example: `${key}: ${error.reason}` });
          reason.rows++;
        }
      }
      outcome.migrated += good.length;
      return good;
    };
    for await (const batch of copyRows(stream)) {
      // A chunk ends at exactly `chunkRows`, wherever the stream's batches end.
      for (let start = 0; start < batch.length; ) {
        const end = Math.min(batch.length, start + chunkRows - chunk.rows);
        const part = start === 0 && end === batch.length ? batch : batch.slice(start, end);
        await chunk.write(convert(part), part.at(-1)![0]!, part.length);
        start = end;
        if (chunk.rows >= chunkRows) {
          chunk = await chunk.commit(outcome);
          report();
        }
      }
    }
    await chunk.commit(outcome, true);
    report();
  } catch (error) {
    await chunk.abort();
    throw error;
  }
  outcome.seconds = (performance.now() - started) / 1000;
  return outcome;
}

/** Where a table's migration stands: the key of its last committed chunk and the rows done so far. */
async function resumePoint(target: Connection, table: V2Table): Promise<{ key: string | null; done: number }> {
  const { rows } = await target.client.query<{ key: string | null; done: string }>(
    `SELECT (SELECT to_key FROM migration_chunks WHERE table_name = $1 ORDER BY seq DESC LIMIT 1) AS key,
            (SELECT coalesce(sum(rows + quarantined), 0) FROM migration_chunks WHERE table_name = $1) AS done`,
    [table],
  );
  return { key: rows[0]!.key, done: Number(rows[0]!.done) };
}

/**
 * The rows since the last commit: one transaction of the target, committed with their quarantined
 * rows, notes and resume point (`migration_chunks`), so a run killed anywhere leaves whole chunks.
 * Without a target (a dry run) it only counts.
 */
class Chunk {
  readonly held: Row[] = [];
  readonly noted: Row[] = [];
  rows = 0;
  #last: string | null;

  private constructor(
    private readonly spec: TableSpec,
    private readonly target: Connection | undefined,
    private readonly runId: number | undefined,
    private readonly from: string | null,
    private readonly writer: RowWriter | undefined,
  ) {
    this.#last = from;
  }

  static async open(spec: TableSpec, target: Connection | undefined, runId: number | undefined, from: string | null): Promise<Chunk> {
    if (!target) return new Chunk(spec, undefined, runId, from, undefined);
    // A chunk lost to a server crash after its commit is lost with its resume point, and the next run
    // moves it again: the commit need not wait for the disk.
    await target.client.query('BEGIN; SET LOCAL synchronous_commit = off');
    return new Chunk(spec, target, runId, from, openRowWriter(target, spec.target, spec.writes));
  }

  async write(rows: Row[], last: string, read: number): Promise<void> {
    this.rows += read;
    this.#last = last;
    await this.writer?.write(rows);
  }

  /** Commits, and opens the next chunk unless `final`. */
  async commit(outcome: TableOutcome, final = false): Promise<Chunk> {
    outcome.quarantined += this.held.length;
    outcome.noted += this.noted.length;
    const { target } = this;
    if (target) {
      await this.writer!.end();
      if (this.rows === 0) await target.client.query('ROLLBACK');
      else {
        await writeAll(target, 'migration_quarantine', QUARANTINE, this.held);
        await writeAll(target, 'migration_notes', NOTES, this.noted);
        await target.client.query(
          `INSERT INTO migration_chunks (run_id, table_name, from_key, to_key, rows, quarantined) VALUES ($1, $2, $3, $4, $5, $6)`,
          [this.runId, this.spec.table, this.from, this.#last, this.rows - this.held.length, this.held.length],
        );
        await target.client.query('COMMIT');
      }
    }
    return final ? this : Chunk.open(this.spec, target, this.runId, this.#last);
  }

  async abort(): Promise<void> {
    await this.target?.client.query('ROLLBACK').catch(() => {});
  }
}

async function writeAll(target: Connection, table: string, columns: Column[], rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const writer = openRowWriter(target, table, columns);
  await writer.write(rows);
  await writer.end();
}

/**
 * `COPY (SELECT ...) TO STDOUT` of a table's rows after `after`: v2's columns, then the derived values,
 * in key order. Text keys compare byte-wise (`COLLATE "C"`), the order every database agrees on.
 */
export function tableQuery(spec: TableSpec, after: string | null, literal: (text: string) => string): string {
  const key = spec.key.type === 'text' ? `v.${spec.key.column} COLLATE "C"` : `v.${spec.key.column}`;
  const list = [...spec.columns.map((name) => `v.${name}`), ...(spec.derived ?? []).map(([name, expression]) => `${expression} AS ${name}`)].join(', ');
  const where = after === null ? '' : `WHERE ${key} > ${spec.key.type === 'text' ? literal(after) : BigInt(after).toString()}`;
  return `COPY (SELECT ${list} FROM ${spec.table} v ${spec.joins ?? ''} ${where} ORDER BY ${key}) TO STDOUT`;
}
