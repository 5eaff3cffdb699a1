/** One line of `botv3 migrate verify`: a check, whether it passed, and what it found (or why it failed). */
export interface VerifyRow {
  check: string;
  ok: boolean;
  detail: string;
}

/** What a check finds: the row without its name. */
export type Outcome = Omit<VerifyRow, 'check'>;

export const pass = (detail: string): Outcome => ({ ok: true, detail });
export const fail = (detail: string): Outcome => ({ ok: false, detail });

/** A failure whose message is already the reason to print. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
}

/**
 * The reason of an error, in one line: a network error's cause (`connect ECONNREFUSED 127.0.0.1:8080`)
 * rather than fetch's bare "fetch failed", the first of an AggregateError's errors (a host name that
 * resolves to several addresses), a system error's code (`ECONNRESET`) when the message lacks it.
 */
export function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message === 'fetch failed' && error.cause !== undefined) return reasonOf(error.cause);
  const code = (error as { code?: unknown }).code;
  let message = error.message;
  if (!message && error instanceof AggregateError && error.errors.length > 0) message = reasonOf(error.errors[0]);
  // A system error's code says what happened (ECONNRESET); the ERR_ codes of Node and of v3's errors add nothing to their message.
  if (typeof code === 'string' && !message.includes(code) && (!message || !code.startsWith('ERR_'))) message = message ? `${code}: ${message}` : code;
  return oneLine(message || error.name);
}

/** `text` on one line, cut at `max` characters. */
export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Runs one check: whatever it throws becomes a FAIL row with the reason, and one that has not finished
 * `timeoutMs` after it started (checks enforce their own timeouts; this is the backstop) fails as well.
 */
export async function runCheck(check: string, timeoutMs: number, run: () => Promise<Outcome>): Promise<VerifyRow> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve(fail(`no result within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const outcome = await Promise.race([run().catch((error: unknown) => fail(reasonOf(error))), late]);
    return { check, ...outcome };
  } finally {
    clearTimeout(timer);
  }
}
