import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** One row as COPY's text format carries it: each column's text, or null for SQL NULL. */
export type Row = (string | null)[];

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

/**
 * Decodes one field of COPY's text format: `\N` is NULL, and backslash escapes (`\t`, `\\`, octal
 * `\101`, hex `\x41`) give their characters.
 *
 * @example
 * decodeField('a\\tb') // 'a\tb'
 * decodeField('\\N')   // null
 */
export function decodeField(raw: string): string | null {
  if (raw === '\\N') return null;
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, code: string) => {
    if (code[0] === 'x') return String.fromCharCode(parseInt(code.slice(1), 16));
    if (/^[0-7]/.test(code)) return String.fromCharCode(parseInt(code, 8));
    return ESCAPES[code] ?? code;
  });
}

const SPECIAL = /[\\\t\n\r]/;

/** Encodes a value as a field of COPY's text format (the inverse of `decodeField`). */
export function encodeField(value: string | null): string {
  if (value === null) return '\\N';
  if (!SPECIAL.test(value)) return value;
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** One line of COPY text (without its newline) as a row. */
export function decodeRow(line: string): Row {
  return line.split('\t').map(decodeField);
}

/** A row as one line of COPY text, newline included. */
export function encodeRow(row: readonly (string | null)[]): string {
  let line = encodeField(row[0] ?? null);
  for (let i = 1; i < row.length; i++) line += `\t${encodeField(row[i] ?? null)}`;
  return `${line}\n`;
}

/**
 * The rows of a `COPY ... TO STDOUT` stream, a batch per chunk the server sent. In the text format a
 * newline always ends a row (one inside a value is escaped), so rows are cut at newlines, carrying a
 * partial row over to the next chunk.
 */
export async function* copyRows(stream: Readable): AsyncGenerator<Row[]> {
  let rest = '';
  // A chunk may end inside a multi-byte character; the decoder carries its first bytes over.
  const decoder = new StringDecoder('utf8');
  for await (const chunk of stream) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
    const end = text.lastIndexOf('\n');
    if (end === -1) {
      rest = text;
      continue;
    }
    rest = text.slice(end + 1);
    const lines = text.slice(0, end).split('\n');
    yield lines.map(decodeRow);
  }
  if (rest !== '') yield [decodeRow(rest)];
}
