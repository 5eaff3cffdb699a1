import type { ActorDefinition } from './actor.js';
import type { Address } from './message.js';
import type { HostToRunner, RunnerToHost } from './protocol.js';
import { ActorRunner } from './runner.js';

/**
 * The runner side of the protocol: turns host messages into calls on the current incarnation.
 * `init` starts a new incarnation, so an actor whose `receive` threw restarts in the same thread.
 */
export function createEndpoint(options: {
  definition: ActorDefinition;
  address: Address;
  args: unknown;
  emit: (event: RunnerToHost) => void;
  markInHand: (seq: number) => void;
}): (message: HostToRunner) => void {
  let runner: ActorRunner | undefined;
  return (message) => {
    switch (message.t) {
      case 'init':
        runner = new ActorRunner(options);
        void runner.start(message.snapshot);
        return;
      case 'batch':
        runner?.deliver(message);
        return;
      case 'reply':
        runner?.resolveRequest(message.cid, message.ok ? { ok: true, value: message.value } : { ok: false, error: message.error });
        return;
      case 'stop':
        runner?.stop();
        return;
    }
  };
}
