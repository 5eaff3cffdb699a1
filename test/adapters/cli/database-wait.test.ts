import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, test } from 'vitest';
import { botv3, CLI_TEST, exitOf, spawnBotv3, type CliExit } from '../../helpers/cli.js';
import { freshDatabaseServer } from '../../helpers/database.js';
import { closedPort } from '../../helpers/ports.js';
import { tcpProxy } from '../../helpers/tcp-proxy.js';

/** A database server that is not there (yet): retried with a line per attempt, then one error line, never a stack or the password. */
const PASSWORD = 'hunter2';
const RETRY = /^database 127\.0\.0\.1:(\d+) not reachable \((.+)\), retrying in [\d.]+ s \(attempt (\d+), [\d.]+ s left\)$/;

async function env(databaseUrl: string, extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
  const { BOTV3_DB_WAIT_S: _unset, ...inherited } = process.env;
  return { ...inherited, DATABASE_URL: databaseUrl, BOTV3_DATA_DIR: await mkdtemp(join(tmpdir(), 'botv3-data-')), ...extra };
}

/** Runs botv3 to its exit, which must fail; its exit code and standard error. */
async function failing(args: string[], environment: NodeJS.ProcessEnv): Promise<CliExit> {
  const result = await exitOf(botv3(args, { env: environment }));
  expect(result.code, result.stderr).not.toBe(0);
  return result;
}

/** Every line but the last is one failed attempt, numbered from 1; the last says how many there were. */
function expectAttempts(stderr: string, port: number, waitS: number) {
  expect(stderr).not.toContain(PASSWORD);
  expect(stderr).not.toMatch(/^\s+at /m);
  const lines = stderr.trimEnd().split('\n');
  const retries = lines.slice(0, -1).map((line) => RETRY.exec(line));
  expect(retries.length).toBeGreaterThan(0);
  retries.forEach((match, i) => {
    expect(match, lines[i]).not.toBeNull();
    expect(match!.slice(1)).toEqual([String(port), 'ECONNREFUSED', String(i + 1)]);
  });
  expect(lines.at(-1)).toBe(`botv3: database 127.0.0.1:${port} not reachable (ECONNREFUSED); gave up after ${retries.length + 1} attempts in ${waitS} s`);
}

describe('a database that cannot be reached', CLI_TEST, () => {
  test('db status: one line at once by default; with --db-wait, a line per attempt, then one error line, exit status 2', async () => {
    const port = await closedPort();
    const url = `postgres://bot:${PASSWORD}@127.0.0.1:${port}/trading`;
    const atOnce = await failing(['db', 'status'], await env(url));
    expect(atOnce).toMatchObject({ code: 2, stderr: `botv3: database 127.0.0.1:${port} not reachable (ECONNREFUSED)\n` });

    const waited = await failing(['db', 'status', '--db-wait', '3'], await env(url));
    expect(waited.code).toBe(2);
    expectAttempts(waited.stderr, port, 3);
  });

  test('start: waits BOTV3_DB_WAIT_S with a line per attempt, then one error line and exit status 2, before anything starts', async () => {
    const port = await closedPort();
    const result = await failing(['start', '--port', '0', '--duration', '1'], await env(`postgres://bot:${PASSWORD}@127.0.0.1:${port}/trading`, { BOTV3_DB_WAIT_S: '3' }));
    expect(result.code).toBe(2);
    expectAttempts(result.stderr, port, 3);
    expect(result.stdout).not.toContain('BOT Trading v3');
  });

  test('start: a database that comes up during the wait is used, and the platform runs', async (ctx) => {
    if (!process.env.TEST_DATABASE_URL) ctx.skip();
    const server = await freshDatabaseServer();
    const proxy = await tcpProxy(server.url);
    try {
      // The proxy takes connections and drops them, as a server on its way up: nothing passes until up().
      proxy.down();
      const child = spawnBotv3(['start', '--port', '0', '--duration', '1', '--summary-ms', '60000'], { env: await env(proxy.url, { BOTV3_DB_WAIT_S: '120' }), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      const exited = once(child, 'exit');
      const closed = once(child, 'close');
      const stderr: string[] = [];
      for await (const line of createInterface({ input: child.stderr! })) {
        stderr.push(line);
        // A failed attempt: the server comes up (up() again changes nothing).
        if (RETRY.test(line)) proxy.up();
      }
      const [code] = (await exited) as [number | null];
      await closed;
      const retries = stderr.filter((line) => RETRY.test(line));
      expect(retries.length, `${stdout}\n${stderr.join('\n')}`).toBeGreaterThan(0);
      expect(retries[0]).toMatch(/^database 127\.0\.0\.1:\d+ not reachable \(.+\), retrying in [\d.]+ s \(attempt 1, [\d.]+ s left\)$/);
      expect(stdout).toMatch(/^Database: external \(postgres:\/\/.*\)$/m);
      expect(stdout).toMatch(/^Stopped\. Mailboxes drained: true\.$/m);
      expect(code).toBe(0);
    } finally {
      await proxy.close();
      await server.close();
    }
  });
});
