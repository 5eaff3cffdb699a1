import { pathToFileURL } from 'node:url';
import { expect, test } from 'vitest';
import { bundleOf } from '../../runtime/module-url.js';

test('bundleOf finds the single file the build made beside the trader, and none beside a module without one or a source file', () => {
  // The test run's build (test/global-setup.ts), which the trader workers of every platform test start from.
  const built = process.env.BOTV3_PREBUILT_DIR;
  expect(built).toBeTruthy();
  const dir = pathToFileURL(`${built}/`);
  expect(bundleOf(new URL('actors/trader/trader.js', dir).href)?.href).toBe(new URL('actors/trader/trader.bundle.cjs', dir).href);
  expect(bundleOf(new URL('adapters/paper/exchange.js', dir).href)).toBeUndefined();
  expect(bundleOf(new URL('../../actors/trader/trader.ts', import.meta.url).href)).toBeUndefined();
});
