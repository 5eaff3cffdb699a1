import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenStore, type Scope } from '../../../adapters/api/tokens.js';
import { startApiPlatform, type ApiTestPlatform } from '../../helpers/api.js';
import { botv3, CLI_TEST } from '../../helpers/cli.js';
import { connectStream } from '../../helpers/stream-client.js';
import { waitFor } from '../../helpers/wait.js';

let api: ApiTestPlatform;

beforeAll(async () => {
  api = await startApiPlatform({ traders: [{ id: 'alpha', symbols: ['BTC/USDT'], balances: { USDT: 100_000 }, orderNotional: 1_000 }] });
});
afterAll(async () => api?.close());

/** A fresh token, made by the running server's store. */
const token = (name: string, scopes: Scope[] = ['read']) => api.tokens.create(name, scopes);

/** Revokes `id` as `botv3 tokens revoke` does: through another store on the same file. */
const revokeInFile = (id: string) => expect(TokenStore.open(api.tokens.path).revoke(id)).toBe(true);

const status = async (bearer: string) => (await api.call('GET', '/api/v1/system/status', { token: bearer })).status;

/** A stream client of `bearer`, welcomed; `ended` is its close once it comes. */
async function streamOf(bearer: string) {
  const client = await connectStream(api.url, bearer);
  let ended: { code: number; reason: string } | undefined;
  void client.closed.then((close) => (ended = close));
  await client.next((f) => f.type === 'welcome', 'the welcome');
  return Object.assign(client, { ended: () => ended });
}

/** The close of `client`, waited for (up to `waitFor`'s bound, so a missing close fails rather than hangs). */
const closeOf = (client: Awaited<ReturnType<typeof streamOf>>) => waitFor(() => client.ended(), 'the close');

describe('token revocation', () => {
  it('refuses a token revoked in the file by another process at its next request', async () => {
    const doomed = token('doomed');
    const kept = token('kept');
    expect(await status(doomed.token)).toBe(200);
    revokeInFile(doomed.id);
    const refused = await api.call('GET', '/api/v1/system/status', { token: doomed.token });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('ERR_UNAUTHORIZED');
    expect(await status(kept.token)).toBe(200);
  });

  it('refuses a token revoked through the API at once, and closes its stream with 4401', async () => {
    const doomed = token('api-doomed');
    const kept = token('api-kept');
    const [gone, other] = [await streamOf(doomed.token), await streamOf(kept.token)];
    gone.send({ action: 'subscribe', channel: 'system' });
    await gone.next((f) => f.type === 'ack', 'the ack');
    expect((await api.call('DELETE', `/api/v1/tokens/${doomed.id}`)).status).toBe(204);
    expect(await status(doomed.token)).toBe(401);
    expect(await closeOf(gone)).toEqual({ code: 4401, reason: 'token revoked' });
    // The other token's connection is untouched.
    other.send({ action: 'ping' });
    await other.next((f) => f.type === 'pong', 'the pong');
    expect(other.ended()).toBeUndefined();
    other.socket.close();
  });

  it('closes the streams of a token revoked by `botv3 tokens revoke`, and refuses it', async () => {
    const doomed = token('cli-doomed');
    const [first, second] = [await streamOf(doomed.token), await streamOf(doomed.token)];
    const cli = await botv3(['tokens', 'revoke', doomed.id], { env: { ...process.env, BOTV3_DATA_DIR: dirname(api.tokens.path) } });
    expect(cli.stdout).toBe(`revoked ${doomed.id}\n`);
    // Nothing is asked of the server: the stream sees the file change by itself.
    expect(await closeOf(first)).toEqual({ code: 4401, reason: 'token revoked' });
    expect(await closeOf(second)).toEqual({ code: 4401, reason: 'token revoked' });
    expect(await status(doomed.token)).toBe(401);
  }, CLI_TEST.timeout);

  it('lets a revoked token subscribe to nothing, even before the file change is seen', async () => {
    const doomed = token('sub-doomed');
    const client = await streamOf(doomed.token);
    revokeInFile(doomed.id);
    client.send({ action: 'subscribe', channel: 'trades' });
    const close = await waitFor(() => client.ended() ?? client.frames.find((f) => f.type === 'ack'), 'the close or an ack');
    expect(close).toEqual({ code: 4401, reason: 'token revoked' });
    expect(client.frames.filter((f) => f.type === 'ack')).toEqual([]);
  });

  it('keeps seeing the file after it was replaced: each revocation closes its streams', async () => {
    const tokens = [token('one'), token('two'), token('three')];
    const clients = await Promise.all(tokens.map((t) => streamOf(t.token)));
    for (const [i, t] of tokens.entries()) {
      revokeInFile(t.id);
      expect(await closeOf(clients[i]!)).toEqual({ code: 4401, reason: 'token revoked' });
      for (const later of clients.slice(i + 1)) expect(later.ended()).toBeUndefined();
    }
  });
});

describe('TokenStore', () => {
  it('refuses every token while its file does not read, never writes over it, and tells who was revoked', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'botv3-revocation-')), 'api-tokens.json');
    const store = TokenStore.open(path);
    const { token, id } = store.create('ops', ['admin']);
    const heard: string[][] = [];
    store.onRevoked((ids) => heard.push([...ids]));
    const good = readFileSync(path, 'utf8');
    // Edited in place by hand, half written: which tokens it revokes cannot be told.
    writeFileSync(path, good.slice(0, 40));
    expect(store.verify(token)).toBeUndefined();
    expect(heard).toEqual([[id]]);
    expect(() => store.create('more', ['read'])).toThrow();
    expect(readFileSync(path, 'utf8')).toBe(good.slice(0, 40));
    writeFileSync(path, good);
    expect(store.verify(token)?.id).toBe(id);
    expect(store.isValid(id)).toBe(true);
  });
});
