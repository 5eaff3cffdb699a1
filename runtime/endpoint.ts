import type { ActorDefinition } from './actor.js';
import type { Gate } from './gate.js';
import type { LinkEnds } from './link-ends.js';
import type { Address } from './message.js';
import type { HostToRunner, RunnerToHost } from './protocol.js';
import { ActorRunner } from './runner.js';

/**
 * The runner side of the protocol: turns host messages into calls on the current incarnation.
 * `init` starts a new incarnation, so an actor whose `receive` threw restarts in the same thread.
 * Link ends belong to the thread, not to an incarnation (see `LinkEnds`).
 */
export function createEndpoint(options: {
  definition: ActorDefinition;
  address: Address;
  args: unknown;
  emit: (event: RunnerToHost) => void;
  markInHand: (seq: number, link: number) => void;
  gate?: Gate;
  links?: LinkEnds;
}): (message: HostToRunner) => void {
  let runner: ActorRunner | undefined;
  const { links } = options;
  return (message) => {
    switch (message.t) {
      case 'init':
        runner = new ActorRunner(message.skip ? { ...options, skip: message.skip } : options);
        void runner.start(message.snapshot);
        return;
      case 'batch':
        runner?.deliver(message);
        return;
      case 'reply':
        runner?.resolveRequest(message.cid, message.ok ? { ok: true, value: message.value } : { ok: false, error: message.error });
        return;
      case 'gate':
        runner?.nudge();
        return;
      case 'stop':
        runner?.stop();
        return;
      case 'link':
        links?.open(message);
        return;
      case 'unlink':
        links?.close(message.id);
        return;
      case 'segment':
        links?.receive(message.segment);
        return;
    }
  };
}
