/**
 * The password of a database or API URL, in every form a message may show it: decoded, as written,
 * and re-encoded; from the user info or a `password=` parameter. Empty when there is none, or when
 * `url` is not a URL.
 *
 * @example
 * urlSecrets('postgres://bot:p%40ss@db/v2') // ['p@ss', 'p%40ss']
 */
export function urlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const encoded = parsed.password || parsed.searchParams.get('password') || '';
  if (!encoded) return [];
  const password = decodeOrKeep(encoded);
  return [...new Set([password, encoded, encodeURIComponent(password)])];
}

/** `text` decoded from its URL escapes, or as it is when an escape is malformed. */
export function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A `scheme://user:password@` prefix. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*:)[^\s/?#@]*@/gi;

/**
 * `text` for a terminal: the password of any URL in it masked, and each of `secrets` (a token, a
 * password) masked wherever it appears, the longest first so that one inside another is masked whole.
 */
export function scrub(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text.replace(USERINFO, '$1***@');
  const words = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s !== ''))].sort((a, b) => b.length - a.length);
  for (const word of words) out = out.split(word).join('***');
  return out;
}
