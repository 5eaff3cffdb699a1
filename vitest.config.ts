import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the sources once into .test-dist/: the CLI tests run it as `node .test-dist/adapters/cli/main.js`,
    // and worker threads run their actor modules from it (runtime/worker-entry.dev.mjs).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests start real worker threads; two cores run two test files at a time.
    maxWorkers: 2,
  },
});
