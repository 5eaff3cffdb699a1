/**
 * `record[key]` for a key that came from outside (an API path, a message): only the record's own
 * entries, never what its prototype has under names such as `constructor` or `__proto__`.
 */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
