import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { HubEvent } from '../../../actors/events/hub.js';
import { clusterNames } from '../../../adapters/cluster/options.js';
import { SignalBus } from '../../../adapters/cluster/signals.js';
import { NATS_URL, natsReachable } from '../../helpers/cluster-nodes.js';
import { waitFor } from '../../helpers/wait.js';

const nats = await natsReachable();
const names = clusterNames(`s${process.pid}`);

/** The hub's stored outcome of signal `signalId` of trader `traderId`. */
const stored = (traderId: string, signalId: string, seq: number) => ({ kind: 'signal.duplicate', traderId, signalId, at: 0, seq }) as HubEvent;

describe.skipIf(!nats)('SignalBus against JetStream (needs nats-server with JetStream at 127.0.0.1:4222)', () => {
  let nc: NatsConnection;
  const waiting = async (traderId: string) => (await (await jetstreamManager(nc)).streams.info(names.signals, { subjects_filter: names.signalSubject(traderId) })).state.subjects?.[names.signalSubject(traderId)] ?? 0;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
  });
  afterAll(async () => {
    await (await jetstreamManager(nc)).streams.delete(names.signals).catch(() => {});
    await nc.close();
  });

  test('a resent signal id is dropped by the server; a signal leaves the stream only once its outcome is stored', async () => {
    const bus = await SignalBus.open(nc, names);
    await bus.publish(new Map([['t1', [{ id: 'a' }, { id: 'b' }]]]));
    await bus.publish(new Map([['t1', [{ id: 'a' }]]]));
    expect(await waiting('t1')).toBe(2);
    const got: unknown[] = [];
    await bus.consume('t1', async (signals) => void got.push(...signals));
    await waitFor(() => got.length === 2, 'both signals delivered');
    expect(got).toEqual([{ id: 'a' }, { id: 'b' }]);
    bus.observe([stored('t1', 'a', 1), stored('t2', 'b', 2)]);
    await waitFor(async () => (await waiting('t1')) === 1, 'a acknowledged and removed');
    expect(bus.unsettled()).toEqual({ t1: 1 });
    const settled = bus.settled('t1', 60_000);
    bus.observe([stored('t1', 'b', 3)]);
    await settled;
    await waitFor(async () => (await waiting('t1')) === 0, 'b acknowledged and removed');
    bus.forget('t1', bus.pause('t1'));
  });

  test('publishes asked for in one turn, which go out together, are stored in the order asked, each resolving once stored', async () => {
    const bus = await SignalBus.open(nc, names);
    const ids = Array.from({ length: 50 }, (_, i) => `p${i}`);
    await Promise.all(ids.map((id) => bus.publish(new Map([['t5', [{ id }]]]))));
    expect(await waiting('t5')).toBe(ids.length);
    const got: { id: string }[] = [];
    await bus.consume('t5', async (signals) => void got.push(...(signals as { id: string }[])));
    await waitFor(() => got.length === ids.length, 'every signal delivered');
    expect(got.map((s) => s.id)).toEqual(ids);
    bus.forget('t5', bus.pause('t5'));
  });

  test('the next owner gets at once, in order, what the last one was given and did not store; a fenced owner acknowledges nothing', async () => {
    const first = await SignalBus.open(nc, names);
    const second = await SignalBus.open(nc, names);
    await first.publish(new Map([['t3', [{ id: '1' }, { id: '2' }, { id: '3' }]]]));
    const before: unknown[] = [];
    await first.consume('t3', async (signals) => void before.push(...signals));
    await waitFor(() => before.length === 3, 'the first owner given all three');
    first.observe([stored('t3', '1', 1)]);
    await waitFor(async () => (await waiting('t3')) === 2, '1 stored');
    first.fence('t3');
    first.observe([stored('t3', '2', 2)]);
    const after: unknown[] = [];
    await second.consume('t3', async (signals) => void after.push(...signals));
    await waitFor(() => after.length === 2, 'the second owner given the two not acknowledged');
    expect(after).toEqual([{ id: '2' }, { id: '3' }]);
    first.forget('t3', first.pause('t3'));
    second.observe([stored('t3', '2', 3), stored('t3', '3', 4)]);
    await waitFor(async () => (await waiting('t3')) === 0, 'both stored by the second owner');
  });

  test('a trader is handed at most a window of signals not stored yet: JetStream keeps the rest until outcomes are stored', async () => {
    const bus = await SignalBus.open(nc, names);
    const ids = Array.from({ length: 1_500 }, (_, i) => ({ id: `w${i}` }));
    await bus.publish(new Map([['t4', ids]]));
    const got: { id: string }[] = [];
    await bus.consume('t4', async (signals) => void got.push(...(signals as { id: string }[])));
    // Exactly a window: the rest waits for room (were more handed over, the wait for 1,000 could pass it by).
    await waitFor(() => got.length === 1_000, 'a window of 1,000 handed over');
    expect(bus.unsettled()).toEqual({ t4: 1_000 });
    expect(await waiting('t4')).toBe(1_500);
    bus.observe(got.slice(0, 600).map((s, i) => stored('t4', s.id, i)));
    await waitFor(() => got.length === 1_500, 'the rest handed over once 600 are stored');
    expect(got.map((s) => s.id)).toEqual(ids.map((s) => s.id));
    bus.forget('t4', bus.pause('t4'));
  });
});
