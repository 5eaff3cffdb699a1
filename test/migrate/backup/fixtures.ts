import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withClient } from '../../helpers/v2-database.js';
import { V2_TABLES } from '../../../migrate/v2/schema.js';

/** A fresh directory to hold a backup (`botv3-backup-XXXX/backup`, not created yet). */
export async function backupDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'botv3-backup-')), 'backup');
}

const PRIMARY_KEY: Record<string, string> = { orders: 'id', trades: 'trade_id', balances: 'id', positions: 'id', signals: 'id' };

/** Each v2 table's row count and the md5 of its full contents in primary-key order. */
export async function tableDigests(url: string): Promise<Record<string, { rows: number; md5: string | null }>> {
  return withClient(url, async (client) => {
    const digests: Record<string, { rows: number; md5: string | null }> = {};
    for (const table of V2_TABLES) {
      const { rows } = await client.query<{ rows: string; md5: string | null }>(
        `SELECT count(*) AS rows, md5(string_agg(t::text, ',' ORDER BY ${PRIMARY_KEY[table]})) AS md5 FROM ${table} t`,
      );
      digests[table] = { rows: Number(rows[0]!.rows), md5: rows[0]!.md5 };
    }
    return digests;
  });
}

/** The v2 tables that exist on `url`. */
export async function v2TablesOn(url: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ANY($1::text[]) ORDER BY table_name`,
      [V2_TABLES],
    );
    return rows.map((row) => row.table_name);
  });
}

/** The values COPY's text format escapes, and then some: each must come back as it went in. */
export const AWKWARD_TEXTS = [
  'tab\there',
  'back\\slash \\N \\t',
  'new\nline\r\nand carriage\rreturn',
  '\\.',
  '\\N',
  '',
  'ünïcödé € 𝄞 日本語 🚀',
  "quote ' double \" comma , semicolon ;",
];

/**
 * Adds rows holding `AWKWARD_TEXTS` (and NULLs) to a v2 database: orders with such strategies,
 * signals with such JSON payloads, one of them long enough that a file read cuts a multi-byte
 * character at a chunk boundary.
 */
export async function insertAwkwardRows(url: string): Promise<void> {
  await withClient(url, async (client) => {
    for (const text of [...AWKWARD_TEXTS, null]) {
      await client.query(
        `INSERT INTO orders (exchange, symbol, side, type, price, quantity, status, exchange_order_id, strategy, created_at)
         VALUES ('binance', 'BTCUSDT', 'buy', 'market', NULL, 1, 'new', NULL, $1, '2024-02-29 23:59:59.999999')`,
        [text],
      );
      await client.query(
        `INSERT INTO signals (strategy, symbol, action, quantity, price, confidence, payload, created_at)
         VALUES ($1, 'ETHUSDT', 'BUY', NULL, NULL, NULL, $2::jsonb, '2024-03-01 00:00:00')`,
        [text ?? 'null-payload', text === null ? null : JSON.stringify({ text, nested: [text, { again: text }] })],
      );
    }
    await client.query(`INSERT INTO signals (strategy, symbol, action, payload, created_at) VALUES ('long', 'X', 'SELL', $1::jsonb, now()::timestamp)`, [
      JSON.stringify({ text: '€'.repeat(150_000) + '𝄞'.repeat(20_000) }),
    ]);
  });
}


/** The major version of the server at `url`. */
export async function serverMajor(url: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ server_version_num: string }>('SHOW server_version_num');
    return Math.floor(Number(rows[0]!.server_version_num) / 10_000);
  });
}
