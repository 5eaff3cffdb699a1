import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type JsMsg, type ConsumerMessages } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import type { HubEvent } from '../../actors/events/hub.js';
import type { ClusterNames } from './options.js';

/** How long JetStream remembers a signal id to drop a resend of it (`Nats-Msg-Id`). */
const DUPLICATE_WINDOW_MS = 10 * 60_000;
/**
 * A delivered signal not acknowledged this long is delivered again. Acks wait for the database, so
 * this is long; a failover does not wait for it, since the new owner makes the consumer afresh.
 */
const ACK_WAIT_MS = 60_000;
/** Signals fetched ahead of the trader: JetStream holds the rest. */
const PREFETCH = 1_000;
/**
 * Signals handed to a trader and not stored yet, at most: JetStream keeps the rest. So a trader's
 * backlog, and what a node that dies or is cut off leaves half done, stays this small.
 */
const WINDOW = 1_000;
/** Signals handed over in one mailbox message at most: a quarter of the window, so storing one batch overlaps handing over the next. */
const BATCH = WINDOW / 4;

/** A trader's consumer on this node: its messages delivered and not yet stored, by signal id. */
interface Inbox {
  messages: ConsumerMessages;
  unsettled: Map<string, JsMsg>;
  settled: (() => void)[];
  /** Its node lost the trader's lease: nothing more is acknowledged from here. */
  fenced: boolean;
  /** Paused: nothing more is handed to the trader. */
  paused: boolean;
  /** Wakes the consumer waiting for room in the window. */
  room: (() => void) | undefined;
}

/**
 * Signals between nodes, through one JetStream stream with a subject per trader. Any node publishes a
 * signal with `traderId:id` as its `Nats-Msg-Id`, so the server drops a resend within its duplicate
 * window; the trader's owner consumes its subject through a durable consumer with explicit acks and
 * acknowledges each signal only once the database holds its outcome (the hub's `signal.*` event,
 * passed on by persistence once stored). The stream is a work queue: a signal stays in it until
 * acknowledged, so it is the trader's mailbox that outlives a node.
 */
export class SignalBus {
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #inboxes = new Map<string, Inbox>();
  readonly #names: ClusterNames;
  /** Resolves at the next turn of the event loop, for every publish asked for in this one (see `publish`). */
  #turn: Promise<void> | undefined;

  private constructor(js: JetStreamClient, jsm: JetStreamManager, names: ClusterNames) {
    this.#js = js;
    this.#jsm = jsm;
    this.#names = names;
  }

  /** Makes the stream when it does not exist yet. */
  static async open(nc: NatsConnection, names: ClusterNames): Promise<SignalBus> {
    const jsm = await jetstreamManager(nc);
    const config = {
      name: names.signals,
      subjects: [names.signalSubject('>')],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    };
    await jsm.streams.info(names.signals).catch(() => jsm.streams.add(config));
    return new SignalBus(jetstream(nc), jsm, names);
  }

  /**
   * Publishes signals, each to its trader's subject; resolves once JetStream has stored every one.
   * What every request of one turn of the event loop publishes goes out together at the next, in one
   * write to the server: so the server, and the trader's node after it, get single-signal requests in
   * bursts rather than one by one, each with its own write, delivery, hand-over and database write.
   */
  async publish(batches: ReadonlyMap<string, readonly { id: string }[]>): Promise<void> {
    await (this.#turn ??= new Promise((resolve) =>
      setImmediate(() => {
        this.#turn = undefined;
        resolve();
      }),
    ));
    const acks: Promise<unknown>[] = [];
    for (const [traderId, signals] of batches) {
      const subject = this.#names.signalSubject(traderId);
      for (const signal of signals) acks.push(this.#js.publish(subject, JSON.stringify(signal), { msgID: `${traderId}:${signal.id}` }));
    }
    await Promise.all(acks);
  }

