import { serialize } from 'node:v8';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defineActor } from '../../runtime/actor.js';
import { LinkEnds } from '../../runtime/link-ends.js';
import { Link } from '../../runtime/links.js';
import type { Commit, LinkSegment, RunnerToHost } from '../../runtime/protocol.js';
import { ActorRunner } from '../../runtime/runner.js';
import { waitFor } from '../helpers/wait.js';

/** Cuts messages 1..total into segments of the given sizes (the last one takes the rest). */
function segmentsOf(total: number, sizes: number[]): LinkSegment[] {
  const segments: LinkSegment[] = [];
  let first = 1;
  for (let i = 0; first <= total; i++) {
    const n = Math.min(sizes[i % sizes.length]!, total - first + 1);
    const messages = Array.from({ length: n }, (_, k) => ({ type: 'n', n: first + k }));
    segments.push({ id: 1, first, n, gen: 1, bytes: serialize(messages) });
    first += n;
  }
  return segments;
}

const sizes = fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 5 });

describe('a link receiver', () => {
  test('processes each message once and in order, however segments arrive (again, late, out of order)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 60 }), sizes, fc.array(fc.nat(), { maxLength: 40 }), fc.func(fc.integer()), async (total, cut, again, order) => {
        const segments = segmentsOf(total, cut);
        // Every segment once, some twice (a re-sent copy), in an arbitrary order.
        const arrivals = [...segments, ...again.map((i) => segments[i % segments.length]!)]
          .map((segment, i) => ({ segment, key: order(i, segment.first) }))
          .sort((a, b) => a.key - b.key)
          .map(({ segment }) => segment);
        const seen: number[] = [];
        const recorder = defineActor<{ type: 'n'; n: number }>({ create: () => ({ receive: (msg) => void seen.push(msg.n) }) });
        const links = new LinkEnds();
        links.open({ t: 'link', id: 1, role: 'in', peer: 'sender', gen: 1, lseq: 0 });
        const events: RunnerToHost[] = [];
        const runner = new ActorRunner({ definition: recorder, address: 'receiver', args: {}, emit: (event) => events.push(event), markInHand: () => {}, links });
        await runner.start(undefined);
        for (const segment of arrivals) links.receive(segment);
        await waitFor(() => links.inbound(1)!.acked === total, 'everything acknowledged');
        expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
        // Acknowledgements only move forward, and end at the last message.
        const acks = events.flatMap((event) => (event.t === 'commit' ? ((event as Commit).acks ?? []) : [])).map(([, lseq]) => lseq);
        expect(acks).toEqual([...acks].sort((a, b) => a - b));
        expect(acks.at(-1)).toBe(total);
        runner.stop();
      }),
      { numRuns: 60 },
    );
  });
});

describe('a link at the supervisor', () => {
  test('keeps exactly the messages not acknowledged, whatever the order of commits and acknowledgements', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 80 }), sizes, fc.array(fc.integer({ min: 0, max: 80 }), { maxLength: 30 }), (total, cut, acks) => {
        const link = new Link(1, 'a', 'b');
        const segments = segmentsOf(total, cut);
        let acked = 0;
        let committed = 0;
        // Commits and acknowledgements interleave; a receiver may acknowledge what the sender's commit has not brought yet.
        for (let i = 0; i < Math.max(segments.length, acks.length); i++) {
          const segment = segments[i];
          if (segment) {
            link.keep(segment);
            committed = segment.first + segment.n - 1;
          }
          const ack = acks[i];
          if (ack !== undefined && ack <= total) {
            link.ack(ack);
            acked = Math.max(acked, ack);
          }
          const kept = link.unacknowledged().flatMap((s) => Array.from({ length: s.n }, (_, k) => s.first + k)).filter((lseq) => lseq > acked);
          const expected = Array.from({ length: Math.max(0, committed - acked) }, (_, k) => acked + 1 + k);
          expect(kept).toEqual(expected);
          expect(link.load).toBe(expected.length);
          expect(link.next).toBe(Math.max(committed, acked) + 1);
        }
      }),
      { numRuns: 300 },
    );
  });
});
