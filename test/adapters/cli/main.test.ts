import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** `botv3 start` must boot worker actors from the sources (through tsx) and from the tsup build alike. */
describe('botv3 start', () => {
  const expectDemoRun = (stdout: string) => {
    expect(stdout).toMatch(/^BOT Trading v3 \d+\.\d+\.\d+\S* - actor runtime$/m);
    expect(stdout).toContain('Demo mode: the trading core is not built yet');
    expect(stdout).toMatch(/demo\.tally \(worker thread \d+\), demo\.pulse \(worker thread \d+\)/);
    const [, received, gaps] = /Stopped\. Mailboxes drained: true\. Pulses received: (\d+), gaps: (\d+)\./.exec(stdout) ?? [];
    expect(Number(received)).toBeGreaterThan(0);
    expect(gaps).toBe('0');
  };

  test('runs from the sources', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'adapters/cli/main.ts', 'start', '--duration', '1', '--pulse-ms', '20'], { cwd: root });
    expectDemoRun(stdout);
  });

  test('runs from a tsup build', async () => {
    // Its own output folder, at dist/'s depth, so a build here never pulls dist/ from under a running bench.
    await run('npx', ['tsup', '--silent', '--out-dir', '.test-dist'], { cwd: root });
    const { stdout } = await run(process.execPath, ['.test-dist/adapters/cli/main.js', 'start', '--duration', '1', '--pulse-ms', '20'], { cwd: root });
    expectDemoRun(stdout);
  });

  test('rejects a bad option with a message naming it', async () => {
    const failure = run(process.execPath, ['--import', 'tsx', 'adapters/cli/main.ts', 'start', '--pulse-ms', 'fast'], { cwd: root });
    await expect(failure).rejects.toMatchObject({ stderr: expect.stringContaining('--pulse-ms must be a positive number, got "fast"') });
  });
});
