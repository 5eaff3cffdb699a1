import type { Connection } from '../connect.js';
import type { Validation } from './checks.js';

/** A `migrate run` as `migration_runs` and its chunks record it. */
export interface RunRecord {
  id: number;
  status: string;
  startedAt: string;
  seconds: number | null;
  rows: number;
  quarantined: number;
}

/** The runs recorded in the target, oldest first, with the rows each moved. */
export async function migrationRuns(target: Connection): Promise<RunRecord[]> {
  const { rows } = await target.client.query<{ id: number; status: string; started_at: Date; seconds: number | null; rows: string; quarantined: string }>(`
    SELECT r.id, r.status, r.started_at, extract(epoch FROM r.finished_at - r.started_at)::float8 AS seconds,
           coalesce(sum(c.rows), 0) AS rows, coalesce(sum(c.quarantined), 0) AS quarantined
    FROM migration_runs r LEFT JOIN migration_chunks c ON c.run_id = r.id
    GROUP BY r.id ORDER BY r.id`);
  return rows.map((r) => ({ id: r.id, status: r.status, startedAt: r.started_at.toISOString(), seconds: r.seconds, rows: Number(r.rows), quarantined: Number(r.quarantined) }));
}

/** Quarantined or noted rows per table and field, with one example each. */
export interface Finding {
  table: string;
  field: string;
  rows: number;
  example: string;
}

/** What quarantine (`migration_quarantine`) or the notes (`migration_notes`) hold, by table and field. */
export async function findings(target: Connection, kind: 'quarantine' | 'notes'): Promise<Finding[]> {
  const [table, text] = kind === 'quarantine' ? ['migration_quarantine', 'reason'] : ['migration_notes', 'note'];
  const { rows } = await target.client.query<{ table_name: string; field: string; rows: string; example: string }>(`
    SELECT table_name, field, count(*) AS rows, min(original_id || ': ' || ${text}) AS example
    FROM ${table} GROUP BY table_name, field ORDER BY table_name, field`);
  return rows.map((r) => ({ table: r.table_name, field: r.field, rows: Number(r.rows), example: r.example }));
}

export interface ReportInput {
  source: string;
  target: string;
  validation: Validation;
  runs: RunRecord[];
  quarantine: Finding[];
  notes: Finding[];
  at?: Date;
}

const n = (value: number) => value.toLocaleString('en-US');
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** `MIGRATION_REPORT.md`: when, how long, rows per table, each check with both sides, quarantine, throughput. */
export function migrationReport(input: ReportInput): string {
  const { validation, runs } = input;
  const live = runs.filter((r) => r.status !== 'rolled_back');
  const seconds = live.reduce((sum, r) => sum + (r.seconds ?? 0), 0);
  const moved = live.reduce((sum, r) => sum + r.rows + r.quarantined, 0);
  const failed = validation.checks.filter((c) => !c.ok);
  const lines = [
    '# Migration report: BOT Trading v2 to v3',
    '',
    `- Date: ${(input.at ?? new Date()).toISOString()}`,
    `- From: ${input.source}`,
    `- To: ${input.target}`,
    `- Result: ${failed.length === 0 ? `**PASS**, all ${validation.checks.length} checks` : `**FAIL**, ${failed.length} of ${validation.checks.length} checks failed`}`,
    `- Duration: ${seconds.toFixed(1)} s over ${live.length} run(s); validation ${validation.seconds.toFixed(1)} s`,
    `- Throughput: ${seconds > 0 ? n(Math.round(moved / seconds)) : '-'} rows/s (${n(moved)} rows migrated or quarantined)`,
    '',
    '## Rows per table',
    '',
    table(
      ['v2 table', 'v3 table', 'v2 rows', 'migrated', 'quarantined', 'carried with a note'],
      validation.tables.map((t) => [t.table, t.target, n(t.v2), n(t.v3), n(t.quarantined), n(t.noted)]),
    ),
    '',
    '## Checks',
    '',
    'Each check compares v2 with v3; where rows were quarantined, v2 = v3 + quarantined.',
    '',
    table(
      ['check', 'v2', 'v3', 'quarantined', 'result'],
      validation.checks.map((c) => [c.name, c.v2, c.v3, c.quarantined, `${c.ok ? 'pass' : '**FAIL**'}${c.detail && c.detail !== 'none' ? `: ${c.detail}` : ''}`]),
    ),
    '',
    '## Quarantine',
    '',
    input.quarantine.length === 0
      ? 'No row was quarantined.'
      : `Rows v3 could not take, kept whole in \`migration_quarantine\` with the reason:\n\n${table(['table', 'field', 'rows', 'example'], input.quarantine.map((f) => [f.table, f.field, n(f.rows), f.example]))}`,
    '',
    '## Carried over with a note',
    '',
    input.notes.length === 0
      ? 'No value was read differently.'
      : `Rows migrated with a value read differently, listed in \`migration_notes\`:\n\n${table(['table', 'field', 'rows', 'example'], input.notes.map((f) => [f.table, f.field, n(f.rows), f.example]))}`,
    '',
    '## Runs',
    '',
    table(
      ['run', 'status', 'started', 'duration', 'rows', 'quarantined'],
      runs.map((r) => [String(r.id), r.status, r.startedAt, r.seconds === null ? '-' : `${r.seconds.toFixed(1)} s`, n(r.rows), n(r.quarantined)]),
    ),
    '',
  ];
  return lines.join('\n');
}
