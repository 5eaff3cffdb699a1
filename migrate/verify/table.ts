import type { VerifyRow } from './row.js';

/**
 * The rows as a table for a terminal: the check, PASS or FAIL, and the detail, in aligned columns
 * under a header, then a line counting the failures.
 *
 * @example
 * CHECK       RESULT  DETAIL
 * api health  PASS    HTTP 200 {"status":"ok"}
 * websocket   FAIL    connect ECONNREFUSED 127.0.0.1:8080
 *
 * 1 of 2 checks failed
 */
export function formatVerifyTable(rows: readonly VerifyRow[]): string {
  const header = { check: 'CHECK', result: 'RESULT', detail: 'DETAIL' };
  const lines = rows.map((r) => ({ check: r.check, result: r.ok ? 'PASS' : 'FAIL', detail: r.detail.replace(/\s*\n\s*/g, ' ') }));
  const checkWidth = Math.max(header.check.length, ...lines.map((l) => l.check.length));
  const resultWidth = header.result.length;
  const line = (l: typeof header) => `${l.check.padEnd(checkWidth)}  ${l.result.padEnd(resultWidth)}  ${l.detail}`.trimEnd();
  const failed = rows.filter((r) => !r.ok).length;
  const summary = failed === 0 ? `all ${rows.length} checks passed` : `${failed} of ${rows.length} checks failed`;
  return [line(header), ...lines.map(line), '', summary].join('\n');
}

/** Whether every check passed (the command's exit status: 0 when true, 1 otherwise). */
export function verifyPassed(rows: readonly VerifyRow[]): boolean {
  return rows.length > 0 && rows.every((r) => r.ok);
}
