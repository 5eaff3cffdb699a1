import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Hono } from 'hono';

/** A built file of the dashboard, held in memory as it is and gzipped: a handful of files, read once. */
interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=UTF-8', '.js': 'text/javascript; charset=UTF-8', '.css': 'text/css; charset=UTF-8', '.map': 'application/json' };

/**
 * What the page may load: its own scripts, styles and API (the stream's WebSocket is same-origin too);
 * no inline script, nothing from another host. Inline styles are allowed: the chart library sizes its
 * canvases through style attributes.
 */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Where the build put the dashboard: `site/` beside this module once built (dist/); when running from
 * the sources (the tests), the build the test run made of them (`BOTV3_PREBUILT_DIR`).
 */
export function siteDir(): string | undefined {
  const candidates = [fileURLToPath(new URL('./site/', import.meta.url)), ...(process.env.BOTV3_PREBUILT_DIR ? [join(process.env.BOTV3_PREBUILT_DIR, 'adapters/dashboard/site')] : [])];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

async function loadSite(dir: string): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  const files = ['index.html', ...(await readdir(join(dir, 'assets'))).map((name) => `assets/${name}`)];
  for (const file of files) {
    const body = await readFile(join(dir, file));
    assets.set(`/${file}`, { type: TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream', body, gzip: gzipSync(body, { level: 9 }) });
  }
  return assets;
}

/**
 * The web dashboard at `/` on the API's port: the page and its two bundled files, from memory, gzipped
 * for browsers that take it. The page is public (it holds no data); everything it shows comes from the
 * API with the token the user signs in with. Without a build (`npm run build`) `/` says so.
 */
export async function dashboardRoutes(dir = siteDir()): Promise<Hono> {
  const app = new Hono();
  const site = dir ? await loadSite(dir) : undefined;
  const send = (path: string, cache: string) =>
    app.get(path === '/index.html' ? '/' : path, (c) => {
      const asset = site!.get(path)!;
      const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
      c.header('Content-Type', asset.type);
      c.header('Cache-Control', cache);
      c.header('Vary', 'Accept-Encoding');
      c.header('Content-Security-Policy', CSP);
      if (gzip) c.header('Content-Encoding', 'gzip');
      return c.body(new Uint8Array(gzip ? asset.gzip : asset.body));
    });
  if (!site) {
    app.get('/', (c) => c.text('The dashboard is not built: run `npm run build`.', 503));
    return app;
  }
  // The page is asked again each time (it names the current build); the files it names are revalidated too, as their names carry no hash.
  for (const path of site.keys()) send(path, 'no-cache');
  return app;
}
