import { parseEnv } from 'node:util';
import { describe, expect, test } from 'vitest';
import { renderEnvFile } from '../../../migrate/config/dotenv.js';
import { MigrationError } from '../../../migrate/errors.js';

describe('renderEnvFile', () => {
  test('writes a header, then each group under its comment', () => {
    const text = renderEnvFile([
      { comment: 'First.', variables: [{ name: 'A', value: '1' }] },
      { comment: 'Second.', variables: [{ name: 'B', value: 'postgres://u:p%40@h:5432/db' }, { name: 'C', value: '' }] },
    ]);
    expect(text).toMatch(/^# BOT Trading v3 environment, written by `botv3 migrate config`/);
    expect(text.endsWith('\n\n# First.\nA=1\n\n# Second.\nB=postgres://u:p%40@h:5432/db\nC=\n')).toBe(true);
  });

  test('quotes values so that Node reads them back unchanged', () => {
    const values = {
      SPACES: ' leading and trailing ',
      HASH: 'pass#word',
      DOLLAR: 'pa$$word`x`',
      DOUBLE: 'say "hi"',
      SINGLE: "it's",
      BACKSLASH_N: 'a\\nb',
      NEWLINE: 'line one\nline two',
      EQUALS: 'a=b;c',
    };
    const text = renderEnvFile([{ comment: 'Values.', variables: Object.entries(values).map(([name, value]) => ({ name, value })) }]);
    expect(parseEnv(text)).toEqual(values);
    expect(text).toContain(`SINGLE="it's"`);
    expect(text).toContain(`DOLLAR='pa$$word\`x\`'`);
  });

  test('refuses a value no quoting keeps intact, naming the variable but not the value', () => {
    let error: unknown;
    try {
      renderEnvFile([{ comment: 'Keys.', variables: [{ name: 'OKX_PASSPHRASE', value: `it's "$ecret"` }] }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).message).toMatch(/^OKX_PASSPHRASE: its value holds both ' and one of/);
    expect((error as MigrationError).message).not.toContain('ecret');
  });
});
