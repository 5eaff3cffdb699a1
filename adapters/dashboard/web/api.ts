/** The REST API as the dashboard calls it: same origin, the signed-in token as a bearer token. */

const TOKEN_KEY = 'botv3.token';

/** An API error answer (`{ error: { code, message, field } }`), as thrown by `call`. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(field ? `${message} (${field})` : message);
  }
}

/** The tab's token: in session storage, so it leaves with the tab and never appears in a URL. */
export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

/**
 * `method path` on `/api/v1` with JSON in and out. A 401 signs the tab out (the token was revoked):
 * `onSignedOut` takes the user back to the sign-in form.
 */
export async function call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${session.token() ?? ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`/api/v1${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  if (response.status === 204) return undefined as T;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = (data as { error?: { code?: string; message?: string; field?: string } }).error ?? {};
    if (response.status === 401) {
      session.signOut();
      signedOut.forEach((listener) => listener());
    }
    throw new ApiFailure(response.status, error.code ?? `HTTP ${response.status}`, error.message ?? response.statusText, error.field);
  }
  return data as T;
}

const signedOut = new Set<() => void>();
/** Called when the API refuses the token. */
export function onSignedOut(listener: () => void): () => void {
  signedOut.add(listener);
  return () => signedOut.delete(listener);
}

/** A query string of the defined values of `params`. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
