import { to as copyTo } from 'pg-copy-streams';
import type { Connection } from '../connect.js';
import { copyRows } from '../data/copy-text.js';
import type { TableSpec } from '../data/tables.js';

/** What a row-by-row comparison of keys found: v2 rows with no v3 or quarantined row, and the reverse. */
export interface KeyComparison {
  v2: number;
  v3: number;
  missing: number;
  extra: number;
  /** A few of the missing and extra keys. */
  examples: string[];
}

/** Integer keys per block; text keys are spread over 256 blocks by the first byte of their md5. */
const BLOCK = 10_000;

interface KeySource {
  conn: Connection;
  /** A query whose column `k` is the key. */
  keys: string;
}

/**
 * Compares v2's keys of a table with the `original_id`s v3 holds for it (migrated or quarantined).
 * Each side digests its keys per block (count and md5 of the sorted keys), on its own server and at
 * once; only a block whose digests differ is streamed from both sides in key order and merged, so an
 * intact table costs two aggregate queries and a damaged one names its keys.
 */
export async function compareKeys(spec: TableSpec, source: Connection, target: Connection): Promise<KeyComparison> {
  const text = spec.key.type === 'text';
  const cast = text ? 'text' : 'bigint';
  const v2: KeySource = { conn: source, keys: `SELECT ${spec.key.column} AS k FROM ${spec.table}` };
  const v3: KeySource = {
    conn: target,
    keys: `SELECT original_id::${cast} AS k FROM ${spec.target} WHERE original_id IS NOT NULL
           UNION ALL SELECT original_id::${cast} FROM migration_quarantine WHERE table_name = '${spec.table}'`,
  };
  const block = text ? 'left(md5(k), 2)' : `(k / ${BLOCK})::text`;
  const order = text ? 'k COLLATE "C"' : 'k';
  const digest = async (side: KeySource) => {
    const { rows } = await side.conn.client.query<{ b: string; n: string; h: string }>(
      `SELECT ${block} AS b, count(*) AS n, md5(string_agg(k::text, ',' ORDER BY ${order})) AS h FROM (${side.keys}) s GROUP BY 1`,
    );
    return new Map(rows.map((r) => [r.b, { n: Number(r.n), h: r.h }]));
  };
  const [left, right] = await Promise.all([digest(v2), digest(v3)]);
  const count = (blocks: Map<string, { n: number }>) => [...blocks.values()].reduce((sum, b) => sum + b.n, 0);
  const result: KeyComparison = { v2: count(left), v3: count(right), missing: 0, extra: 0, examples: [] };
  const differing = [...new Set([...left.keys(), ...right.keys()])].filter((b) => left.get(b)?.h !== right.get(b)?.h);
  for (const b of differing) {
    const blockKeys = (side: KeySource) => keyStream(side.conn, `SELECT k FROM (${side.keys}) s WHERE ${block} = ${side.conn.client.escapeLiteral(b)} ORDER BY ${order}`);
    await merge(spec, blockKeys(v2), blockKeys(v3), text ? compareBytewise : (x, y) => Number(x) - Number(y), result);
  }
  return result;
}

/** Merges two key streams in the same order, counting and naming keys on one side only. */
async function merge(spec: TableSpec, v2: AsyncGenerator<string>, v3: AsyncGenerator<string>, compare: (a: string, b: string) => number, result: KeyComparison) {
  const note = (what: string) => {
    if (result.examples.length < 5) result.examples.push(what);
  };
  let a = await v2.next();
  let b = await v3.next();
  while (!a.done || !b.done) {
    const order = a.done ? 1 : b.done ? -1 : compare(a.value, b.value);
    if (order === 0) {
      a = await v2.next();
      b = await v3.next();
    } else if (order < 0) {
      result.missing++;
      note(`v2 ${spec.table} ${a.value!} has no v3 row`);
      a = await v2.next();
    } else {
      result.extra++;
      note(`v3 row of v2 ${spec.table} ${b.value!} that v2 does not have`);
      b = await v3.next();
    }
  }
}

async function* keyStream(conn: Connection, query: string): AsyncGenerator<string> {
  for await (const rows of copyRows(conn.client.query(copyTo(`COPY (${query}) TO STDOUT`)))) for (const row of rows) yield row[0]!;
}

/** Code point order, which is the byte order of UTF-8 that `COLLATE "C"` sorts by. */
function compareBytewise(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return (a.codePointAt(i) ?? -1) - (b.codePointAt(i) ?? -1);
}
