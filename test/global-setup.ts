import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { dumpEmbeddedTemplate } from '../adapters/database/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why the build of .test-dist/ failed; '' when it is there and current. */
    cliBuildError: string;
  }
}

/** What tsup reads: its entries' folders (tsup.config.ts), the files it copies along, and its settings. */
const INPUT_DIRS = ['runtime', 'actors', 'adapters', 'ai', 'migrate', 'bench', 'test/helpers', 'test/fixtures', 'test/runtime/fixtures'];
const INPUT_FILES = ['tsup.config.ts', 'tsconfig.json', 'package.json'];
const STAMP = '.sources-sha256';
/** As in test/helpers/cli.ts, which runs what is built here (not imported: it imports vitest's test API). */
const root = fileURLToPath(new URL('../', import.meta.url));
const TEST_DIST = '.test-dist';
const CLI = 'adapters/cli/main.js';

/**
 * Builds the sources once per test run into .test-dist/, for the CLI tests (test/helpers/cli.ts) and
 * for worker threads, which run actor modules from it (runtime/worker-entry.dev.mjs); skipped
 * when .test-dist/ was built from the same sources. The build goes to a folder of its own and is then
 * moved into place, so a run never sees a half-written .test-dist/ of another run going on beside it.
 * A failed build fails the CLI tests with tsup's message, not the whole run.
 */
export default async function setup(project: TestProject): Promise<void> {
  const error = await buildCli().catch((e: unknown) => `the build of ${TEST_DIST}/ for the CLI tests failed: ${errorText(e)}`);
  project.provide('cliBuildError', error);
  // Worker threads started from the sources run actor modules from this build of them (runtime/worker-entry.dev.mjs).
  if (error === '') process.env.BOTV3_PREBUILT_DIR = join(root, TEST_DIST);
  // Tests and the CLIs they run start many new embedded databases: each a copy of one made here.
  process.env.BOTV3_PGLITE_TEMPLATE = await pgliteTemplate();
}

/** A new embedded database's dump, made once per PGlite version (`.scratch/`), for `BOTV3_PGLITE_TEMPLATE`. */
async function pgliteTemplate(): Promise<string> {
  const { version } = JSON.parse(await readFile(join(root, 'node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string };
  const file = join(root, '.scratch', `pglite-${version}.tar.gz`);
  if (await stat(file).then(() => true, () => false)) return file;
  await mkdir(dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  await dumpEmbeddedTemplate(partial);
  await rename(partial, file);
  return file;
}

async function buildCli(): Promise<string> {
  const hash = await sourcesHash();
  if ((await readFile(join(root, TEST_DIST, STAMP), 'utf8').catch(() => '')) === hash) return '';
  const scratch = join(root, '.scratch');
  const next = join(scratch, `test-dist-${process.pid}`);
  await mkdir(scratch, { recursive: true });
  try {
    const tsup = join(dirname(createRequire(import.meta.url).resolve('tsup/package.json')), 'dist/cli-default.js');
    await promisify(execFile)(process.execPath, [tsup, '--silent', '--out-dir', next], { cwd: root, env: { ...process.env, BOTV3_BUILD_TEST_ACTORS: '1' } });
    await readFile(join(next, CLI));
    await writeFile(join(next, STAMP), hash);
    await swapIn(next, join(scratch, `test-dist-old-${process.pid}`));
  } finally {
    await rm(next, { recursive: true, force: true });
  }
  return '';
}

/** Moves `next` to .test-dist/, the old one out of the way first; retried if another run swaps at the same time. */
async function swapIn(next: string, old: string): Promise<void> {
  const target = join(root, TEST_DIST);
  for (let attempt = 0; ; attempt++) {
    await rename(target, `${old}-${attempt}`).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    try {
      await rename(next, target);
      break;
    } catch (e) {
      if (attempt >= 10 || !['ENOTEMPTY', 'EEXIST'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    }
  }
  const stale = (await readdir(dirname(old))).filter((name) => name.startsWith(`test-dist-old-${process.pid}-`));
  await Promise.all(stale.map((name) => rm(join(dirname(old), name), { recursive: true, force: true })));
}

async function sourcesHash(): Promise<string> {
  const files = [...INPUT_FILES];
  for (const dir of INPUT_DIRS) {
    for (const entry of await readdir(join(root, dir), { recursive: true, withFileTypes: true })) {
      const path = relative(root, join(entry.parentPath, entry.name));
      if (entry.isFile() && !path.startsWith(join('bench', 'results'))) files.push(path);
    }
  }
  const hash = createHash('sha256');
  for (const file of files.sort()) hash.update(`${file}\0`).update(await readFile(join(root, file))).update('\0');
  return hash.digest('hex');
}

function errorText(e: unknown): string {
  const { stderr, stdout, message } = e as { stderr?: string; stdout?: string; message?: string };
  return [message, stdout, stderr].filter(Boolean).join('\n');
}
