import { backoffDelay } from './backoff.js';
import type { ChildExit, ChildParent, ChildState, RestartType, SupervisedChild } from './child.js';
import type { ErrorInfo } from './errors.js';
import type { SystemEvent } from './events.js';
import type { SupervisorSpec } from './options.js';
import type { WorkerShape } from './spare-pool.js';

export interface SupervisorEnvironment {
  emit(event: SystemEvent): void;
  /** Threads for children about to start: they load side by side while the children start in order. */
  prewarm(shapes: WorkerShape[]): void;
  /** A child that will not be restarted left the tree. */
  removed(child: SupervisedChild): void;
}

/**
 * An OTP supervisor: restarts children by strategy (one_for_one, one_for_all, rest_for_one) and restart
 * type (permanent, transient, temporary), within a restart intensity per child, with exponential backoff.
 * A child past its intensity is stopped and marked failed; with `onChildFailure: 'escalate'` this
 * supervisor then fails too and its own parent decides.
 */
export class Supervisor implements SupervisedChild, ChildParent {
  readonly spec: SupervisorSpec;
  readonly children: SupervisedChild[];
  parent: ChildParent | undefined;
  state: ChildState = 'idle';
  restarts = 0;
  lastError: ErrorInfo | undefined;

  readonly #env: SupervisorEnvironment;
  readonly #history = new Map<SupervisedChild, number[]>();
  /** Restarts of one child are serialized; group strategies serialize the whole supervisor. */
  readonly #chains = new Map<SupervisedChild | this, Promise<void>>();
  readonly #delays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  constructor(spec: SupervisorSpec, children: SupervisedChild[], env: SupervisorEnvironment) {
    this.spec = spec;
    this.children = children;
    this.#env = env;
    for (const child of children) child.parent = this;
  }

  get id(): string {
    return this.spec.id;
  }

  get restartType(): RestartType {
    return this.spec.restart;
  }

  async start(): Promise<void> {
    this.state = 'starting';
    this.#history.clear();
    this.#env.prewarm(this.children.flatMap((child) => (child.workerShape ? [child.workerShape] : [])));
    for (const child of this.children) await child.start();
    this.state = 'running';
  }

  /** Stops the children in reverse start order, as OTP does. */
  async stop(): Promise<void> {
    this.state = 'stopping';
    for (const delay of this.#delays) {
      clearTimeout(delay.timer);
      delay.resolve();
    }
    await Promise.all(this.#chains.values());
    await this.#stopChildren();
    this.state = 'stopped';
  }

  async fail(error: ErrorInfo): Promise<void> {
    await this.stop();
    this.state = 'failed';
    this.lastError = error;
  }

  async #stopChildren(): Promise<void> {
    for (const child of [...this.children].reverse()) await child.stop();
  }

  /** Adds a child at run time (a trader created through the API) and starts it. */
  async add(child: SupervisedChild): Promise<void> {
    child.parent = this;
    this.children.push(child);
    await child.start();
  }

  /** Stops a child for good and takes it out of the tree. */
  async remove(child: SupervisedChild): Promise<void> {
    const index = this.children.indexOf(child);
    if (index < 0) return;
    this.children.splice(index, 1);
    this.#history.delete(child);
    await child.stop();
    this.#env.removed(child);
  }

  childExited(child: SupervisedChild, exit: ChildExit): void {
    if (!this.#active() || !this.children.includes(child)) return;
    const key = this.spec.strategy === 'one_for_one' ? child : this;
    const next = (this.#chains.get(key) ?? Promise.resolve()).then(() => this.#handleExit(child, exit));
    this.#chains.set(key, next);
    void next.finally(() => {
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    });
  }

  async #handleExit(child: SupervisedChild, exit: ChildExit): Promise<void> {
    if (!this.#active() || !this.children.includes(child)) return;
    const restart = child.restartType === 'permanent' || (child.restartType === 'transient' && !exit.normal);
    if (!restart) {
      await this.remove(child);
      return;
    }
    const now = Date.now();
    const recent = (this.#history.get(child) ?? []).filter((t) => now - t < this.spec.intensity.withinMs);
    const error = exit.error ?? { name: 'Error', message: `${child.id} stopped` };
    if (recent.length >= this.spec.intensity.maxRestarts) {
      this.#history.delete(child);
      await child.fail(error);
      this.#env.emit({ type: 'actor_failed', address: child.id, error, restartsInWindow: recent.length });
      if (this.spec.onChildFailure === 'escalate') await this.#escalate(error);
      return;
    }
    recent.push(now);
    this.#history.set(child, recent);
    const delayMs = backoffDelay(recent.length - 1, this.spec.backoff);
    this.#env.emit({ type: 'actor_restarting', address: child.id, delayMs, restartsInWindow: recent.length });
    if (delayMs > 0) await this.#sleep(delayMs);
    if (!this.#active()) return;

    const index = this.children.indexOf(child);
    const group =
      this.spec.strategy === 'one_for_one'
        ? [child]
        : this.spec.strategy === 'one_for_all'
          ? [...this.children]
          : this.children.slice(index);
    for (const sibling of [...group].reverse()) if (sibling !== child) await sibling.stop();
    for (const member of group) {
      member.restarts++;
      await member.start();
    }
  }

  /** Children that crash while their siblings are still starting are restarted too. */
  #active(): boolean {
    return this.state === 'starting' || this.state === 'running';
  }

  /** Fails this whole subtree and lets the parent decide, as an OTP supervisor past its intensity does. */
  async #escalate(error: ErrorInfo): Promise<void> {
    const reason = { ...error, message: `${this.id}: child failed: ${error.message}` };
    // Not stop(): that waits for the restart chains, and this runs inside one.
    this.state = 'stopping';
    await this.#stopChildren();
    this.state = 'failed';
    this.lastError = reason;
    if (this.parent) this.parent.childExited(this, { normal: false, error: reason });
    else this.#env.emit({ type: 'actor_failed', address: this.id, error: reason, restartsInWindow: 0 });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const delay = {
        timer: setTimeout(() => {
          this.#delays.delete(delay);
          resolve();
        }, ms),
        resolve,
      };
      this.#delays.add(delay);
    });
  }
}
