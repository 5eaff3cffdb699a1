import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MigrationError } from '../errors.js';
import { scrub } from '../secrets.js';
import { libpqLogin } from './credentials.js';

const run = promisify(execFile);

export type PgToolName = 'pg_dump' | 'pg_restore';

/** A PostgreSQL client program found on this machine. */
export interface PgTool {
  name: PgToolName;
  /** What is executed: the bare name (looked up on PATH) or a path in the given directory. */
  path: string;
  /** As `--version` prints it: `15.20`. */
  version: string;
  major: number;
}

/** Where a tool was looked for, for messages. */
export const whereLooked = (binDir: string | undefined): string => (binDir ? `in ${binDir}` : 'on PATH');

/**
 * Finds `name` (on PATH, or in `binDir`) and reads its version; undefined when it is not there or does
 * not run.
 */
export async function findPgTool(name: PgToolName, binDir?: string): Promise<PgTool | undefined> {
  const path = binDir ? join(binDir, name) : name;
  try {
    const { stdout } = await run(path, ['--version']);
    // `pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)`, `pg_dump (PostgreSQL) 17beta1`
    const match = /\(PostgreSQL\)\s+((\d+)[\w.]*)/.exec(stdout);
    if (!match) return undefined;
    return { name, path, version: match[1]!, major: Number(match[2]) };
  } catch {
    return undefined;
  }
}

/**
 * Why `tool` cannot dump a server of version `serverMajor` (pg_dump refuses a server newer than
 * itself), or undefined when it can.
 */
export function pgDumpUnusable(tool: PgTool | undefined, serverMajor: number, binDir?: string): string | undefined {
  if (!tool) return `pg_dump was not found ${whereLooked(binDir)}`;
  if (tool.major < serverMajor) return `pg_dump ${tool.version} cannot dump a PostgreSQL ${serverMajor} server (it needs pg_dump ${serverMajor} or newer)`;
  return undefined;
}

/**
 * Runs a PostgreSQL client program against `url`: the URL goes in `--dbname` without its password
 * (which goes in `PGPASSWORD`), the program never prompts, and a failure is an `ERR_BACKUP` error
 * carrying the program's own message, with the password masked should it appear.
 */
async function runTool(tool: PgTool, url: string, args: readonly string[], what: string): Promise<void> {
  const login = libpqLogin(url);
  try {
    await run(tool.path, ['--no-password', `--dbname=${login.dbname}`, ...args], { env: login.env, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string; code?: number | string };
    const detail = failure.stderr?.trim() || failure.message;
    throw new MigrationError('ERR_BACKUP', scrub(`${what} failed: ${detail}`, login.secrets), { cause: new Error(scrub(detail, login.secrets)) });
  }
}

/**
 * `pg_dump --format=custom --file FILE` of the whole database at `url`; with `snapshot` (from
 * `pg_export_snapshot()` of a transaction kept open meanwhile) it dumps exactly what that transaction sees.
 */
export async function pgDump(tool: PgTool, url: string, file: string, snapshot?: string): Promise<void> {
  await runTool(tool, url, ['--format=custom', `--file=${file}`, ...(snapshot ? [`--snapshot=${snapshot}`] : [])], `pg_dump ${tool.version}`);
}

/**
 * `pg_restore` of a custom-format dump into `url`, in one transaction (all or nothing), without the
 * source's owners and grants (roles the target may not have); `clean` drops the dump's objects first.
 */
export async function pgRestore(tool: PgTool, url: string, file: string, clean: boolean): Promise<void> {
  const args = ['--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', ...(clean ? ['--clean', '--if-exists'] : []), file];
  await runTool(tool, url, args, `pg_restore ${tool.version}`);
}
