import { chromium, type Browser } from 'playwright-core';
import { onTestFinished } from 'vitest';

/** Debian's Chromium, which .ci/run installs when a browser test exists. */
const EXECUTABLE = '/usr/bin/chromium';

/**
 * A headless Chromium for one test, closed when it ends. The flags keep it off the network: this
 * machine's closed network refuses Chromium's background connections.
 */
export async function browser(): Promise<Browser> {
  const instance = await chromium.launch({
    executablePath: EXECUTABLE,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  onTestFinished(() => instance.close());
  return instance;
}
