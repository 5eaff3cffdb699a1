import { z } from 'zod';
import { RuntimeError } from './errors.js';
import { issuePath } from './issues.js';

/**
 * Spawn and supervisor options, validated up front so that a typo fails at start with the path of
 * the bad field, not later with a confusing crash.
 */

const positiveInt = z.number().int().positive();

/**
 * Batches an actor has in flight by default. The supervisor takes acknowledgements only between turns
 * of its event loop, so a sender that queues thousands of messages in one turn (a feed, a burst of
 * API requests) must find the worker with enough in hand to stay busy meanwhile: with 8, a turn that
 * queued 20,000 left the worker idle half the time.
 */
export const WINDOW_BATCHES = 32;

const mailboxSchema = z.strictObject({
  /** Hard bound on unacknowledged messages. */
  capacity: positiveInt.default(10_000),
  overflow: z.enum(['backpressure', 'drop-oldest', 'drop-newest']).default('backpressure'),
});

const heartbeatSchema = z.strictObject({
  intervalMs: positiveInt.default(500),
  /** A worker whose event loop has not beaten for this long is hung: it is terminated and restarted. */
  timeoutMs: positiveInt.default(5_000),
});

export const actorSpecSchema = z.strictObject({
  id: z.string().regex(/^[\w.:-]+$/, 'use letters, digits and . _ : -'),
  /** Path or file URL of a module whose default export is `defineActor(...)`. */
  module: z.union([z.string().min(1), z.instanceof(URL)]),
  placement: z.enum(['main', 'worker']).default('worker'),
  restart: z.enum(['permanent', 'transient', 'temporary']).default('permanent'),
  /** Plain data handed to the actor as `ctx.args`. */
  args: z.unknown().optional(),
  mailbox: mailboxSchema.prefault({}),
  /** Most messages per batch handed to the actor. */
  batchSize: positiveInt.default(1_000),
  /** Most messages in flight (handed over, not yet acknowledged); default `WINDOW_BATCHES` batches. */
  window: positiveInt.optional(),
  /** A message in hand when the actor crashed this many times goes to the dead letters. */
  maxFailures: positiveInt.default(3),
  heartbeat: heartbeatSchema.prefault({}),
  resourceLimits: z
    .strictObject({
      maxOldGenerationSizeMb: positiveInt.optional(),
      maxYoungGenerationSizeMb: positiveInt.optional(),
      stackSizeMb: positiveInt.optional(),
    })
    .optional(),
  /** How long loading the module and `init` may take before the worker is terminated as hung. */
  startTimeoutMs: positiveInt.default(30_000),
  /** How long a graceful stop may take before the worker is terminated. */
  shutdownTimeoutMs: positiveInt.default(5_000),
  /**
   * Actors this one exchanges sends with directly, thread to thread, both ways (see `LinkSegment`). Only
   * between two worker actors; an address that is not one (yet) is left to the mailbox path.
   */
  links: z.array(z.string()).default([]),
});

export type ActorSpecInput = z.input<typeof actorSpecSchema>;
export type ActorSpec = z.output<typeof actorSpecSchema>;

const supervisorFields = {
  id: z.string().regex(/^[\w.:-]+$/, 'use letters, digits and . _ : -'),
  strategy: z.enum(['one_for_one', 'one_for_all', 'rest_for_one']).default('one_for_one'),
  /** Restart type of this supervisor when nested under another. */
  restart: z.enum(['permanent', 'transient', 'temporary']).default('permanent'),
  /** At most `maxRestarts` restarts of one child within `withinMs`; one more and the child has failed. */
  intensity: z
    .strictObject({ maxRestarts: z.number().int().nonnegative().default(5), withinMs: positiveInt.default(30_000) })
    .prefault({}),
  /** Delay before the n-th restart within the window: 0 for the first, then initialMs * 2^(n-1), capped, with jitter. */
  backoff: z
    .strictObject({
      initialMs: z.number().nonnegative().default(50),
      maxMs: z.number().nonnegative().default(10_000),
      jitter: z.number().min(0).max(1).default(0.2),
    })
    .prefault({}),
  /** When a child fails for good: `isolate` keeps the siblings running, `escalate` fails this supervisor too. */
  onChildFailure: z.enum(['isolate', 'escalate']).default('isolate'),
};

export type SupervisorSpecInput = {
  id: string;
  strategy?: 'one_for_one' | 'one_for_all' | 'rest_for_one';
  restart?: 'permanent' | 'transient' | 'temporary';
  intensity?: { maxRestarts?: number; withinMs?: number };
  backoff?: { initialMs?: number; maxMs?: number; jitter?: number };
  onChildFailure?: 'isolate' | 'escalate';
  children?: ChildSpecInput[];
};

export type ChildSpecInput = ActorSpecInput | SupervisorSpecInput;

export interface SupervisorSpec {
  id: string;
  strategy: 'one_for_one' | 'one_for_all' | 'rest_for_one';
  restart: 'permanent' | 'transient' | 'temporary';
  intensity: { maxRestarts: number; withinMs: number };
  backoff: { initialMs: number; maxMs: number; jitter: number };
  onChildFailure: 'isolate' | 'escalate';
  children: ChildSpec[];
}

export type ChildSpec = ActorSpec | SupervisorSpec;

const supervisorSpecSchema = z.strictObject({ ...supervisorFields, children: z.array(z.unknown()).default([]) });

/** Parses a child spec, recursing into nested supervisors; an object with a `module` is an actor. */
export function parseChildSpec(input: unknown, path: string): ChildSpec {
  if (typeof input === 'object' && input !== null && 'module' in input) return parseOptions(actorSpecSchema, input, path);
  const spec = parseOptions(supervisorSpecSchema, input, path);
  return { ...spec, children: spec.children.map((child, i) => parseChildSpec(child, `${path}.children[${i}]`)) };
}

export function isSupervisorSpec(spec: ChildSpec): spec is SupervisorSpec {
  return 'children' in spec;
}

/** Parses options or throws `ERR_INVALID_OPTION` naming the bad field, e.g. `children[1].mailbox.capacity`. */
export function parseOptions<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new RuntimeError('ERR_INVALID_OPTION', `${issuePath(what, issue.path)}: ${issue.message}`, { cause: parsed.error });
}
