import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Mailbox, type OverflowPolicy } from '../../runtime/mailbox.js';

type Op =
  | { op: 'push'; weight: number; force: boolean }
  | { op: 'take'; max: number }
  | { op: 'ack'; back: number }
  | { op: 'requeue' }
  | { op: 'remove'; pick: number };

const ops = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('push' as const), weight: fc.integer({ min: 1, max: 12 }), force: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('take' as const), max: fc.integer({ min: 1, max: 6 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('ack' as const), back: fc.integer({ min: 0, max: 4 }) }) },
    fc.constant({ op: 'requeue' as const }),
    fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
  ),
  { maxLength: 120 },
);

/**
 * The mailbox's accounting of weight against a model kept only from what its calls returned: whatever
 * the policy and the order of calls, its load is the weight it holds, a full mailbox refuses or drops
 * rather than overflowing, a refusal changes nothing, and drop-oldest never drops a message in flight.
 */
describe('Mailbox weight', () => {
  test.each(['backpressure', 'drop-oldest', 'drop-newest'] as OverflowPolicy[])('%s: load, capacity and drops stay consistent', (overflow) => {
    fc.assert(
      fc.property(ops, (script: Op[]) => {
        const capacity = 20;
        const mailbox = new Mailbox({ capacity, overflow });
        /** What the model knows is queued: seq -> weight, and which seqs are in flight. */
        const queued = new Map<number, number>();
        const inflight: number[] = [];
        let nextSeq = 1;
        let acknowledgedLoad = 0;
        const sum = () => [...queued.values()].reduce((a, b) => a + b, 0);
        for (const step of script) {
          const before = { load: mailbox.load, size: mailbox.size };
          switch (step.op) {
            case 'push': {
              const force = step.force && overflow === 'backpressure';
              const result = mailbox.push({ type: 'm' }, undefined, force, step.weight);
              if (!result.accepted) {
                expect({ load: mailbox.load, size: mailbox.size }).toEqual(before);
                expect(before.load + step.weight).toBeGreaterThan(capacity);
                break;
              }
              for (const dropped of result.dropped ?? []) {
                expect(inflight).not.toContain(dropped.seq);
                queued.delete(dropped.seq);
              }
              queued.set(nextSeq++, step.weight);
              // Only a forced push or a message alone in the mailbox may go past capacity.
              if (!force) expect(mailbox.load <= capacity || mailbox.size === 1).toBe(true);
              break;
            }
            case 'take':
              for (const envelope of mailbox.take(step.max)) inflight.push(envelope.seq);
              break;
            case 'ack': {
              if (inflight.length === 0) break;
              const upTo = inflight[Math.max(0, inflight.length - 1 - step.back)]!;
              mailbox.ack(upTo);
              while (inflight.length > 0 && inflight[0]! <= upTo) {
                const seq = inflight.shift()!;
                acknowledgedLoad += queued.get(seq)!;
                queued.delete(seq);
              }
              break;
            }
            case 'requeue':
              mailbox.requeueInflight();
              inflight.length = 0;
              break;
            case 'remove': {
              const pending = [...queued.keys()].filter((seq) => !inflight.includes(seq));
              if (pending.length === 0) break;
              const seq = pending[step.pick % pending.length]!;
              expect(mailbox.remove(seq)?.seq).toBe(seq);
              queued.delete(seq);
              break;
            }
          }
          expect(mailbox.load).toBe(sum());
          expect(mailbox.size).toBe(queued.size);
          expect(mailbox.inflightCount).toBe(inflight.length);
          expect(mailbox.stats.acknowledgedLoad).toBe(acknowledgedLoad);
        }
        expect(mailbox.clear().reduce((total, envelope) => total + envelope.weight, 0)).toBe(sum());
        expect(mailbox.load).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
