import { open, mkdir, readFile, stat, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { RowBatch } from '../../actors/persistence/rows.js';

/**
 * The bounded on-disk journal persistence writes to while the database is down: one JSON line per
 * batch, appended and flushed to disk (fdatasync) before the batch counts as kept. Replayed in order
 * when the database is back, then emptied. A line cut short by a crash mid-append was never
 * acknowledged: opening the journal drops it.
 */
export class Journal {
  readonly path: string;
  readonly maxBytes: number;
  #bytes = 0;
  #file: FileHandle | undefined;

  private constructor(path: string, maxBytes: number) {
    this.path = path;
    this.maxBytes = maxBytes;
  }

  /** Opens (creating its folder) the journal at `path`, keeping what an earlier run left in it. */
  static async open(path: string, maxBytes: number): Promise<Journal> {
    await mkdir(dirname(path), { recursive: true });
    const journal = new Journal(path, maxBytes);
    journal.#file = await open(path, 'a+');
    // Cut a line torn by a crash mid-append, so the next batch starts on a line of its own.
    const text = await readFile(path, 'utf8');
    journal.#bytes = Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1));
    if (journal.#bytes !== (await stat(path)).size) await truncate(path, journal.#bytes);
    return journal;
  }

  /** Bytes in the journal. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends a batch durably; false when it would take the journal over `maxBytes` (nothing written). */
  async append(batch: RowBatch): Promise<boolean> {
    const line = `${JSON.stringify(batch)}\n`;
    const size = Buffer.byteLength(line);
    if (this.#bytes + size > this.maxBytes) return false;
    await this.#file!.write(line);
    await this.#file!.datasync();
    this.#bytes += size;
    return true;
  }

  /** The batches in the journal, oldest first. */
  async read(): Promise<RowBatch[]> {
    const lines = (await readFile(this.path, 'utf8')).split('\n');
    return lines.slice(0, -1).map((line) => JSON.parse(line) as RowBatch);
  }

  /** Empties the journal once its batches are in the database. */
  async clear(): Promise<void> {
    await truncate(this.path, 0);
    this.#bytes = 0;
  }

  async close(): Promise<void> {
    await this.#file?.close();
    this.#file = undefined;
  }
}
