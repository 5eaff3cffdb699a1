import { describe, expect, test } from 'vitest';
import { RuntimeError } from '../../runtime/errors.js';
import { actorSpecSchema, isSupervisorSpec, parseChildSpec, parseOptions } from '../../runtime/options.js';

/** Runs `fn`, expects ERR_INVALID_OPTION, and returns the error message. */
function optionError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe('ERR_INVALID_OPTION');
    return (error as RuntimeError).message;
  }
  throw new Error('expected ERR_INVALID_OPTION, nothing was thrown');
}

const root = (...children: unknown[]) => ({ id: 'root', children });
const actor = (extra: Record<string, unknown> = {}) => ({ id: 'trader.alpha', module: './trader.js', ...extra });

describe('parseChildSpec defaults', () => {
  test('fills every default of an actor spec', () => {
    expect(parseChildSpec(actor(), 'root')).toEqual({
      id: 'trader.alpha',
      module: './trader.js',
      placement: 'worker',
      restart: 'permanent',
      mailbox: { capacity: 10_000, overflow: 'backpressure' },
      batchSize: 1_000,
      maxFailures: 3,
      heartbeat: { intervalMs: 500, timeoutMs: 5_000 },
      startTimeoutMs: 30_000,
      shutdownTimeoutMs: 5_000,
      links: [],
    });
  });

  test('keeps given values and fills the rest of a partial nested object', () => {
    const spec = parseChildSpec(actor({ placement: 'main', mailbox: { overflow: 'drop-oldest' }, heartbeat: { timeoutMs: 900 } }), 'root');
    expect(spec).toMatchObject({
      placement: 'main',
      mailbox: { capacity: 10_000, overflow: 'drop-oldest' },
      heartbeat: { intervalMs: 500, timeoutMs: 900 },
    });
  });

  test('accepts a URL as module', () => {
    const url = new URL('file:///tmp/trader.js');
    expect(parseChildSpec(actor({ module: url }), 'root')).toMatchObject({ module: url });
  });

  test('fills every default of a supervisor spec', () => {
    const spec = parseChildSpec({ id: 'root' }, 'root');
    expect(spec).toEqual({
      id: 'root',
      strategy: 'one_for_one',
      restart: 'permanent',
      intensity: { maxRestarts: 5, withinMs: 30_000 },
      backoff: { initialMs: 50, maxMs: 10_000, jitter: 0.2 },
      onChildFailure: 'isolate',
      children: [],
    });
    expect(isSupervisorSpec(spec)).toBe(true);
  });

  test('recurses into nested supervisors', () => {
    const spec = parseChildSpec(root(actor(), { id: 'desk', strategy: 'rest_for_one', children: [actor({ id: 'b' })] }), 'root');
    if (!isSupervisorSpec(spec)) throw new Error('expected a supervisor');
    const [first, desk] = spec.children;
    expect(isSupervisorSpec(first!)).toBe(false);
    expect(first).toMatchObject({ placement: 'worker', batchSize: 1_000 });
    if (!isSupervisorSpec(desk!)) throw new Error('expected a nested supervisor');
    expect(desk).toMatchObject({ strategy: 'rest_for_one', intensity: { maxRestarts: 5, withinMs: 30_000 } });
    expect(desk.children[0]).toMatchObject({ id: 'b', mailbox: { capacity: 10_000, overflow: 'backpressure' } });
  });
});

describe('parseChildSpec errors', () => {
  test('a negative mailbox capacity names the full path', () => {
    const message = optionError(() => parseChildSpec(root(actor(), actor({ mailbox: { capacity: -1 } })), 'root'));
    expect(message.startsWith('root.children[1].mailbox.capacity: ')).toBe(true);
  });

  test('a bad overflow value names the full path', () => {
    const message = optionError(() => parseChildSpec(root(actor({ mailbox: { overflow: 'drop-all' } })), 'root'));
    expect(message.startsWith('root.children[0].mailbox.overflow: ')).toBe(true);
    expect(message).toContain('drop-oldest');
  });

  test('an unknown key is rejected with the path of its object and the key', () => {
    const inActor = optionError(() => parseChildSpec(root(actor({ mailboxSize: 5 })), 'root'));
    expect(inActor.startsWith('root.children[0]: ')).toBe(true);
    expect(inActor).toContain('"mailboxSize"');
    const inMailbox = optionError(() => parseChildSpec(root(actor({ mailbox: { size: 5 } })), 'root'));
    expect(inMailbox.startsWith('root.children[0].mailbox: ')).toBe(true);
    expect(inMailbox).toContain('"size"');
    const inSupervisor = optionError(() => parseChildSpec({ id: 'root', strategie: 'one_for_all' }, 'root'));
    expect(inSupervisor.startsWith('root: ')).toBe(true);
    expect(inSupervisor).toContain('"strategie"');
  });

  test('an id with spaces is rejected', () => {
    const message = optionError(() => parseChildSpec(root(actor({ id: 'trader alpha' })), 'root'));
    expect(message.startsWith('root.children[0].id: ')).toBe(true);
    expect(optionError(() => parseChildSpec({ id: 'my root' }, 'root')).startsWith('root.id: ')).toBe(true);
  });

  test('errors deep inside nested supervisors name the whole path', () => {
    const input = root(actor(), { id: 'desk', children: [actor({ batchSize: 0 })] });
    expect(optionError(() => parseChildSpec(input, 'root')).startsWith('root.children[1].children[0].batchSize: ')).toBe(true);
    const badBackoff = root({ id: 'desk', backoff: { jitter: 2 } });
    expect(optionError(() => parseChildSpec(badBackoff, 'root')).startsWith('root.children[0].backoff.jitter: ')).toBe(true);
  });

  test('a non-object child is rejected at its own path', () => {
    expect(optionError(() => parseChildSpec(root(actor(), 'oops'), 'root')).startsWith('root.children[1]: ')).toBe(true);
  });

  test('parseOptions keeps the zod error as the cause', () => {
    try {
      parseOptions(actorSpecSchema, { id: 'a' }, 'spec');
      expect.unreachable();
    } catch (error) {
      expect((error as RuntimeError).message.startsWith('spec.module: ')).toBe(true);
      expect((error as RuntimeError).cause).toBeDefined();
    }
  });
});
