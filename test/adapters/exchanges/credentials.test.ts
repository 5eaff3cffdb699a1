import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { resolveCredentials } from '../../../adapters/exchanges/credentials.js';

const keysFile = (mode: number) => {
  const file = join(mkdtempSync(join(tmpdir(), 'botv3-keys-')), 'keys.yaml');
  writeFileSync(file, 'okx:\n  main: { apiKey: fk, secret: fs, password: fp }\n');
  chmodSync(file, mode);
  return file;
};

test("v2's .env names serve the default account; named accounts have their own", () => {
  const env = { OKX_API_KEY: 'k', OKX_API_SECRET: 's', OKX_PASSPHRASE: 'p', BOTV3_OKX_SWING_2_API_KEY: 'k2', BOTV3_OKX_SWING_2_SECRET: 's2' };
  expect(resolveCredentials('okx', 'default', { env })).toEqual({ apiKey: 'k', secret: 's', password: 'p' });
  expect(resolveCredentials('okx', 'swing-2', { env })).toEqual({ apiKey: 'k2', secret: 's2' });
  expect(resolveCredentials('bybit', 'default', { env })).toBeUndefined();
});

test('a keys file only its owner can read is used; one readable by others is refused', () => {
  expect(resolveCredentials('okx', 'main', { env: {}, file: keysFile(0o600) })).toEqual({ apiKey: 'fk', secret: 'fs', password: 'fp' });
  expect(() => resolveCredentials('okx', 'main', { env: {}, file: keysFile(0o644) })).toThrow(/readable by others \(mode 644\); chmod 600 it/);
});

test('a malformed keys file names the field', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'botv3-keys-')), 'keys.yaml');
  writeFileSync(file, 'okx:\n  main: { apiKey: fk }\n', { mode: 0o600 });
  expect(() => resolveCredentials('okx', 'main', { env: {}, file })).toThrow(/keys\.yaml: okx\.main\.secret: /);
});
