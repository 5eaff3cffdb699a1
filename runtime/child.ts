import type { ErrorInfo } from './errors.js';
import type { WorkerShape } from './spare-pool.js';

export type RestartType = 'permanent' | 'transient' | 'temporary';

/** How a child ended: normally (it stopped itself) or with an error. */
export interface ChildExit {
  normal: boolean;
  error?: ErrorInfo;
}

export interface ChildParent {
  childExited(child: SupervisedChild, exit: ChildExit): void;
}

export type ChildState = 'idle' | 'starting' | 'running' | 'crashed' | 'stopping' | 'stopped' | 'failed';

/** What a supervisor supervises: an actor or a nested supervisor. */
export interface SupervisedChild {
  readonly id: string;
  readonly restartType: RestartType;
  readonly state: ChildState;
  /** Restarts so far, over the child's whole life. */
  restarts: number;
  /** The worker thread an actor runs in; none for a supervisor or an actor in the main thread. */
  readonly workerShape?: WorkerShape | undefined;
  parent: ChildParent | undefined;
  /** Starts (or restarts) the child; resolves once it runs, or once its start failed and was reported. */
  start(): Promise<void>;
  /** Stops the child on purpose, gracefully; its parent is not told. */
  stop(): Promise<void>;
  /** Gives up on the child: stops it and marks it failed. */
  fail(error: ErrorInfo): Promise<void>;
}
