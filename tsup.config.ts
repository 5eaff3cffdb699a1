import { cp } from 'node:fs/promises';
import { defineConfig } from 'tsup';

/**
 * Every source file is its own entry, unbundled, so dist/ mirrors the source tree: a worker entry or an
 * actor module is found at the same relative URL from dist/ as from the sources. The SQL migrations are
 * read at run time from next to the migrator, so they are copied along, as is the default alert rule file.
 */
export default defineConfig((cli) => {
  const outDir = cli.outDir ?? 'dist';
  return {
    // The exchanges and AI benchmarks answer through the tests' loopback fakes of Binance and the Messages API.
    entry: ['runtime/**/*.ts', 'actors/**/*.ts', 'adapters/**/*.ts', 'ai/**/*.ts', 'migrate/**/*.ts', 'bench/**/*.ts', 'test/helpers/fake-exchange.ts', 'test/helpers/fake-anthropic.ts', 'test/fixtures/exchanges/*.ts'],
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    bundle: false,
    clean: true,
    sourcemap: true,
    dts: false,
    outDir,
    esbuildOptions(options) {
      options.outbase = '.';
    },
    async onSuccess() {
      await cp('adapters/database/migrations', `${outDir}/adapters/database/migrations`, { recursive: true });
      await cp('adapters/alerts/alerts.yaml', `${outDir}/adapters/alerts/alerts.yaml`);
    },
  };
});
