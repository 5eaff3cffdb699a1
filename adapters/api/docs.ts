import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';

/**
 * The interactive API reference at `/docs`: Swagger UI on the OpenAPI document, its files served from
 * the `swagger-ui-dist` package by this server, so the page works offline and loads nothing from
 * elsewhere (its Content-Security-Policy allows this origin only). "Authorize" takes a bearer token.
 */

/** Where the document is served (routes/public.ts). */
const DOCUMENT_URL = '/api/v1/openapi.json';

/** The package's files the page loads, with their types; nothing else of the package is served. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=UTF-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=UTF-8',
  'favicon-32x32.png': 'image/png',
};

/** Swagger UI's own start, as a file: the CSP runs no inline script. `validatorUrl: null` keeps it from asking swagger.io to check the document. */
const INIT = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(DOCUMENT_URL)}, dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null });\n`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>BOT Trading v3 API</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

/** Swagger UI sets styles inline and shows inline images (`data:`); everything else comes from here. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const DIST = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** `/docs` and its files. The package's files are read once, when first asked for, and kept. */
export function docsRoutes(): Hono {
  const read = new Map<string, Promise<Buffer>>();
  const asset = (name: string) => {
    let file = read.get(name);
    if (!file) {
      file = readFile(join(DIST, name));
      read.set(name, file);
    }
    return file;
  };
  const headers = (type: string) => ({ 'Content-Type': type, 'Content-Security-Policy': CSP });
  return new Hono()
    .get('/docs', (c) => c.body(PAGE, 200, headers('text/html; charset=UTF-8')))
    .get('/docs/init.js', (c) => c.body(INIT, 200, headers(ASSETS['swagger-ui-bundle.js']!)))
    .get('/docs/:file', async (c, next) => {
      const name = c.req.param('file');
      const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
      if (!type) return next();
      return c.body(new Uint8Array(await asset(name)), 200, { ...headers(type), 'Cache-Control': 'public, max-age=86400' });
    });
}
