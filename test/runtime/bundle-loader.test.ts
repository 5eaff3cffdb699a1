import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import type { RunnerToHost } from '../../runtime/protocol.js';
import { spawnWorker } from '../../runtime/spare-pool.js';

type Compiled = Extract<RunnerToHost, { t: 'compiled' }>;

/** Starts a thread for the built trader (the test run's build, test/global-setup.ts) and waits for its `compiled` report. */
async function startTrader(): Promise<Compiled> {
  const worker = spawnWorker({ module: new URL('actors/trader/trader.js', pathToFileURL(`${process.env.BOTV3_PREBUILT_DIR}/`)).href });
  try {
    return await new Promise<Compiled>((resolve, reject) => {
      worker.on('message', (message: RunnerToHost) => message.t === 'compiled' && resolve(message));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the thread exited (${code}) before it reported`)));
    });
  } finally {
    await worker.terminate();
  }
}

test("a bundle's first thread makes V8's code cache of it, and the threads after it compile from that", async () => {
  const first = await startTrader();
  expect(first.fromCache).toBe(false);
  expect(first.codeCache!.byteLength).toBeGreaterThan(100_000);
  expect(await startTrader()).toEqual({ t: 'compiled', fromCache: true });
  expect(await startTrader()).toEqual({ t: 'compiled', fromCache: true });
});
