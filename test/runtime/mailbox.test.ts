import { describe, expect, test, vi } from 'vitest';
import { Mailbox, type OverflowPolicy } from '../../runtime/mailbox.js';

const msg = (n: number) => ({ type: 'tick', n });

function filled(overflow: OverflowPolicy, count: number, onDrain?: () => void): Mailbox {
  const mailbox = new Mailbox({ capacity: 10, overflow, ...(onDrain ? { onDrain } : {}) });
  for (let i = 1; i <= count; i++) mailbox.push(msg(i));
  return mailbox;
}

const seqs = (envelopes: { seq: number }[]) => envelopes.map((e) => e.seq);

describe('Mailbox', () => {
  test('assigns sequence numbers in order and keeps request metadata', () => {
    const mailbox = new Mailbox({ capacity: 10, overflow: 'backpressure' });
    mailbox.push(msg(1));
    mailbox.push(msg(2), { from: 'client', cid: 7 });
    mailbox.push(msg(3));
    const batch = mailbox.take(10);
    expect(seqs(batch)).toEqual([1, 2, 3]);
    expect(batch.map((e) => e.message)).toEqual([msg(1), msg(2), msg(3)]);
    expect(batch[1]).toMatchObject({ from: 'client', cid: 7 });
    expect(batch[0]!.from).toBeUndefined();
    expect(mailbox.stats.enqueued).toBe(3);
  });

  test('take(max) moves pending messages in flight and counts deliveries', () => {
    const mailbox = filled('backpressure', 5);
    const batch = mailbox.take(3);
    expect(seqs(batch)).toEqual([1, 2, 3]);
    expect(batch.every((e) => e.deliveries === 1 && e.failures === 0)).toBe(true);
    expect(mailbox.pendingCount).toBe(2);
    expect(mailbox.inflightCount).toBe(3);
    expect(mailbox.size).toBe(5);
    expect(seqs(mailbox.take(10))).toEqual([4, 5]);
    expect(mailbox.take(10)).toEqual([]);
  });

  test('ack(seq) removes in-flight messages up to and including seq', () => {
    const mailbox = filled('backpressure', 5);
    mailbox.take(4);
    expect(mailbox.ack(2)).toBe(2);
    expect(mailbox.inflightCount).toBe(2);
    expect(mailbox.stats.acknowledged).toBe(2);
    expect(mailbox.ack(2)).toBe(0); // already acknowledged
    expect(mailbox.ack(100)).toBe(2); // never touches pending messages
    expect(mailbox.pendingCount).toBe(1);
    expect(mailbox.stats.acknowledged).toBe(4);
  });

  test('requeueInflight() puts in-flight messages back at the front, in order', () => {
    const mailbox = filled('backpressure', 5);
    mailbox.take(3);
    expect(mailbox.requeueInflight()).toBe(3);
    expect(mailbox.inflightCount).toBe(0);
    expect(mailbox.stats.redelivered).toBe(3);
    const batch = mailbox.take(10);
    expect(seqs(batch)).toEqual([1, 2, 3, 4, 5]);
    expect(batch.map((e) => e.deliveries)).toEqual([2, 2, 2, 1, 1]);
  });

  test('untake(n) gives back the last n taken, undelivered', () => {
    const mailbox = filled('backpressure', 5);
    mailbox.take(4);
    mailbox.untake(2);
    expect(mailbox.inflightCount).toBe(2);
    expect(mailbox.pendingCount).toBe(3);
    expect(mailbox.find(3)!.deliveries).toBe(0);
    expect(mailbox.find(2)!.deliveries).toBe(1);
    mailbox.ack(2);
    expect(seqs(mailbox.take(10))).toEqual([3, 4, 5]);
    mailbox.untake(99); // more than in flight: stops at empty
    expect(mailbox.inflightCount).toBe(0);
    expect(mailbox.stats.redelivered).toBe(0);
  });

  test('find(seq) looks in pending and in flight; remove(seq) only takes pending ones', () => {
    const mailbox = filled('backpressure', 4);
    mailbox.take(1);
    expect(mailbox.find(1)!.message).toEqual(msg(1));
    expect(mailbox.find(3)!.message).toEqual(msg(3));
    expect(mailbox.find(99)).toBeUndefined();
    expect(mailbox.remove(1)).toBeUndefined(); // in flight
    expect(mailbox.remove(3)!.seq).toBe(3);
    expect(mailbox.find(3)).toBeUndefined();
    expect(mailbox.size).toBe(3);
    expect(seqs(mailbox.take(10))).toEqual([2, 4]);
  });

  test('clear() empties the mailbox and returns in-flight then pending messages', () => {
    const mailbox = filled('backpressure', 4);
    mailbox.take(2);
    expect(seqs(mailbox.clear())).toEqual([1, 2, 3, 4]);
    expect(mailbox.size).toBe(0);
    expect(mailbox.take(10)).toEqual([]);
    mailbox.push(msg(5));
    expect(seqs(mailbox.take(1))).toEqual([5]); // sequence numbers continue
  });
});

