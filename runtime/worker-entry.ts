import { parentPort, workerData } from 'node:worker_threads';
import { isActorDefinition } from './actor.js';
import { RuntimeError } from './errors.js';
import { createEndpoint } from './endpoint.js';
import { BEAT_INDEX, IN_HAND_INDEX, type HostToRunner, type RunnerToHost, type WorkerBoot } from './protocol.js';

/** Runs one actor in this worker thread. The host owns the mailbox; this side only processes and commits. */
const boot = workerData as WorkerBoot;
const port = parentPort!;
const beats = new Int32Array(boot.control);
const inHand = new Float64Array(boot.control);

// The heartbeat only advances while this thread's event loop turns: a stuck `receive` stops it.
setInterval(() => Atomics.add(beats, BEAT_INDEX, 1), boot.heartbeatMs);

const mod = (await import(boot.module)) as { default?: unknown };
if (!isActorDefinition(mod.default)) {
  // Uncaught on purpose: the host sees it as this worker's 'error' and the supervisor's restart limits apply.
  throw new RuntimeError('ERR_ACTOR_MODULE', `${boot.module} must default-export defineActor({ create() {...} })`);
}
const handle = createEndpoint({
  definition: mod.default,
  address: boot.address,
  args: boot.args,
  emit: (event: RunnerToHost) => port.postMessage(event),
  markInHand: (seq) => {
    inHand[IN_HAND_INDEX] = seq;
  },
});
port.on('message', (message: HostToRunner) => handle(message));
