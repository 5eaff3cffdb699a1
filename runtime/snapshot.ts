import { DefaultDeserializer, DefaultSerializer } from 'node:v8';

/**
 * An actor's state as it crosses threads and is kept by its cell: serialized in the actor's own thread,
 * so the supervisor stores bytes it never decodes (it decodes them only to restart the actor or to show
 * its state). Typed arrays over shared memory are not copied into the bytes but passed along beside them,
 * by reference, as `postMessage` passes them: an actor keeps data that never changes once written there
 * (sealed segments of seen ids) so that a snapshot does not copy it again at every commit.
 */
export interface Snapshot {
  bytes: Uint8Array;
  /** The shared-memory views the bytes refer to, in order. */
  shared: ArrayBufferView[];
}

const INLINE = 0;
const SHARED = 1;

class SnapshotSerializer extends DefaultSerializer {
  readonly shared: ArrayBufferView[] = [];

  _writeHostObject(object: object): void {
    if (ArrayBuffer.isView(object) && object.buffer instanceof SharedArrayBuffer) {
      this.writeUint32(SHARED);
      this.writeUint32(this.shared.push(object) - 1);
      return;
    }
    this.writeUint32(INLINE);
    (DefaultSerializer.prototype as unknown as { _writeHostObject(object: object): void })._writeHostObject.call(this, object);
  }
}

class SnapshotDeserializer extends DefaultDeserializer {
  readonly #shared: ArrayBufferView[];

  constructor(snapshot: Snapshot) {
    super(snapshot.bytes as Buffer);
    this.#shared = snapshot.shared;
  }

  _readHostObject(): unknown {
    if (this.readUint32() === SHARED) return this.#shared[this.readUint32()];
    return (DefaultDeserializer.prototype as unknown as { _readHostObject(): unknown })._readHostObject.call(this);
  }
}

/** Serializes `state` (plain data, as messages are). */
export function encodeSnapshot(state: unknown): Snapshot {
  const serializer = new SnapshotSerializer();
  serializer.writeHeader();
  serializer.writeValue(state);
  return { bytes: serializer.releaseBuffer(), shared: serializer.shared };
}

/** A fresh copy of the state `snapshot` holds: changing it changes nothing stored. */
export function decodeSnapshot(snapshot: Snapshot): unknown {
  const deserializer = new SnapshotDeserializer(snapshot);
  deserializer.readHeader();
  return deserializer.readValue();
}

/**
 * What tells two snapshots apart once the first was sent away: a copy of its bytes, and the shared
 * memory it refers to (by identity, as it is passed by reference).
 */
export interface SnapshotPrint {
  bytes: Buffer;
  shared: readonly ArrayBufferView[];
}

export function printOf(snapshot: Snapshot): SnapshotPrint {
  return { bytes: Buffer.from(snapshot.bytes), shared: snapshot.shared };
}

/** Whether `snapshot` holds the state `print` was taken of: the same bytes, referring to the same shared memory. */
export function samePrint(snapshot: Snapshot, print: SnapshotPrint): boolean {
  return snapshot.shared.length === print.shared.length && snapshot.shared.every((view, i) => view === print.shared[i]) && Buffer.compare(snapshot.bytes, print.bytes) === 0;
}
