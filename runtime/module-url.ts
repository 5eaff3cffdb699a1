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
