import { normalizeSymbol } from '../actors/trading/symbol.js';
import type { Connection } from './connect.js';
import { Quarantined } from './data/rules.js';
import { ENUMERATED } from './data/tables.js';
import { V2_ENUMS, V2_SCHEMA, V2_TABLES, type V2Table } from './v2/schema.js';

/**
 * Rows per second `migrate run` and `validate` together sustain: `npm run bench -- migrate` measured
 * about 120,000 on a 2-core machine; the estimate rounds down, and is only as good as the likeness of
 * the user's machine to that one.
 */
export const ESTIMATED_ROWS_PER_SECOND = 100_000;

export interface TableAnalysis {
  table: V2Table;
  exists: boolean;
  rows: number;
  /** Columns the migration reads that the table lacks: the migration cannot run. */
  missing: string[];
  /** Columns whose type differs from v2's schema: read as text, so they may still migrate. */
  retyped: { column: string; expected: string; actual: string }[];
  /** Columns the migration does not read (not carried over). */
  extra: string[];
}

/** A value outside v2's enumeration, and what the migration will do with it. */
export interface OddValue {
  column: string;
  value: string | null;
  rows: number;
  outcome: string;
}

export interface Analysis {
  tables: TableAnalysis[];
  /** Reasons the migration cannot run; empty when it can. */
  problems: string[];
  oddValues: OddValue[];
  /** NULLs per nullable column, where there are any. */
  nulls: { column: string; rows: number }[];
  rows: number;
  estimatedSeconds: number;
}

/**
 * Reads v2's schema from `information_schema` and checks it against what the migration reads; counts
 * rows, values outside v2's enumerations (and what the migration will make of each), symbols v3
 * cannot read, and NULLs; estimates the duration. Only reads.
 */
export async function analyzeV2(source: Connection): Promise<Analysis> {
  const { tables, problems } = await readSchema(source);
  const analysis: Analysis = { tables, problems, oddValues: [], nulls: [], rows: 0, estimatedSeconds: 0 };
  const readable = tables.filter((t) => t.exists && t.missing.length === 0);
  for (const entry of readable) {
    entry.rows = Number((await source.client.query<{ n: string }>(`SELECT count(*) AS n FROM ${entry.table}`)).rows[0]!.n);
    analysis.rows += entry.rows;
    analysis.nulls.push(...(await nulls(source, entry.table)));
    analysis.oddValues.push(...(await symbols(source, entry.table)));
  }
  for (const [column, known] of Object.entries(V2_ENUMS)) {
    const [table, name] = column.split('.') as [V2Table, string];
    if (!readable.some((t) => t.table === table)) continue;
    const { rows } = await source.client.query<{ value: string | null; n: string }>(`SELECT ${name}::text AS value, count(*) AS n FROM ${table} GROUP BY 1 ORDER BY 1`);
    for (const row of rows.filter((r) => r.value === null || !known.includes(r.value))) {
      analysis.oddValues.push({ column, value: row.value, rows: Number(row.n), outcome: outcome(() => ENUMERATED[column]!(row.value, [])) });
    }
  }
  analysis.estimatedSeconds = analysis.rows / ESTIMATED_ROWS_PER_SECOND;
  return analysis;
}

/** v2's tables as `information_schema` describes them, against what the migration reads; `problems` stop a migration. */
export async function readSchema(source: Connection): Promise<{ tables: TableAnalysis[]; problems: string[] }> {
  const { rows: columns } = await source.client.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = ANY($1) ORDER BY table_name, ordinal_position`,
    [V2_TABLES],
  );
  const problems: string[] = [];
  const tables = V2_TABLES.map((table): TableAnalysis => {
    const actual = columns.filter((c) => c.table_name === table);
    const expected = V2_SCHEMA[table];
    const entry: TableAnalysis = {
      table,
      exists: actual.length > 0,
      rows: 0,
      missing: expected.filter((e) => !actual.some((a) => a.column_name === e.name)).map((e) => e.name),
      retyped: expected.flatMap((e) => {
        const found = actual.find((a) => a.column_name === e.name);
        return found && found.data_type !== e.type ? [{ column: e.name, expected: e.type, actual: found.data_type }] : [];
      }),
      extra: actual.filter((a) => !expected.some((e) => e.name === a.column_name)).map((a) => a.column_name),
    };
    if (!entry.exists) problems.push(`table ${table} is missing`);
    else if (entry.missing.length > 0) problems.push(`${table} lacks column(s) ${entry.missing.join(', ')}`);
    return entry;
  });
  return { tables, problems };
}

function outcome(read: () => string): string {
  try {
    return `migrated as ${read()}`;
  } catch (error) {
    if (error instanceof Quarantined) return `quarantined: ${error.reason}`;
    throw error;
  }
}

async function nulls(source: Connection, table: V2Table): Promise<{ column: string; rows: number }[]> {
  const nullable = V2_SCHEMA[table].filter((c) => c.nullable);
  if (nullable.length === 0) return [];
  const row = (await source.client.query<Record<string, string>>(`SELECT ${nullable.map((c, i) => `count(*) - count(${c.name}) AS n${i}`).join(', ')} FROM ${table}`)).rows[0]!;
  return nullable.map((c, i) => ({ column: `${table}.${c.name}`, rows: Number(row[`n${i}`]) })).filter((n) => n.rows > 0);
}

async function symbols(source: Connection, table: V2Table): Promise<OddValue[]> {
  if (!V2_SCHEMA[table].some((c) => c.name === 'symbol')) return [];
  const { rows } = await source.client.query<{ symbol: string; n: string }>(`SELECT symbol, count(*) AS n FROM ${table} GROUP BY symbol`);
  return rows
    .filter((r) => normalizeSymbol(r.symbol) === undefined)
    .map((r) => ({ column: `${table}.symbol`, value: r.symbol, rows: Number(r.n), outcome: 'quarantined: not a symbol v3 can read as BASE/QUOTE' }));
}

/** The analysis as the terminal shows it. */
export function formatAnalysis(analysis: Analysis, where: string): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const lines = [`v2 database: ${where}`, '', 'table       rows        schema'];
  for (const t of analysis.tables) {
    const schema = !t.exists
      ? 'MISSING'
      : [
          t.missing.length > 0 ? `missing ${t.missing.join(', ')}` : 'as expected',
          ...t.retyped.map((r) => `${r.column} is ${r.actual}, expected ${r.expected}`),
          ...(t.extra.length > 0 ? [`not migrated: ${t.extra.join(', ')}`] : []),
        ].join('; ');
    lines.push(`${t.table.padEnd(10)}  ${n(t.rows).padStart(10)}  ${schema}`);
  }
  lines.push('', analysis.oddValues.length === 0 ? 'Values outside v2\'s enumerations: none.' : 'Values outside v2\'s enumerations:');
  for (const v of analysis.oddValues) lines.push(`  ${v.column} ${v.value === null ? 'NULL' : JSON.stringify(v.value)}: ${n(v.rows)} row(s), ${v.outcome}`);
  if (analysis.nulls.length > 0) lines.push('', 'NULLs (allowed by v2\'s schema):', ...analysis.nulls.map((c) => `  ${c.column}: ${n(c.rows)} row(s)`));
  lines.push('', `${n(analysis.rows)} rows; estimated duration ${analysis.estimatedSeconds.toFixed(1)} s at ${n(ESTIMATED_ROWS_PER_SECOND)} rows/s.`);
  lines.push(analysis.problems.length === 0 ? 'Ready to migrate.' : `Cannot migrate: ${analysis.problems.join('; ')}.`);
  return `${lines.join('\n')}\n`;
}
