import { parseEnv } from 'node:util';
import { EXCHANGE_IDS } from '../../adapters/exchanges/profiles/index.js';
import { configError, type Report } from './source.js';

/** One line of the v3 `.env`. */
export interface EnvVariable {
  name: string;
  value: string;
}

/** Variables written together under a comment saying what they are. */
export interface EnvGroup {
  comment: string;
  variables: EnvVariable[];
}

export interface EnvMigration extends Report {
  groups: EnvGroup[];
  /** v2's `WEB_PORT`: it becomes `api.port` in botv3.yaml, not a variable. */
  apiPort?: number;
  /** Exchanges whose `default` account has both an API key and a secret. */
  keyedExchanges: string[];
}

/** v3's own database, on v2's server: v2's stays as it was, for `botv3 migrate run` to read. */
export const V3_DATABASE = 'bot_trading_v3';

const PG_VARIABLES = ['PGHOST', 'PGPORT', 'PGUSER', 'PGPASSWORD', 'PGDATABASE'] as const;

/** v2 logged through Python's `logging`; v3 through pino. Pino's own names are taken as they are. */
const LOG_LEVELS: Readonly<Record<string, string>> = {
  CRITICAL: 'fatal',
  FATAL: 'fatal',
  ERROR: 'error',
  WARNING: 'warn',
  WARN: 'warn',
  INFO: 'info',
  DEBUG: 'debug',
  TRACE: 'trace',
  SILENT: 'silent',
};

type Lookup = (name: string) => string | undefined;

/**
 * Maps v2's `.env` (`file` names it in errors) to v3's variables, adding the Telegram bot token read
 * from telegram.yaml: v3 reads the token from the environment first, and secrets stay out of the YAML.
 * Summary lines name variables, never their values.
 */
export function migrateEnv(source: { file: string; text: string } | undefined, telegramToken?: string): EnvMigration {
  const file = source?.file ?? '.env';
  const vars = source ? parseEnv(source.text) : {};
  // An empty value is an unset one, as v2 and v3's credential lookup both treat it.
  const get: Lookup = (name) => vars[name] || undefined;
  const result: EnvMigration = { groups: [], lines: [], warnings: [], keyedExchanges: [] };
  const add = (comment: string, variables: EnvVariable[]) => {
    if (variables.length > 0) result.groups.push({ comment, variables });
  };

  if (source) add(`Databases: v3's own, and v2's for \`botv3 migrate run --from\` (v2's PG* variables).`, databaseVariables(get, file, result));
  add(`Exchange API keys of the "default" account the traders use (v2's <EXCHANGE>_API_KEY, _API_SECRET, _PASSPHRASE).`, exchangeVariables(get, result));
  add(`The AI reviewer's Claude key (v2's CLAUDE_API_KEY).`, renamed(get, 'CLAUDE_API_KEY', 'ANTHROPIC_API_KEY', result));
  if (telegramToken) {
    add(`The Telegram bot's token (v2's telegram.yaml bot_token); it wins over telegram.token in botv3.yaml.`, [{ name: 'TELEGRAM_BOT_TOKEN', value: telegramToken }]);
    result.lines.push('telegram.yaml bot_token -> TELEGRAM_BOT_TOKEN (set; value not shown)');
  }
  add("Log level (v2's LOG_LEVEL), as a pino level: fatal, error, warn, info, debug, trace or silent.", logLevel(get, file, result));
  const apiPort = webPort(get, file);
  if (apiPort !== undefined) result.apiPort = apiPort;
  add('v2 settings kept as they were: v3 does not read them.', otherVariables(vars, file, result));
  return result;
}

function databaseVariables(get: Lookup, file: string, report: Report): EnvVariable[] {
  const set = PG_VARIABLES.filter((name) => get(name) !== undefined);
  if (set.length === 0) {
    report.lines.push('PG* not set: no DATABASE_URL, so v3 uses its embedded PostgreSQL');
    return [];
  }
  const port = get('PGPORT') ?? '5432';
  if (!isPort(port)) throw configError(file, 'PGPORT', `"${port}" is not a port number`);
  // libpq's defaults for what v2 left unset, so the URLs name the server v2 used.
  const server: Server = { host: get('PGHOST') ?? 'localhost', port, user: get('PGUSER'), password: get('PGPASSWORD') };
  const v2Database = get('PGDATABASE');
  report.lines.push(`${set.join(', ')} -> V2_DATABASE_URL=${postgresUrl(server, v2Database, true)} (v2's database, for botv3 migrate run)`);
  report.lines.push(`${set.join(', ')} -> DATABASE_URL=${postgresUrl(server, V3_DATABASE, true)} (v3's own database on the same server; create it first: createdb ${V3_DATABASE})`);
  return [
    { name: 'DATABASE_URL', value: postgresUrl(server, V3_DATABASE, false) },
    { name: 'V2_DATABASE_URL', value: postgresUrl(server, v2Database, false) },
  ];
}