describe('Mailbox overflow policies (capacity 10)', () => {
  test('backpressure: full on the 10th push, then rejects and counts', () => {
    const mailbox = filled('backpressure', 9);
    expect(mailbox.isFull).toBe(false);
    expect(mailbox.push(msg(10))).toEqual({ accepted: true, full: true });
    expect(mailbox.isFull).toBe(true);
    expect(mailbox.push(msg(11))).toEqual({ accepted: false, reason: 'full' });
    expect(mailbox.push(msg(12))).toEqual({ accepted: false, reason: 'full' });
    expect(mailbox.stats.rejected).toBe(2);
    expect(mailbox.stats.enqueued).toBe(10);
    expect(mailbox.size).toBe(10);
  });

  test('backpressure counts in-flight messages against the capacity', () => {
    const mailbox = filled('backpressure', 10);
    mailbox.take(10);
    expect(mailbox.push(msg(11))).toEqual({ accepted: false, reason: 'full' });
  });

  test('backpressure with force accepts over capacity', () => {
    const mailbox = filled('backpressure', 10);
    expect(mailbox.push(msg(11), undefined, true)).toEqual({ accepted: true, full: true });
    expect(mailbox.size).toBe(11);
    expect(mailbox.stats.rejected).toBe(0);
    expect(mailbox.stats.enqueued).toBe(11);
  });

  test('drop-oldest drops the oldest pending message, not an in-flight one', () => {
    const mailbox = filled('drop-oldest', 10);
    mailbox.take(2); // seq 1 and 2 in flight
    const result = mailbox.push(msg(11));
    expect(result.accepted).toBe(true);
    if (!result.accepted) return;
    expect(result.full).toBe(true);
    expect(seqs(result.dropped ?? [])).toEqual([3]);
    expect(result.dropped?.[0]?.message).toEqual(msg(3));
    expect(mailbox.stats.dropped).toBe(1);
    expect(mailbox.size).toBe(10);
    expect(mailbox.find(3)).toBeUndefined();
    expect(seqs(mailbox.take(10))).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
  });

  test('drop-oldest with every message in flight drops the new one, counted as a drop', () => {
    const mailbox = filled('drop-oldest', 10);
    mailbox.take(10);
    expect(mailbox.push(msg(11))).toEqual({ accepted: false, reason: 'dropped-newest' });
    expect(mailbox.stats).toMatchObject({ dropped: 1, rejected: 0 });
  });

  test('drop-newest refuses the new message and counts it as dropped', () => {
    const mailbox = filled('drop-newest', 10);
    expect(mailbox.push(msg(11))).toEqual({ accepted: false, reason: 'dropped-newest' });
    expect(mailbox.stats.dropped).toBe(1);
    expect(mailbox.stats.rejected).toBe(0);
    expect(seqs(mailbox.take(10))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});

describe('Mailbox onDrain', () => {
  test('fires exactly once when a full mailbox falls to half capacity via ack', () => {
    const onDrain = vi.fn();
    const mailbox = filled('backpressure', 10, onDrain);
    mailbox.take(10);
    mailbox.ack(4); // size 6
    expect(onDrain).not.toHaveBeenCalled();
    mailbox.ack(5); // size 5 = half
    expect(onDrain).toHaveBeenCalledTimes(1);
    mailbox.ack(10);
    expect(onDrain).toHaveBeenCalledTimes(1);
  });

  test('re-arms when the mailbox fills up again', () => {
    const onDrain = vi.fn();
    const mailbox = filled('backpressure', 10, onDrain);
    mailbox.take(10);
    mailbox.ack(10); // first drain
    for (let i = 11; i <= 20; i++) mailbox.push(msg(i));
    expect(mailbox.push(msg(21)).accepted).toBe(false);
    mailbox.take(10);
    mailbox.ack(14); // size 6
    expect(onDrain).toHaveBeenCalledTimes(1);
    mailbox.ack(15); // size 5
    expect(onDrain).toHaveBeenCalledTimes(2);
  });

  test('does not fire for a mailbox that was never full, unless wantDrain() arms it', () => {
    const onDrain = vi.fn();
    const mailbox = filled('backpressure', 4, onDrain);
    mailbox.take(4);
    mailbox.ack(1);
    expect(onDrain).not.toHaveBeenCalled();
    mailbox.wantDrain();
    mailbox.ack(2);
    expect(onDrain).toHaveBeenCalledTimes(1);
    mailbox.ack(3);
    expect(onDrain).toHaveBeenCalledTimes(1);
  });

  test('wantDrain() waits until the mailbox is at most half full', () => {
    const onDrain = vi.fn();
    const mailbox = filled('backpressure', 8, onDrain);
    mailbox.wantDrain();
    mailbox.take(8);
    mailbox.ack(2); // size 6
    expect(onDrain).not.toHaveBeenCalled();
    mailbox.ack(3); // size 5
    expect(onDrain).toHaveBeenCalledTimes(1);
  });
});
