import type { ErrorInfo } from './errors.js';
import type { HostToRunner, LinkOpen, LinkSkip, RunnerToHost } from './protocol.js';
import type { Snapshot } from './snapshot.js';

/** What a host reports to its cell. */
export interface HostListener {
  onEvent(event: RunnerToHost): void;
  /** The thread ended without being asked to: `process.exit`, out of memory, terminated as hung. */
  onThreadExit(error: ErrorInfo, inHandSeq: number, inHandLink: number): void;
  /** A new thread was bound to the actor, before its `init`: its links are opened now. */
  onThreadStarted(): void;
}

/** Where an actor runs: the main thread or a worker thread. The cell and its mailbox outlive it. */
export interface ActorHost {
  /** Starts a new incarnation from `snapshot`, reusing the thread when it is still alive. */
  start(snapshot: Snapshot | undefined, skip?: LinkSkip[]): void;
  /** Opens or replaces one of its link ends; only a worker has links. */
  openLink(link: LinkOpen): void;
  /** Whether a thread is bound to the actor now (a link end can be opened there). */
  readonly hasThread: boolean;
  /** Sets the actor's gate (see `Gate`), for this thread and any that replaces it. */
  gate(until: number | undefined): void;
  /** Hands a message to the runner; throws `DataCloneError` if it cannot be copied. */
  post(message: HostToRunner): void;
  /** Ends the thread on purpose; no `onThreadExit`. */
  terminate(): Promise<void>;
  /** Ends the thread as a fault; reported through `onThreadExit(error)`. */
  kill(error: ErrorInfo): void;
  /** The heartbeat counter; undefined for actors in the main thread, which cannot hang alone. */
  heartbeat(): number | undefined;
  readonly threadId: number | undefined;
}
