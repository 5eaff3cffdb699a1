import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import type { Credentials, ExchangeId } from './client.js';
import { ExchangeError } from './errors.js';

const entry = z.strictObject({ apiKey: z.string().min(1), secret: z.string().min(1), password: z.string().min(1).optional() });
/** `exchange -> account -> keys`. */
const fileSchema = z.record(z.string(), z.record(z.string(), entry));

/**
 * An account's keys, from the environment first, then from a keys file:
 * - `BOTV3_<EXCHANGE>_<ACCOUNT>_API_KEY`, `..._SECRET`, `..._PASSWORD` (account upper-cased, `-` as `_`);
 * - for the `default` account, v2's names too: `BINANCE_API_KEY`, `BINANCE_API_SECRET`, `OKX_PASSPHRASE`...;
 * - a YAML file `{ binance: { default: { apiKey, secret } } }` that only its owner may read
 *   (mode 600 or stricter), else it is refused: keys readable by others are keys leaked.
 * Undefined when none are set (public data still works; orders fail with `ERR_AUTH_FAILED`).
 */
export function resolveCredentials(exchange: ExchangeId, account: string, options: { env?: NodeJS.ProcessEnv; file?: string } = {}): Credentials | undefined {
  const env = options.env ?? process.env;
  const prefix = `BOTV3_${exchange}_${account}`.toUpperCase().replace(/-/g, '_');
  const names = [[`${prefix}_API_KEY`, `${prefix}_SECRET`, `${prefix}_PASSWORD`]];
  if (account === 'default') {
    const v2 = exchange.toUpperCase();
    names.push([`${v2}_API_KEY`, `${v2}_API_SECRET`, `${v2}_PASSPHRASE`]);
  }
  for (const [key, secret, password] of names) {
    const apiKey = env[key!];
    const secretValue = env[secret!];
    if (apiKey && secretValue) return { apiKey, secret: secretValue, ...(env[password!] ? { password: env[password!]! } : {}) };
  }
  return options.file ? readKeysFile(options.file)[exchange]?.[account] : undefined;
}

function readKeysFile(file: string): z.infer<typeof fileSchema> {
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new ExchangeError('ERR_AUTH_FAILED', 'keys', `${file}: readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  }
  const parsed = fileSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ExchangeError('ERR_AUTH_FAILED', 'keys', `${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}
