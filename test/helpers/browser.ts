import type { Browser } from 'playwright-core';
import { onTestFinished } from 'vitest';
import { launchChromium } from './chromium.js';

/** A headless Chromium for one test (see `launchChromium`), closed when it ends. */
export async function browser(): Promise<Browser> {
  const instance = await launchChromium();
  onTestFinished(() => instance.close());
  return instance;
}