  /**
   * Starts handing trader `traderId`'s signals to `deliver`, in the order they were published, from
   * the first one not acknowledged: its consumer is made afresh, so what a node that died had been
   * given comes again at once rather than after the ack wait. `deliver` resolving means the trader's
   * mailbox took them; it is awaited before more are fetched.
   */
  async consume(traderId: string, deliver: (signals: unknown[]) => Promise<void>): Promise<void> {
    const name = this.#names.consumer(traderId);
    await this.#jsm.consumers.delete(this.#names.signals, name).catch(() => {});
    await this.#jsm.consumers.add(this.#names.signals, {
      durable_name: name,
      filter_subject: this.#names.signalSubject(traderId),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ACK_WAIT_MS),
      max_ack_pending: PREFETCH * 10,
    });
    const consumer = await this.#js.consumers.get(this.#names.signals, name);
    const messages = await consumer.consume({ max_messages: PREFETCH });
    const inbox: Inbox = { messages, unsettled: new Map(), settled: [], fenced: false, paused: false, room: undefined };
    this.#inboxes.set(traderId, inbox);
    // What arrives in one turn of the event loop is handed over together, in batches of `BATCH` at most,
    // one batch at a time, as the window has room; a batch that cannot be handed over (the trader stopped
    // meanwhile) stays unacknowledged, for the trader's next owner. (The iterator's pending count cannot
    // say when a burst ends: it counts the client's own callbacks too.)
    const waiting: { signal: { id: string }; message: JsMsg }[] = [];
    let handing: Promise<void> | undefined;
    const hand = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      while (waiting.length > 0 && !inbox.paused) {
        while (inbox.unsettled.size >= WINDOW && !inbox.paused) await new Promise<void>((resolve) => (inbox.room = resolve));
        if (inbox.paused) break;
        const batch = waiting.splice(0, Math.min(BATCH, WINDOW - inbox.unsettled.size));
        for (const { signal, message } of batch) inbox.unsettled.set(signal.id, message);
        await deliver(batch.map((b) => b.signal));
      }
      handing = undefined;
    };
    void (async () => {
      for await (const message of messages) {
        waiting.push({ signal: message.json<{ id: string }>(), message });
        handing ??= hand().catch(() => {});
        // JetStream holds the rest while a full batch waits to be handed over.
        if (waiting.length >= BATCH) await handing;
      }
    })().catch(() => {});
  }

  /** Hub events, once stored: the signals whose outcome they record are acknowledged. */
  observe(events: readonly HubEvent[]): void {
    for (const event of events) {
      if (!('traderId' in event) || typeof event.traderId !== 'string' || !event.kind.startsWith('signal.')) continue;
      const signalId = (event as { signalId?: string }).signalId;
      const inbox = signalId === undefined ? undefined : this.#inboxes.get(event.traderId);
      const message = inbox?.unsettled.get(signalId!);
      if (!message || inbox!.fenced) continue;
      message.ack();
      inbox!.unsettled.delete(signalId!);
      if (inbox!.unsettled.size <= WINDOW / 2) wake(inbox!);
      if (inbox!.unsettled.size === 0) for (const settled of inbox!.settled.splice(0)) settled();
    }
  }

  /** Acknowledges nothing more of trader `traderId` from this node, which lost its lease: the next owner gets those signals again. */
  fence(traderId: string): void {
    const inbox = this.#inboxes.get(traderId);
    if (inbox) inbox.fenced = true;
  }

  /**
   * Stops fetching trader `traderId`'s signals, at once (a batch being handed over may still reach its
   * mailbox); what was delivered and not stored comes again to its next owner. Returns the inbox, for `forget`.
   */
  pause(traderId: string): object | undefined {
    const inbox = this.#inboxes.get(traderId);
    if (inbox) {
      inbox.paused = true;
      inbox.messages.stop();
      wake(inbox);
    }
    return inbox;
  }

  /** Resolves once every signal delivered to trader `traderId` here is stored and acknowledged, or after `timeoutMs`. */
  settled(traderId: string, timeoutMs: number): Promise<void> {
    const inbox = this.#inboxes.get(traderId);
    if (!inbox || inbox.unsettled.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      inbox.settled.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Forgets trader `traderId`'s `inbox` (from `pause`), unless the trader came back here since and has a new one. */
  forget(traderId: string, inbox: object | undefined): void {
    if (this.#inboxes.get(traderId) === inbox) this.#inboxes.delete(traderId);
  }

  /** Signals delivered here and not stored yet, per trader (metrics). */
  unsettled(): Record<string, number> {
    return Object.fromEntries([...this.#inboxes].map(([id, inbox]) => [id, inbox.unsettled.size]));
  }
}

function wake(inbox: Inbox): void {
  const room = inbox.room;
  inbox.room = undefined;
  room?.();
}
