import type { ActorSystem } from '../../runtime/system.js';
import { traderAccount, traderExchange, traderTradesSwaps, type PlatformConfig } from '../../adapters/config/schema.js';
import type { BalancesReply } from '../trading/exchange-protocol.js';
import { abs, fixedToString, type Fixed } from '../trading/fixed.js';
import type { TraderStatus } from '../trader/core.js';
import { ADDRESSES, exchangeAddress, traderAddress } from './tree.js';

/** An asset of a real account whose balance moved otherwise than its traders' ledgers did. */
export interface LedgerDrift {
  exchange: string;
  account: string;
  /** Set for the futures wallet, which the traders of perpetuals share. */
  wallet?: 'swap';
  asset: string;
  /** What the account moved beyond the ledgers, since the first check (negative: it holds less). */
  drift: Fixed;
}

/** Below this (10^-8) a difference is ccxt's float parsing, not a movement. */
const TOLERANCE = 10n;

/**
 * Checks the ledgers of the traders on each real (ccxt) account against the account, never writing
 * either: the first check takes the difference between the account and the traders' ledgers summed
 * (what the account holds beyond their shares), later ones report an asset whose difference moved.
 * A movement seen on two checks in a row (an order filled between the two reads is not one) is a
 * drift: an `error` alert on the events hub, once while it lasts, and an `info` alert when it is over.
 * The first difference is taken again after a restart of the platform. An account's perpetuals
 * traders are checked against its futures wallet, its spot traders against its spot wallet.
 */
export class LedgerWatch {
  readonly #system: ActorSystem;
  readonly #config: PlatformConfig;
  /** Account minus ledgers at the first check, by `exchange account` then asset. */
  readonly #baseline = new Map<string, Record<string, Fixed>>();
  /** Assets that moved at the last check, and those reported as drifting. */
  readonly #moved = new Map<string, Set<string>>();
  readonly #reported = new Map<string, Map<string, Fixed>>();

  constructor(system: ActorSystem, config: PlatformConfig) {
    this.#system = system;
    this.#config = config;
  }

  /** One check of every account of ccxt exchange `exchange`; resolves to the drifts it holds now. */
  async check(exchange: string, now = Date.now()): Promise<LedgerDrift[]> {
    const wallets = new Map<string, { account: string; wallet?: 'swap'; traders: string[] }>();
    for (const trader of this.#config.traders) {
      if (traderExchange(trader) !== exchange) continue;
      const account = traderAccount(trader);
      const swap = traderTradesSwaps(trader);
      const key = `${exchange} ${account}${swap ? ' swap' : ''}`;
      const entry = wallets.get(key) ?? { account, ...(swap ? { wallet: 'swap' as const } : {}), traders: [] };
      entry.traders.push(trader.id);
      wallets.set(key, entry);
    }
    const drifts: LedgerDrift[] = [];
    for (const [key, wallet] of wallets) drifts.push(...(await this.#checkWallet(key, exchange, wallet, now)));
    return drifts;
  }

  async #checkWallet(key: string, exchange: string, { account, wallet, traders }: { account: string; wallet?: 'swap'; traders: string[] }, now: number): Promise<LedgerDrift[]> {
    const current = () => [...(this.#reported.get(key) ?? new Map<string, Fixed>())].map(([asset, drift]) => ({ exchange, account, ...(wallet ? { wallet } : {}), asset, drift }));
    // A trader that does not answer (stopped, restarting) leaves its account for the next check.
    const ledgers = await Promise.all(traders.map((id) => this.#system.request<TraderStatus>(traderAddress(id), { type: 'status' }).catch(() => undefined)));
    if (ledgers.some((l) => l === undefined)) return current();
    const { balances } = await this.#system.request<BalancesReply>(exchangeAddress(exchange), { type: 'getBalances', account, wallet: wallet ?? 'spot' });
    const difference: Record<string, Fixed> = {};
    for (const ledger of ledgers) {
      for (const [asset, amount] of Object.entries(ledger!.balances)) {
        const held = balances[asset];
        difference[asset] ??= held ? held.free + held.locked : 0n;
        difference[asset] -= amount;
      }
    }
    const baseline = this.#baseline.get(key);
    if (!baseline) {
      this.#baseline.set(key, difference);
      return [];
    }
    const where = `${exchange} account ${account}${wallet ? "'s futures wallet" : ''}`;
    const moved = new Set(Object.keys(difference).filter((asset) => abs(difference[asset]! - (baseline[asset] ?? 0n)) > TOLERANCE));
    const before = this.#moved.get(key) ?? new Set<string>();
    this.#moved.set(key, moved);
    const reported = this.#reported.get(key) ?? new Map<string, Fixed>();
    this.#reported.set(key, reported);
    for (const asset of moved) {
      const drift = difference[asset]! - (baseline[asset] ?? 0n);
      if (!before.has(asset) || reported.has(asset)) continue;
      reported.set(asset, drift);
      this.#alert('error', `ledger drift on ${where}: ${asset} moved ${fixedToString(drift)} beyond what its traders (${traders.join(', ')}) booked; the ledgers are left as they are`, now);
    }
    for (const asset of [...reported.keys()]) {
      if (moved.has(asset)) continue;
      reported.delete(asset);
      this.#alert('info', `ledger drift on ${where}: ${asset} agrees with its traders' ledgers again`, now);
    }
    return current();
  }

  #alert(level: 'error' | 'info', message: string, at: number): void {
    this.#system.send(ADDRESSES.events, { type: 'alert', source: 'ledger', level, message, at });
  }
}
