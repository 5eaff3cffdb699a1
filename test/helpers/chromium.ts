import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, which .ci/run installs when a browser test exists. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * A headless Chromium, for the browser tests and the dashboard benchmark. The flags keep it off the
 * network: this machine's closed network refuses Chromium's background connections.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}
