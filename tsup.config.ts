import { cp } from 'node:fs/promises';
import { build, defineConfig, type Options } from 'tsup';

/**
 * Actors that run by the thousand, each bundled with its worker entry and everything it imports into one
 * file beside its module (`trader.bundle.cjs`, see `bundleOf`): a thread loads it in a third of the time
 * it takes to load the same code as a hundred ES modules. CommonJS, because V8 can then compile it from
 * the code cache the first thread made (see `runtime/bundle-loader.cjs`), which Node 20 offers for a
 * script, and for an ES module only behind an experimental flag. tsx stays outside: only a strategy
 * module of a user's own loads it.
 */
const BUNDLES: Options = {
  config: false,
  entry: { 'actors/trader/trader.bundle': 'actors/trader/trader.worker.ts' },
  format: ['cjs'],
  // `import.meta.url`, from the `__filename` the loader passes.
  shims: true,
  target: 'node20',
  platform: 'node',
  bundle: true,
  noExternal: [/^(?!tsx)/],
  external: ['tsx'],
  sourcemap: true,
  silent: true,
  esbuildOptions(options) {
    options.minifyWhitespace = true;
    options.minifySyntax = true;
  },
  esbuildPlugins: [
    {
      // zod's messages in forty languages (its `locales` export), two fifths of the bundle: a trader
      // words its errors in English, zod's default, which zod loads apart from these.
      name: 'zod-locales',
      setup(plugin) {
        plugin.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, ({ importer }) => (importer.includes('/node_modules/zod/') ? { path: 'zod-locales', namespace: 'empty' } : undefined));
        plugin.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};' }));
      },
    },
  ],
};

/**
 * The web dashboard (adapters/dashboard/web), bundled for the browser into one script and one
 * stylesheet beside the module that serves them (adapters/dashboard/serve.ts): everything it needs
 * is in the build, so it works with no network but the platform's own.
 */
const DASHBOARD: Options = {
  config: false,
  entry: { main: 'adapters/dashboard/web/main.tsx' },
  format: ['esm'],
  target: 'es2022',
  platform: 'browser',
  bundle: true,
  noExternal: [/.*/],
  minify: true,
  silent: true,
  tsconfig: 'adapters/dashboard/web/tsconfig.json',
  esbuildOptions(options) {
    options.jsx = 'automatic';
    options.jsxImportSource = 'preact';
  },
};

/**
 * Every source file is its own entry, unbundled, so dist/ mirrors the source tree: a worker entry or an
 * actor module is found at the same relative URL from dist/ as from the sources. The SQL migrations are
 * read at run time from next to the migrator, so they are copied along, as are the default alert rule file, v2's schema (a copy backup's restore creates v2's tables from it), and two worker entries in plain CommonJS: the embedded PostgreSQL's and the loader of actor bundles.
 */
export default defineConfig((cli) => {
  const outDir = cli.outDir ?? 'dist';
  return {
    // The exchanges and AI benchmarks answer through the tests' loopback fakes of Binance and the Messages API;
    // the migrate benchmark fills v2 with the tests' generator; the dashboard benchmark launches Chromium as the browser tests do.
    entry: [
      ...['runtime/**/*.ts', 'actors/**/*.ts', 'adapters/**/*.ts', 'ai/**/*.ts', 'migrate/**/*.ts', 'bench/**/*.ts', 'test/helpers/fake-exchange.ts', 'test/helpers/chromium.ts', 'test/helpers/cluster-nodes.ts', 'test/helpers/tcp-proxy.ts', 'test/helpers/fake-anthropic.ts', 'test/helpers/v2-database.ts', 'test/helpers/database.ts', 'test/helpers/candles.ts', 'test/fixtures/exchanges/*.ts'],
      // The test run's build (test/global-setup.ts) also has the runtime tests' fixture actors, so their worker threads start from built code too.
      ...(process.env.BOTV3_BUILD_TEST_ACTORS === '1' ? ['test/runtime/fixtures/*.ts'] : []),
      // Bundled apart (BUNDLES, DASHBOARD).
      '!**/*.worker.ts',
      '!adapters/dashboard/web/**',
    ],
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
      await cp('adapters/database/embedded-server.cjs', `${outDir}/adapters/database/embedded-server.cjs`);
      await cp('runtime/bundle-loader.cjs', `${outDir}/runtime/bundle-loader.cjs`);
      await cp('migrate/v2/schema.sql', `${outDir}/migrate/v2/schema.sql`);
      await cp('test/fixtures/v2/generate.sql', `${outDir}/test/fixtures/v2/generate.sql`);
      await build({ ...BUNDLES, outDir });
      const site = `${outDir}/adapters/dashboard/site`;
      await build({ ...DASHBOARD, outDir: `${site}/assets` });
      await cp('adapters/dashboard/web/index.html', `${site}/index.html`);
    },
  };
});
