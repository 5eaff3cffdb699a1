import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { issueField, issuePath } from '../../runtime/issues.js';
import { MigrationError } from '../errors.js';

/** What one step of the config migration tells the user: a line per mapping, and what needs a look. */
export interface Report {
  lines: string[];
  warnings: string[];
}

/** A v2 config file's text, or undefined when the installation has none (every file is optional). */
export async function readV2File(dir: string, name: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MigrationError('ERR_V2_CONFIG', `${name}: cannot read it (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, { cause });
  }
}

/** `strategies.yaml: strategies[1].pairs[0]: ...`: the file, then the field, then what is wrong. */
export function configError(file: string, field: string, message: string, cause?: unknown): MigrationError {
  return new MigrationError('ERR_V2_CONFIG', `${file}: ${field ? `${field}: ` : ''}${message}`, { cause });
}

/**
 * Parses a v2 YAML file. Merge keys (`<<: *defaults`) are read as v2's PyYAML read them. The error
 * gives the line and column but never the text around them, which could be a bot token.
 */
export function parseV2Yaml(file: string, text: string): Document {
  const doc = parseDocument(text, { merge: true });
  const error = doc.errors[0];
  if (error) {
    const where = error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    throw configError(file, '', `not valid YAML${where} (${error.code})`);
  }
  return doc;
}

/**
 * Validates a v2 file's data, throwing `ERR_V2_CONFIG` naming the file and the first bad field. zod's
 * messages never quote the value, so a bad secret is not echoed.
 */
export function parseV2<S extends z.ZodType>(file: string, schema: S, data: unknown, root = ''): z.output<S> {
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw issueError(file, issue, root, parsed.error);
}

/** The error for one zod issue: an unknown field is named itself, not its parent. */
export function issueError(file: string, issue: z.core.$ZodIssue, root = '', cause?: unknown): MigrationError {
  const { path } = issueField(issue);
  return configError(file, issuePath(root, path) || '(root)', issue.code === 'unrecognized_keys' ? 'unknown field: v3 has no place for it (remove it to migrate)' : issue.message, cause);
}
