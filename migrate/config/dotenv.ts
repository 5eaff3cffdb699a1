import { MigrationError } from '../errors.js';
import type { EnvGroup } from './env.js';

const HEADER = [
  '# BOT Trading v3 environment, written by `botv3 migrate config` from a v2 installation.',
  '# It holds secrets: keep it mode 600 and out of version control. v3 reads these from its',
  '# environment: load the file with `node --env-file=.env`, or your service manager (systemd',
  '# EnvironmentFile=, docker compose env_file).',
];

/** Characters that mean the same unquoted to Node's `parseEnv`, systemd and a POSIX shell. */
const BARE = /^[\w.,:/@%+=-]*$/;

/** The `.env` file: a header, then each group under its comment. */
export function renderEnvFile(groups: readonly EnvGroup[]): string {
  const blocks = groups.map((group) => [`# ${group.comment}`, ...group.variables.map((v) => `${v.name}=${quote(v.name, v.value)}`)].join('\n'));
  return `${[HEADER.join('\n'), ...blocks].join('\n\n')}\n`;
}

/**
 * Quotes a value so every reader of `.env` files gets it back unchanged: single quotes are literal
 * everywhere; double quotes only while nothing in them is expanded or escaped by one of the readers.
 */
function quote(name: string, value: string): string {
  if (BARE.test(value)) return value;
  if (!value.includes("'")) return `'${value}'`;
  if (!/["\\$`\n]/.test(value)) return `"${value}"`;
  throw new MigrationError('ERR_V2_CONFIG', `${name}: its value holds both ' and one of " \\ $ \` or a line break, which no .env quoting keeps intact; set it in .env by hand`);
}
