// Worker entry when running from TypeScript sources (vitest): Node 20 workers cannot load `.ts`, so
// register tsx's loader in this thread first. Built code uses dist/runtime/worker-entry.js instead.
//
// A test run builds these same sources once (test/global-setup.ts names the build in
// BOTV3_PREBUILT_DIR, and only when it matches the sources): an actor module that has a built twin
// there runs from it, starting in a third of the time, since the thread then loads no TypeScript loader
// and compiles nothing. A module outside the build (a test's own fixture actor) still goes through tsx.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { workerData } from 'node:worker_threads';

const sources = new URL('../', import.meta.url).href;
const built = process.env.BOTV3_PREBUILT_DIR;
const module = workerData.module;
const twin = built && module.startsWith(sources) && module.endsWith('.ts') ? new URL(module.slice(sources.length).replace(/\.ts$/, '.js'), pathToFileURL(`${built}/`)) : undefined;

if (twin && existsSync(twin)) {
  workerData.module = twin.href;
  // The twin's single-file build when there is one, as a built platform starts it.
  const { bundleOf } = await import(new URL('runtime/module-url.js', pathToFileURL(`${built}/`)).href);
  await import((bundleOf(twin.href) ?? new URL('runtime/worker-entry.js', pathToFileURL(`${built}/`))).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./worker-entry.ts');
}