interface Server {
  host: string;
  port: string;
  user: string | undefined;
  password: string | undefined;
}

/** `masked` puts `***` for the password, for the summary. Without a database, pg connects to the user's, as libpq does. */
function postgresUrl(server: Server, database: string | undefined, masked: boolean): string {
  const password = server.password === undefined ? '' : `:${masked ? '***' : encodeURIComponent(server.password)}`;
  const auth = server.user === undefined ? '' : `${encodeURIComponent(server.user)}${password}@`;
  // A socket directory goes percent-encoded in the host; an IPv6 address in brackets.
  const host = server.host.startsWith('/') ? encodeURIComponent(server.host) : server.host.includes(':') ? `[${server.host}]` : server.host;
  return `postgres://${auth}${host}:${server.port}${database === undefined ? '' : `/${encodeURIComponent(database)}`}`;
}

/** The names `resolveCredentials` reads for an exchange's `default` account, by v2 name. */
function exchangeVariables(get: Lookup, result: EnvMigration): EnvVariable[] {
  const variables: EnvVariable[] = [];
  for (const id of EXCHANGE_IDS) {
    const v2 = id.toUpperCase();
    const v3 = `BOTV3_${v2}_DEFAULT`;
    for (const [from, to] of [
      [`${v2}_API_KEY`, `${v3}_API_KEY`],
      [`${v2}_API_SECRET`, `${v3}_SECRET`],
      [`${v2}_PASSPHRASE`, `${v3}_PASSWORD`],
    ] as const) {
      variables.push(...renamed(get, from, to, result));
    }
    const hasKey = get(`${v2}_API_KEY`) !== undefined;
    const hasSecret = get(`${v2}_API_SECRET`) !== undefined;
    if (hasKey && hasSecret) result.keyedExchanges.push(id);
    else if (hasKey || hasSecret) result.warnings.push(`${v2}_API_KEY and ${v2}_API_SECRET: only one is set, and v3 needs both, so ${id} has no keys`);
  }
  return variables;
}

function renamed(get: Lookup, from: string, to: string, report: Report): EnvVariable[] {
  const value = get(from);
  if (value === undefined) return [];
  report.lines.push(`${from} -> ${to} (set; value not shown)`);
  return [{ name: to, value }];
}

function logLevel(get: Lookup, file: string, report: Report): EnvVariable[] {
  const level = get('LOG_LEVEL');
  if (level === undefined) return [];
  const pino = LOG_LEVELS[level.trim().toUpperCase()];
  if (!pino) throw configError(file, 'LOG_LEVEL', `"${level}" is not a log level (DEBUG, INFO, WARNING, ERROR or CRITICAL)`);
  report.lines.push(`LOG_LEVEL=${level} -> LOG_LEVEL=${pino}`);
  return [{ name: 'LOG_LEVEL', value: pino }];
}

function webPort(get: Lookup, file: string): number | undefined {
  const port = get('WEB_PORT');
  if (port === undefined) return undefined;
  if (!isPort(port)) throw configError(file, 'WEB_PORT', `"${port}" is not a port number`);
  return Number(port);
}

function isPort(value: string): boolean {
  return /^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 65_535;
}

/** Every variable no mapping reads: v2 add-ons may still want them, so they are kept, not lost. */
function otherVariables(vars: NodeJS.Dict<string>, file: string, result: EnvMigration): EnvVariable[] {
  const read = new Set<string>([...PG_VARIABLES, 'CLAUDE_API_KEY', 'WEB_PORT', 'LOG_LEVEL']);
  for (const id of EXCHANGE_IDS) for (const suffix of ['API_KEY', 'API_SECRET', 'PASSPHRASE']) read.add(`${id.toUpperCase()}_${suffix}`);
  const written = new Set(result.groups.flatMap((group) => group.variables.map((v) => v.name)));
  const kept: EnvVariable[] = [];
  for (const [name, value] of Object.entries(vars)) {
    if (read.has(name) || value === undefined) continue;
    // Two lines of one name: the later wins, which would be v2's stale value over the mapped one.
    if (written.has(name)) result.warnings.push(`${name}: set in ${file} too; the value mapped from v2's settings is written instead`);
    else kept.push({ name, value });
  }
  if (kept.length > 0) result.lines.push(`${kept.map((v) => v.name).join(', ')}: kept in .env as they were, not read by v3 (values not shown)`);
  return kept;
}
