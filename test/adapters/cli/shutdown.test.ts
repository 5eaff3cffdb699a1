import { once } from 'node:events';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CLI_TEST, spawnBotv3 } from '../../helpers/cli.js';
import { FAKE_BOT_TOKEN, startFakeTelegram } from '../../helpers/fake-telegram.js';
import { closedPort, silentServer } from '../../helpers/ports.js';

/**
 * `botv3 start` with a Telegram bot stops within its deadlines whatever the Bot API does: the test
 * waits for the process to exit (the test's timeout is the only clock), then reads its last line.
 */
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/** Runs `start --duration 2` with the bot pointed at `apiRoot`; resolves with its exit code and output once it has exited. `onEnd`: the test's own `onTestFinished`. */
async function startWithBot(onEnd: (kill: () => void) => void, apiRoot: string, config?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'botv3-shutdown-'));
  const args = ['start', '--port', '0', '--duration', '2', '--summary-ms', '60000'];
  if (config) {
    await writeFile(join(dir, 'platform.yaml'), config);
    args.push('--config', join(dir, 'platform.yaml'));
  }
  const child = spawnBotv3(args, {
    env: { ...process.env, DATABASE_URL: '', BOTV3_DATA_DIR: join(dir, 'data'), TELEGRAM_BOT_TOKEN: FAKE_BOT_TOKEN, TELEGRAM_API_ROOT: apiRoot },
    stdio: ['ignore', 'pipe', 'pipe'],
  }, onEnd);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close' follows 'exit' once the output is all read; both listened to from the start.
  const exited = once(child, 'exit');
  const closed = once(child, 'close');
  const [code] = (await exited) as [number | null];
  await closed;
  return { code, stdout, stderr };
}

// Three processes of their own, each waiting out its deadlines: run side by side.
describe.concurrent('botv3 start stops within its deadlines', CLI_TEST, () => {
  test('a Bot API on a closed port: telegram is abandoned after its 5 s, the rest stops, exit status 1', async ({ onTestFinished }) => {
    const { code, stdout, stderr } = await startWithBot(onTestFinished, `http://127.0.0.1:${await closedPort()}`);
    expect(stdout, stderr).toMatch(/^Shutting down: draining mailboxes\.\.\.$/m);
    expect(stdout).toMatch(/^Stopped\. Mailboxes drained: true\. Not stopped in time: telegram \(5 s\)$/m);
    expect(code).toBe(1);
  });

  test('a Bot API that accepts and never answers: telegram is abandoned after its configured time', async ({ onTestFinished }) => {
    const hung = await silentServer();
    cleanups.push(() => hung.close());
    const config = ['traders:', '  - { id: solo, symbols: [BTC/USDT] }', 'shutdown: { telegramMs: 1500 }', ''].join('\n');
    const { code, stdout, stderr } = await startWithBot(onTestFinished, `http://127.0.0.1:${hung.port}`, config);
    expect(stdout, stderr).toMatch(/^Stopped\. Mailboxes drained: true\. Not stopped in time: telegram \(1\.5 s\)$/m);
    expect(code).toBe(1);
  });

  test('a Bot API that answers: everything stops cleanly, the update offset is saved, exit status 0', async ({ onTestFinished }) => {
    const tg = await startFakeTelegram();
    cleanups.push(() => tg.close());
    const { code, stdout, stderr } = await startWithBot(onTestFinished, tg.url);
    expect(stdout, stderr).toMatch(/^Stopped\. Mailboxes drained: true\.$/m);
    expect(code).toBe(0);
    // grammy's stop confirms the offset with a last getUpdates of one update.
    expect(tg.sent('getUpdates').some((call) => call.body.limit === 1)).toBe(true);
  });
});
