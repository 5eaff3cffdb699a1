import type { z } from 'zod';
import { RuntimeError } from './errors.js';
import { issueField } from './issues.js';

/** Every message is plain data with a string `type` tag. */
export interface Message {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** An actor's address: a unique name such as `trader.alpha`. */
export type Address = string;

const MAX_DEPTH = 64;

/** Objects that cross a `postMessage` whole, with no field of theirs to check. */
const passesWhole = (object: object): boolean => object instanceof Date || object instanceof ArrayBuffer || ArrayBuffer.isView(object);

/** A plain object's prototype: `Object.prototype`, or none. */
const isPlainPrototype = (proto: unknown): boolean => proto === Object.prototype || proto === null;

/**
 * Checks that `value` is plain data that survives a `postMessage` unchanged: primitives, arrays,
 * plain objects, Date, Map, Set, ArrayBuffer and typed arrays. Functions, symbols, class instances and
 * cycles are rejected here, at the sender, with the path of the offending field, instead of failing a
 * whole batch later inside `postMessage`.
 */
export function assertPlainData(value: unknown, path = 'message'): void {
  if (!isSimplePlain(value, 0)) check(value, [], [], path);
}

/**
 * The check's fast path, taken by nearly every message: true when `value` is primitives, arrays, plain
 * objects, Dates, ArrayBuffers and typed arrays no deeper than `MAX_DEPTH`, found without allocating.
 * False when it could not tell (a Map or Set, a cycle, which runs into the depth, or anything refused):
 * the full check then decides, and names the field.
 */
function isSimplePlain(value: unknown, depth: number): boolean {
  const type = typeof value;
  if (type !== 'object') return type !== 'function' && type !== 'symbol';
  if (value === null) return true;
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isSimplePlain(value[i], depth + 1)) return false;
    return true;
  }
  if (isPlainPrototype(Object.getPrototypeOf(value))) {
    for (const key in value as object) if (!isSimplePlain((value as Record<string, unknown>)[key], depth + 1)) return false;
    return true;
  }
  return passesWhole(value as object);
}

/**
 * A step from an object to a field: an array index, an object key, or a Map entry's key (`{ key }`) or
 * value (`{ value }`), or a Set's item (`{ item }`). Kept as they are and turned into a path only for an
 * error: a message of a thousand fields is checked without building a thousand strings.
 */
type Step = number | string | { key: unknown } | { value: unknown } | { item: true };

/** `ancestors` is the chain of objects above `value` (meeting one again is a cycle); `steps` the way down to it. */
function check(value: unknown, ancestors: object[], steps: Step[], root: string): void {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return;
    case 'function':
      throw notCloneable(pathOf(root, steps), 'a function');
    case 'symbol':
      throw notCloneable(pathOf(root, steps), 'a symbol');
  }
  if (value === null) return;
  const object = value as object;
  if (ancestors.includes(object)) throw notCloneable(pathOf(root, steps), 'a reference back to one of its parents (a cycle)');
  if (ancestors.length >= MAX_DEPTH) throw notCloneable(pathOf(root, steps), `nested deeper than ${MAX_DEPTH} levels`);
  if (passesWhole(object)) return;
  ancestors.push(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      steps.push(i);
      check(object[i], ancestors, steps, root);
      steps.pop();
    }
  } else if (object instanceof Map) {
    for (const [k, v] of object) {
      steps.push({ key: k });
      check(k, ancestors, steps, root);
      steps[steps.length - 1] = { value: k };
      check(v, ancestors, steps, root);
      steps.pop();
    }
  } else if (object instanceof Set) {
    steps.push({ item: true });
    for (const v of object) check(v, ancestors, steps, root);
    steps.pop();
  } else {
    const proto = Object.getPrototypeOf(object);
    if (!isPlainPrototype(proto)) {
      throw notCloneable(pathOf(root, steps), `an instance of ${proto?.constructor?.name ?? 'an unknown class'}`);
    }
    for (const key in object) {
      steps.push(key);
      check((object as Record<string, unknown>)[key], ancestors, steps, root);
      steps.pop();
    }
  }
  ancestors.pop();
}

/** `message.orders[0].price`, `message.byId<key>`, `message.byId<abc>`, `message.tags<item>`. */
function pathOf(root: string, steps: readonly Step[]): string {
  let path = root;
  for (const step of steps) {
    if (typeof step === 'number') path += `[${step}]`;
    else if (typeof step === 'string') path += `.${step}`;
    else if ('key' in step) path += '<key>';
    else if ('value' in step) path += `<${String(step.value)}>`;
    else path += '<item>';
  }
  return path;
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
  const field = issueField(issue).path.join('.') || 'type';
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
