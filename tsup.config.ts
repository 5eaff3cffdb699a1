import { defineConfig } from 'tsup';

/**
 * Every source file is its own entry, unbundled, so dist/ mirrors the source tree: a worker entry or an
 * actor module is found at the same relative URL from dist/ as from the sources.
 */
export default defineConfig({
  entry: ['runtime/**/*.ts', 'actors/**/*.ts', 'adapters/**/*.ts', 'ai/**/*.ts', 'migrate/**/*.ts', 'bench/**/*.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  bundle: false,
  clean: true,
  sourcemap: true,
  dts: false,
  outDir: 'dist',
  esbuildOptions(options) {
    options.outbase = '.';
  },
});
