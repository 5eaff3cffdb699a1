import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the CLI once into .test-dist/ for the CLI tests, which run it as `node .test-dist/adapters/cli/main.js`.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests start real worker threads; two cores run two test files at a time.
    maxWorkers: 2,
  },
});
