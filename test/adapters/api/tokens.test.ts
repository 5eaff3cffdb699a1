import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasScope, TokenStore } from '../../../adapters/api/tokens.js';

const file = () => join(mkdtempSync(join(tmpdir(), 'botv3-tokens-')), 'api-tokens.json');

describe('TokenStore', () => {
  it('keeps only hashes, in an owner-only file', () => {
    const path = file();
    const store = TokenStore.open(path);
    const { token, id } = store.create('ops', ['admin']);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(token);
    expect(text).toMatch(/"hash": "[0-9a-f]{64}"/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(store.verify(token)).toMatchObject({ id, name: 'ops', scopes: ['admin'] });
    expect(store.verify(`${token}x`)).toBeUndefined();
  });

  it('sees tokens another process created, and forgets revoked ones', () => {
    const path = file();
    const server = TokenStore.open(path);
    const cli = TokenStore.open(path);
    const { token, id } = cli.create('desk', ['read']);
    expect(server.verify(token)?.id).toBe(id);
    expect(cli.revoke(id)).toBe(true);
    // The file changed: the server reads it again on its next miss or listing.
    expect(server.list()).toEqual([]);
    expect(server.verify(token)).toBeUndefined();
    expect(server.revoke(id)).toBe(false);
  });

  it('names what is wrong with a broken token file', () => {
    const path = file();
    writeFileSync(path, JSON.stringify({ version: 1, tokens: [{ id: 'a', name: 'n', scopes: ['god'], createdAt: 'x', hash: 'f'.repeat(64) }] }));
    expect(() => TokenStore.open(path)).toThrow(`${path} is not a token file: tokens.0.scopes.0:`);
  });

  it('orders scopes: admin has all, trade includes read', () => {
    expect(hasScope(['admin'], 'trade')).toBe(true);
    expect(hasScope(['trade'], 'read')).toBe(true);
    expect(hasScope(['read'], 'trade')).toBe(false);
    expect(hasScope(['trade'], 'admin')).toBe(false);
  });
});
