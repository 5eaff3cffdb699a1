import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs a benchmark's child process (`node --expose-gc CHILD ...args`, a fresh process so that nothing of
 * an earlier suite is in its memory) and returns the JSON of its last stdout line. From the sources the
 * child needs tsx's loader as well.
 */
export async function runChild<T>(child: URL, args: readonly string[], what: string, timeoutMs: number): Promise<T> {
  const loader = child.pathname.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const { stdout } = await run(process.execPath, [...loader, '--expose-gc', fileURLToPath(child), ...args], { timeout: timeoutMs, maxBuffer: 1 << 20 });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`${what}: the child process printed no reading: ${stdout.slice(-500)}`);
  }
}

/** The process's RSS after collecting the main thread's heap twice (workers collect on their own). */
export async function collectedRss(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  return process.memoryUsage.rss();
}

/** A child's last step: its reading as the last stdout line, then out, whatever handle might linger. */
export function printReading(reading: unknown): void {
  process.stdout.write(`${JSON.stringify(reading)}\n`, () => process.exit(0));
}
