import { CheckFailure, oneLine, reasonOf } from './row.js';

/** An answer of the API: its status and its body, parsed when it is JSON. */
export interface ApiAnswer {
  status: number;
  body: unknown;
  text: string;
}

/**
 * The API's base URL from what a user typed: `http(s)://host:port`, with a path prefix kept (an API
 * behind a proxy under `/bot`), and a trailing `/` or `/api/v1` dropped.
 */
export function apiBase(api: string): URL {
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new CheckFailure('--api: not a URL such as http://127.0.0.1:8080');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CheckFailure(`--api: the protocol must be http: or https:, got ${url.protocol}`);
  url.search = '';
  url.hash = '';
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  return url;
}

/** `path` (such as `/api/v1/health`) under the API's base URL. */
export function endpoint(base: URL, path: string): string {
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${path}`;
}

/**
 * GET `url` with the bearer `token` when there is one, within `timeoutMs`. Resolves with any HTTP
 * answer; a network error or no answer in time throws a `CheckFailure` with the reason.
 */
export async function getJson(url: string, token: string | undefined, timeoutMs: number): Promise<ApiAnswer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(url, { headers, signal });
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, body, text };
  } catch (error) {
    if (signal.aborted) throw new CheckFailure(`no answer within ${timeoutMs} ms`);
    throw new CheckFailure(reasonOf(error));
  }
}

/** Why an answer is not the one wanted: `HTTP 401 ERR_UNAUTHORIZED: unknown or revoked token`. */
export function httpProblem(answer: ApiAnswer): string {
  const error = (answer.body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  if (error && typeof error.code === 'string') return oneLine(`HTTP ${answer.status} ${error.code}${typeof error.message === 'string' ? `: ${error.message}` : ''}`);
  const text = oneLine(answer.text, 120);
  return `HTTP ${answer.status}${text ? ` ${text}` : ''}`;
}
