import type { z } from 'zod';

/**
 * Where a zod issue points, as the errors of every boundary name it. In a module of its own, without
 * schemas, so that a thread that only reports issues (every actor's, validating its messages) does not
 * build the runtime's option schemas as it loads.
 */

/** Where a zod issue points and what it says: an unknown field is named itself ("unknown field"), not the object holding it. */
export function issueField(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  return issue.code === 'unrecognized_keys' ? { path: [...issue.path, issue.keys[0]!], message: 'unknown field' } : { path: issue.path, message: issue.message };
}

/** `issuePath('root', ['children', 1, 'mailbox'])` -> `root.children[1].mailbox`. */
export function issuePath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), root);
}
