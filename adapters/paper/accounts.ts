import type { Fixed } from '../../actors/trading/fixed.js';

export interface Holding {
  free: Fixed;
  locked: Fixed;
}

export type AccountBalances = Record<string, Holding>;

/**
 * Balances of every paper account. Resting orders lock what they may spend; fills settle from the
 * locked or the free part. A spend beyond what is there is the caller's bug, not a user error, and throws.
 */
export class Accounts {
  readonly #accounts: Record<string, AccountBalances>;

  constructor(snapshot?: Record<string, AccountBalances>) {
    this.#accounts = snapshot ?? {};
  }

  has(account: string): boolean {
    return account in this.#accounts;
  }

  /** Forgets the account. */
  remove(account: string): void {
    delete this.#accounts[account];
  }

  /** Creates the account, or tops it up. */
  deposit(account: string, asset: string, amount: Fixed): void {
    this.#holding(account, asset).free += amount;
  }

  free(account: string, asset: string): Fixed {
    return this.#accounts[account]?.[asset]?.free ?? 0n;
  }

  lock(account: string, asset: string, amount: Fixed): void {
    const holding = this.#holding(account, asset);
    if (holding.free < amount) throw new Error(`paper account ${account}: locking ${amount} ${asset} with only ${holding.free} free`);
    holding.free -= amount;
    holding.locked += amount;
  }

  unlock(account: string, asset: string, amount: Fixed): void {
    const holding = this.#holding(account, asset);
    holding.locked -= amount;
    holding.free += amount;
  }

  /** Adds `delta` (negative to spend) to the free part, or to the locked part with `fromLocked`. */
  settle(account: string, asset: string, delta: Fixed, fromLocked = false): void {
    const holding = this.#holding(account, asset);
    if (fromLocked) holding.locked += delta;
    else holding.free += delta;
    if (holding.free < 0n || holding.locked < 0n) throw new Error(`paper account ${account}: ${asset} balance would go negative`);
  }

  /**
   * Adds a swap's P&L, funding or fee to the free part. Unlike `settle` it may leave the free part
   * negative: a position closed past its bankruptcy price owes more than its margin held.
   */
  book(account: string, asset: string, delta: Fixed): void {
    this.#holding(account, asset).free += delta;
  }

  balances(account: string): AccountBalances {
    return structuredClone(this.#accounts[account] ?? {});
  }

  snapshot(): Record<string, AccountBalances> {
    return this.#accounts;
  }

  #holding(account: string, asset: string): Holding {
    const balances = (this.#accounts[account] ??= {});
    return (balances[asset] ??= { free: 0n, locked: 0n });
  }
}
