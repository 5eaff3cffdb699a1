import { z } from 'zod';
import { issuePath } from '../../runtime/issues.js';

/** NUL, which no PostgreSQL text or jsonb value may hold, or a UTF-16 surrogate without its pair, which has no UTF-8 form. */
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/**
 * Why PostgreSQL cannot store `text`, or undefined when it can. The database refuses a NUL (and with it
 * the whole statement), and the driver turns a lone surrogate into U+FFFD: refused where text enters,
 * so neither a batch of other rows nor the text itself is lost later.
 */
export function unstorable(text: string): string | undefined {
  const at = text.search(UNSTORABLE);
  if (at < 0) return undefined;
  const what = text.charCodeAt(at) === 0 ? 'a NUL character (U+0000)' : 'an unpaired UTF-16 surrogate';
  return `holds ${what} at index ${at}, which cannot be stored`;
}

/**
 * A string PostgreSQL can store; first of its checks, so the reason is this one rather than a length.
 * Not aborting (`continue`), so that in a union with a number the string's reason is the one given.
 */
export const storableText = z.string().check((ctx) => {
  const reason = unstorable(ctx.value);
  if (reason !== undefined) ctx.issues.push({ code: 'custom', message: reason, input: ctx.value, continue: true });
});

/** A value of a parsed document, with the way back to the root to name its field. */
interface Node {
  value: unknown;
  key?: string | number;
  parent?: Node;
}

/**
 * The first string or key anywhere in `document` (a parsed JSON body or config file) that PostgreSQL
 * cannot store, with its field: whatever a document carries may end up in a row (a signal's text, a
 * trader's params as jsonb), and one such value refuses the write of every row beside it. Walked with
 * a stack, not recursion: a document may nest as deep as its size allows.
 */
export function unstorableIn(document: unknown): { field: string; reason: string } | undefined {
  const field = (node: Node) => {
    const path: (string | number)[] = [];
    for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) path.unshift(n.key);
    return issuePath('', path);
  };
  const stack: Node[] = [{ value: document }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { value, key } = node;
    const badKey = typeof key === 'string' ? unstorable(key) : undefined;
    if (badKey !== undefined) return { field: field(node.parent!), reason: `a key ${badKey}` };
    if (typeof value === 'string') {
      const reason = unstorable(value);
      if (reason !== undefined) return { field: field(node), reason };
    } else if (typeof value === 'object' && value !== null) {
      // Pushed last first, so the first bad text in document order is the one named.
      const entries = Array.isArray(value) ? value.map((item, i) => [i, item] as const) : Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) stack.push({ key: entries[i]![0], value: entries[i]![1], parent: node });
    }
  }
  return undefined;
}
