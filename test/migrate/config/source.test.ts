import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, test } from 'vitest';
import { parseV2, parseV2Yaml, readV2File } from '../../../migrate/config/source.js';
import { MigrationError } from '../../../migrate/errors.js';
import { tempDir } from './fixtures.js';

function failure(run: () => unknown): MigrationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).code).toBe('ERR_V2_CONFIG');
    return error as MigrationError;
  }
  throw new Error('expected a MigrationError');
}

describe('readV2File', () => {
  test('reads a file, gives undefined for an absent one, and names one it cannot read', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'telegram.yaml'), 'allowed_chats: []\n');
    await mkdir(join(dir, 'strategies.yaml'));
    expect(await readV2File(dir, 'telegram.yaml')).toBe('allowed_chats: []\n');
    expect(await readV2File(dir, 'ml_config.json')).toBeUndefined();
    await expect(readV2File(dir, 'strategies.yaml')).rejects.toMatchObject({ code: 'ERR_V2_CONFIG', message: 'strategies.yaml: cannot read it (EISDIR)' });
  });
});

describe('parseV2Yaml', () => {
  test('gives the line and column of an error but not the text there', () => {
    const error = failure(() => parseV2Yaml('telegram.yaml', 'bot_token: "1:AAsecret\n'));
    expect(error.message).toBe('telegram.yaml: not valid YAML at line 2, column 1 (MISSING_CHAR)');
  });

  test('refuses a key written twice, which PyYAML would have read as the last one', () => {
    expect(failure(() => parseV2Yaml('telegram.yaml', 'notify_on_trade: true\nnotify_on_trade: false\n')).message).toBe('telegram.yaml: not valid YAML at line 2, column 1 (DUPLICATE_KEY)');
  });
});

describe('parseV2', () => {
  test('names the file and the path of the first bad field, and an unknown field itself', () => {
    const schema = z.strictObject({ list: z.array(z.strictObject({ n: z.number() })) });
    expect(parseV2('x.yaml', schema, { list: [{ n: 1 }] })).toEqual({ list: [{ n: 1 }] });
    expect(failure(() => parseV2('x.yaml', schema, { list: [{ n: 1 }, { n: 'two' }] })).message).toBe('x.yaml: list[1].n: Invalid input: expected number, received string');
    expect(failure(() => parseV2('x.yaml', schema, { list: [{ n: 1, m: 2 }] })).message).toBe('x.yaml: list[0].m: unknown field: v3 has no place for it (remove it to migrate)');
  });
});
