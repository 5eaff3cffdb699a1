import type { z } from 'zod';
import { RuntimeError } from './errors.js';

/** Every message is plain data with a string `type` tag. */
export interface Message {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** An actor's address: a unique name such as `trader.alpha`. */
export type Address = string;

const MAX_DEPTH = 32;

/**
 * Checks that `value` is plain data that survives a `postMessage` unchanged: primitives, arrays,
 * plain objects, Date, Map, Set and typed arrays. Functions, symbols, class instances and cycles
 * are rejected here, at the sender, with the path of the offending field, instead of failing a
 * whole batch later inside `postMessage`.
 */
export function assertPlainData(value: unknown, path = 'message'): void {
  check(value, path, 0);
}

function check(value: unknown, path: string, depth: number): void {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return;
    case 'function':
      throw notCloneable(path, 'a function');
    case 'symbol':
      throw notCloneable(path, 'a symbol');
  }
  if (value === null) return;
  if (depth >= MAX_DEPTH) throw notCloneable(path, `nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) check(value[i], `${path}[${i}]`, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    for (const key in value as Record<string, unknown>) {
      check((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    }
    return;
  }
  if (value instanceof Date || ArrayBuffer.isView(value)) return;
  if (value instanceof Map) {
    for (const [k, v] of value) {
      check(k, `${path}<key>`, depth + 1);
      check(v, `${path}<${String(k)}>`, depth + 1);
    }
    return;
  }
  if (value instanceof Set) {
    for (const v of value) check(v, `${path}<item>`, depth + 1);
    return;
  }
  throw notCloneable(path, `an instance of ${proto?.constructor?.name ?? 'an unknown class'}`);
}

function notCloneable(path: string, what: string): RuntimeError {
  return new RuntimeError('ERR_NOT_CLONEABLE', `${path} is ${what}; messages must be plain data`);
}

/**
 * Validates a message entering an actor's mailbox: plain data with a string `type`, then the
 * actor's own schema when it declares one. The error names the first bad field.
 */
export function validateMessage<M extends Message>(
  value: unknown,
  to: Address,
  schema?: z.ZodType<M>,
  /** False for messages that already crossed `postMessage` or passed the check in the sending actor. */
  checkPlain = true,
): M {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RuntimeError('ERR_INVALID_MESSAGE', `message to ${to} must be an object with a string "type", got ${describe(value)}`);
  }
  if (typeof (value as { type?: unknown }).type !== 'string') {
    throw new RuntimeError('ERR_INVALID_MESSAGE', `message to ${to}: field "type" must be a string, got ${describe((value as { type?: unknown }).type)}`);
  }
  if (checkPlain) assertPlainData(value);
  if (!schema) return value as M;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length > 0 ? issue.path.join('.') : 'type';
  throw new RuntimeError(
    'ERR_INVALID_MESSAGE',
    `message "${(value as Message).type}" to ${to}: field "${field}": ${issue.message}`,
    { cause: parsed.error },
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
