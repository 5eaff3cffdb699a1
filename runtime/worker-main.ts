import { parentPort, workerData } from 'node:worker_threads';
import { isActorDefinition } from './actor.js';
import { RuntimeError } from './errors.js';
import { createEndpoint } from './endpoint.js';
import { Gate } from './gate.js';
import { LinkEnds, moves } from './link-ends.js';
import { BEAT_INDEX, IN_HAND_INDEX, IN_HAND_LINK_INDEX, type HostToRunner, type RunnerToHost, type WorkerBind, type WorkerData } from './protocol.js';

/**
 * Runs the actor `definition` (the default export of the worker's actor module) in this worker thread:
 * reports it loaded, then waits for `bind` (which actor it is), so a spare can be started before anyone
 * needs it. The host owns the mailbox; this side only processes and commits. Called by the worker entry
 * once it imported the module, or by an actor's bundle (see `bundleOf`) with the module built in.
 */
export function runActorWorker(definition: unknown): void {
  if (!isActorDefinition(definition)) {
    // Uncaught on purpose: the host sees it as this worker's 'error' and the supervisor's restart limits apply.
    throw new RuntimeError('ERR_ACTOR_MODULE', `${(workerData as WorkerData).module} must default-export defineActor({ create() {...} })`);
  }
  const port = parentPort!;
  // Loaded: a spare pool starts loading its next spare.
  port.postMessage({ t: 'loaded' } satisfies RunnerToHost);

  let handle: ((message: HostToRunner) => void) | undefined;
  port.on('message', (message: HostToRunner | WorkerBind) => {
    if (message.t !== 'bind') {
      handle?.(message);
      return;
    }
    const beats = new Int32Array(message.control);
    const inHand = new Float64Array(message.control);
    // The heartbeat only advances while this thread's event loop turns: a stuck `receive` stops it.
    setInterval(() => Atomics.add(beats, BEAT_INDEX, 1), message.heartbeatMs);
    handle = createEndpoint({
      definition,
      address: message.address,
      args: message.args,
      // A snapshot's bytes are moved, not copied (the runner keeps its own copy to compare the next with):
      // a copy per commit left each trader worker's memory 2-3 MiB larger. So are large segments' bytes.
      emit: (event: RunnerToHost) => port.postMessage(event, transfers(event)),
      markInHand: (seq, link) => {
        inHand[IN_HAND_INDEX] = seq;
        inHand[IN_HAND_LINK_INDEX] = link;
      },
      gate: new Gate(message.control),
      links: new LinkEnds(),
    });
  });
}

function transfers(event: RunnerToHost): ArrayBuffer[] {
  const moved: ArrayBuffer[] = [];
  if (event.t === 'commit' || event.t === 'stopped') movable(event.snapshot?.bytes, moved);
  if (event.t === 'commit') for (const segment of event.segments ?? []) if (moves(segment.bytes)) movable(segment.bytes, moved);
  return moved;
}

/** The buffer under `bytes` when they are all of it (serialized bytes are), so that moving it moves nothing else. */
function movable(bytes: Uint8Array | undefined, into: ArrayBuffer[]): void {
  const buffer = bytes?.buffer;
  if (buffer instanceof ArrayBuffer && bytes!.byteOffset === 0 && bytes!.byteLength === buffer.byteLength) into.push(buffer);
}
