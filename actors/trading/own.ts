/**
 * `record[key]` for a key that came from outside (an API path, a message): only the record's own
 * entries, never what its prototype has under names such as `constructor` or `__proto__`.
 */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * A record keyed by ids that come and go, such as a trader's live orders: an object without a
 * prototype, which V8 keeps as a hash table from the start. A plain object, given a new id after each
 * one deleted, gets a new hidden class per id instead, several microseconds each, never freed.
 */
export function idRecord<T>(entries: Readonly<Record<string, T>>): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}
