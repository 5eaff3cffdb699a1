import { NoChange, type Balances as CcxtBalances, type Exchange, type FundingHistory, type Position as CcxtPosition } from 'ccxt';
import type { BalancesReply, ExecutionReport, HeldPosition } from '../../actors/trading/exchange-protocol.js';
import { mul, toFixed } from '../../actors/trading/fixed.js';
import type { MarginMode } from '../../actors/trading/margin.js';
import { unitsOf } from './orders.js';

/**
 * What the ccxt exchange actor adds for linear perpetuals: the positions an account holds, its futures
 * wallet as a ledger counts it, funding payments as reports, and the leverage and margin mode set on
 * the exchange before a symbol's first order. Quantities cross to the trader in the base asset.
 */

/** The account's linear perpetual positions as the trader holds them: signed base quantity (long > 0) and entry. */
export function heldPositions(exchange: Exchange, positions: CcxtPosition[]): Record<string, HeldPosition> {
  const held: Record<string, HeldPosition> = {};
  for (const p of positions) {
    if (!p.symbol || !exchange.markets?.[p.symbol]?.linear || !p.contracts) continue;
    const quantity = mul(toFixed(p.contracts, `${p.symbol}.contracts`), unitsOf(exchange, p.symbol).contract);
    held[p.symbol] = { quantity: p.side === 'short' ? -quantity : quantity, entry: toFixed(p.entryPrice ?? 0, `${p.symbol}.entryPrice`) };
  }
  return held;
}

/**
 * The futures wallet as a trader's ledger counts it: what was deposited plus realized P&L, fees and
 * funding, unrealized P&L left out (the trader adds it at its own marks). `locked` is the margin in use.
 * Where ccxt's `total` is the equity, the positions' unrealized P&L is taken off it.
 */
export function swapWallet(balance: CcxtBalances, positions: CcxtPosition[], totalIsEquity: boolean): BalancesReply['balances'] {
  const out: BalancesReply['balances'] = {};
  for (const [asset, entry] of Object.entries(balance)) {
    const { total, used } = (entry ?? {}) as { total?: number; used?: number };
    if (typeof total !== 'number' || ['info', 'free', 'used', 'total', 'timestamp', 'datetime'].includes(asset)) continue;
    const unrealized = totalIsEquity ? positions.filter((p) => p.symbol?.endsWith(`:${asset}`)).reduce((sum, p) => sum + toFixed(p.unrealizedPnl ?? 0, `${p.symbol}.unrealizedPnl`), 0n) : 0n;
    const locked = toFixed(used ?? 0, `${asset}.used`);
    out[asset] = { free: toFixed(total, `${asset}.total`) - unrealized - locked, locked };
  }
  return out;
}

/** Funding payments of `symbol` after `since`, oldest first, as reports to the holder's trader. */
export function fundingReports(entries: FundingHistory[], account: string, symbol: string, since: number): ExecutionReport[] {
  return entries
    .flatMap((e) => (e.timestamp !== undefined && e.timestamp > since && (e.symbol === undefined || e.symbol === symbol) ? [{ amount: e.amount, ts: e.timestamp }] : []))
    .sort((a, b) => a.ts - b.ts)
    .map(({ amount, ts }) => ({ kind: 'funding', clientOrderId: '', account, symbol, funding: { amount: toFixed(amount, `${symbol}.funding`) }, ts }));
}

/**
 * Sets a perpetual's margin mode and leverage on the exchange before its first order, and again only
 * when they change. A margin mode already set is not a failure (Binance answers it with an error).
 */
export class MarginTerms {
  readonly #set = new Map<string, string>();

  async apply(exchange: Exchange, account: string, symbol: string, leverage: number, mode: MarginMode, run: <T>(call: () => Promise<T>) => Promise<T>): Promise<void> {
    const key = `${account}\n${symbol}`;
    const wanted = `${mode} ${leverage}`;
    if (this.#set.get(key) === wanted) return;
    await run(() => unlessAlreadySo(exchange.setMarginMode(mode, symbol, { leverage })));
    await run(() => unlessAlreadySo(exchange.setLeverage(leverage, symbol, { marginMode: mode })));
    this.#set.set(key, wanted);
  }
}

/** An exchange's "no need to change" answer (ccxt's `NoChange`: Binance's margin type, Bybit's leverage) means it is so already. */
async function unlessAlreadySo(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof NoChange)) throw error;
  }
}
