import { existsSync } from 'node:fs';

/**
 * URL of a module next to `base`, written without extension: `.ts` when running from sources (vitest,
 * tsx), `.js` when running from dist/, whose tree mirrors the sources.
 *
 * @example
 * ```ts
 * system.spawn({ id: 'trader.alpha', module: moduleUrl('../../actors/trader/trader', import.meta.url) });
 * ```
 */
export function moduleUrl(relative: string, base: string): URL {
  return new URL(`${relative}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}

const bundles = new Map<string, URL | undefined>();

/**
 * The single-file build of a built actor module, when the build made one (`name.bundle.cjs` beside
 * `name.js`: the module, its dependencies and the worker entry in one CommonJS file): a thread loads it
 * (see `runtime/bundle-loader.cjs`) instead of the generic entry, which imports the module's graph file
 * by file.
 */
export function bundleOf(module: string): URL | undefined {
  if (!bundles.has(module)) {
    const bundle = module.endsWith('.js') ? new URL(module.replace(/\.js$/, '.bundle.cjs')) : undefined;
    bundles.set(module, bundle && existsSync(bundle) ? bundle : undefined);
  }
  return bundles.get(module);
}
