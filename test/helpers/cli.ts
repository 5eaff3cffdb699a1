import { execFile, spawn, type ChildProcess, type ExecFileOptions, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inject, onTestFinished } from 'vitest';

/**
 * The CLI tests run `botv3` as users do: the built CLI, in a process of its own. test/global-setup.ts
 * builds it once per test run into .test-dist/ (at dist/'s depth, so it finds package.json and
 * node_modules as dist/ does, and a test run never pulls dist/ from under `npm start` or a bench).
 * No test compiles TypeScript per spawn.
 */
export const root = fileURLToPath(new URL('../../', import.meta.url));
/** The built CLI, relative to `root`, the working directory of every run below. */
export const CLI = '.test-dist/adapters/cli/main.js';

/**
 * For a test that runs the CLI: every run starts Node and loads the CLI's dependencies (ccxt alone is
 * over a second of CPU), then does real work (PGlite, worker threads). The tests wait for exits and
 * output lines, never for a time; this limit only ends a test that hangs, far above any slow machine.
 */
export const CLI_TEST = { timeout: 300_000 } as const;

export interface CliResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs `botv3 ...args` to its exit, in `root`, with `options.env` (the test process's environment if
 * none). Resolves with its output on exit code 0; rejects otherwise with execFile's error, which carries
 * `code`, `stdout` and `stderr`. No time limit of its own: the test waits for the exit.
 */
export async function botv3(args: readonly string[], options: Omit<ExecFileOptions, 'cwd' | 'encoding' | 'signal'> = {}): Promise<CliResult> {
  built();
  const abort = new AbortController();
  whenTestEnds(() => abort.abort());
  return promisify(execFile)(process.execPath, [CLI, ...args], { maxBuffer: 64 * 1024 * 1024, killSignal: 'SIGKILL', ...options, cwd: root, encoding: 'utf8', signal: abort.signal });
}

/** How a run of `botv3` ended: its exit code and output, whether it succeeded or not. */
export interface CliExit extends CliResult {
  code: number;
}

/** The end of a `botv3(...)` run as a value: code 0 with its output, or the failure's code and output, for a test that expects either. */
export function exitOf(run: Promise<CliResult>): Promise<CliExit> {
  return run.then(
    (output) => ({ code: 0, ...output }),
    (failure: CliExit) => ({ code: failure.code, stdout: failure.stdout, stderr: failure.stderr }),
  );
}

/**
 * Starts `botv3 ...args` in `root`, for a test that reads its output as it runs, or kills it. It is
 * killed when the test ends; a concurrent test passes its context's `onTestFinished`, as vitest does
 * not know which of several running tests a global hook belongs to.
 */
export function spawnBotv3(args: readonly string[], options: Omit<SpawnOptions, 'cwd'> = {}, onEnd: (kill: () => void) => void = whenTestEnds): ChildProcess {
  built();
  const child = spawn(process.execPath, [CLI, ...args], { ...options, cwd: root });
  onEnd(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

/** A failed build (a syntax error in a source file, say) fails the CLI tests with tsup's message, rather than running a stale build. */
function built(): void {
  const error = inject('cliBuildError');
  if (error) throw new Error(error);
}

/** A CLI still running when its test ends (failed, or timed out) is killed: none outlives its test. Outside a test (a hook), it is the hook's to stop. */
function whenTestEnds(kill: () => void): void {
  try {
    onTestFinished(kill);
  } catch {
    // Not inside a test.
  }
}
