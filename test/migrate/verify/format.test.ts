import { describe, expect, it } from 'vitest';
import { formatVerifyTable, verifyPassed, type VerifyRow } from '../../../migrate/verify/verify.js';

const rows: VerifyRow[] = [
  { check: 'api health', ok: true, detail: 'HTTP 200 {"status":"ok"}' },
  { check: 'table counts', ok: false, detail: 'no migration run in this database;\n orders 0' },
  { check: 'websocket', ok: true, detail: '' },
];

describe('formatVerifyTable', () => {
  it('aligns check, PASS/FAIL and detail under a header, one line per check, then the failures counted', () => {
    expect(formatVerifyTable(rows)).toBe(
      [
        'CHECK         RESULT  DETAIL',
        'api health    PASS    HTTP 200 {"status":"ok"}',
        'table counts  FAIL    no migration run in this database; orders 0',
        'websocket     PASS',
        '',
        '1 of 3 checks failed',
      ].join('\n'),
    );
  });

  it('says when all passed; verifyPassed gives the exit status', () => {
    const passed = rows.map((r) => ({ ...r, ok: true }));
    expect(formatVerifyTable(passed).split('\n').at(-1)).toBe('all 3 checks passed');
    expect(verifyPassed(passed)).toBe(true);
    expect(verifyPassed(rows)).toBe(false);
    expect(verifyPassed([])).toBe(false);
  });
});
