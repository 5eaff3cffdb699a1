import { NoChange, type Balances as CcxtBalances, type Exchange, type FundingHistory, type Liquidation, type Position as CcxtPosition } from 'ccxt';
import type { BalancesReply, ExecutionReport, HeldPosition, OrderRequest } from '../../actors/trading/exchange-protocol.js';
import { mul, toFixed, type Fixed } from '../../actors/trading/fixed.js';
import { symbolParts } from '../../actors/trading/symbol.js';
import type { MarginMode } from '../../actors/trading/margin.js';
import { unitsOf } from './orders.js';
import type { ExchangeProfile } from './profiles/profile.js';

/**
 * What the ccxt exchange actor adds for linear perpetuals: the positions an account holds, its futures
 * wallet as a ledger counts it, funding payments and liquidations as reports, and the leverage and
 * margin mode set on the exchange before a symbol's first order. Quantities cross to the trader in the base asset.
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

/** The spot wallet: each asset's free and locked (in orders). */
export function spotWallet(balance: CcxtBalances): BalancesReply['balances'] {
  const out: BalancesReply['balances'] = {};
  for (const [asset, { free, used }] of assetsOf(balance)) {
    if (free !== undefined) out[asset] = { free: toFixed(free, `${asset}.free`), locked: toFixed(used ?? 0, `${asset}.used`) };
  }
  return out;
}

/**
 * The futures wallet as a trader's ledger counts it: what was deposited plus realized P&L, fees and
 * funding, unrealized P&L left out (the trader adds it at its own marks). `locked` is the margin in use.
 * `positions`: where ccxt's `total` is the equity (`totalIsEquity`), their unrealized P&L is taken off it; else none.
 */
export function swapWallet(balance: CcxtBalances, positions: CcxtPosition[]): BalancesReply['balances'] {
  const out: BalancesReply['balances'] = {};
  for (const [asset, { total, used }] of assetsOf(balance)) {
    if (total === undefined) continue;
    const unrealized = positions.filter((p) => p.symbol?.endsWith(`:${asset}`)).reduce((sum, p) => sum + toFixed(p.unrealizedPnl ?? 0, `${p.symbol}.unrealizedPnl`), 0n);
    const locked = toFixed(used ?? 0, `${asset}.used`);
    out[asset] = { free: toFixed(total, `${asset}.total`) - unrealized - locked, locked };
  }
  return out;
}

/** ccxt's balance by asset, without its summary keys. */
function assetsOf(balance: CcxtBalances): [string, { free?: number; used?: number; total?: number }][] {
  return Object.entries(balance).flatMap(([asset, entry]) => {
    if (['info', 'free', 'used', 'total', 'timestamp', 'datetime', 'debt'].includes(asset) || !entry || typeof entry !== 'object') return [];
    const { free, used, total } = entry as { free?: unknown; used?: unknown; total?: unknown };
    const number = (v: unknown) => (typeof v === 'number' ? v : undefined);
    return [[asset, { free: number(free), used: number(used), total: number(total) }]];
  });
}

/**
 * Liquidations of `symbol` after `since`, oldest first, as reports to the holder's trader: the closing
 * fill (in base units, at the average price) and its side. The venue's liquidation fee is not among
 * them (Binance books it apart, as an insurance clearance): the ledger watch sees it as drift.
 */
export function liquidationReports(liquidations: Liquidation[], account: string, symbol: string, since: number, contract: Fixed): ExecutionReport[] {
  return after(liquidations, symbol, since)
    .filter(({ entry }) => (entry.contracts ?? 0) > 0)
    .map(({ entry, ts }) => ({
      kind: 'liquidation',
      clientOrderId: '',
      account,
      symbol,
      side: entry.side === 'buy' ? 'buy' : 'sell',
      fill: { tradeId: `${symbol}:${ts}`, quantity: mul(toFixed(entry.contracts, `${symbol}.contracts`), contract), price: toFixed(entry.price, `${symbol}.price`), fee: 0n, feeAsset: symbolParts(symbol).quote, liquidity: 'taker' },
      reason: 'liquidated on the exchange',
      ts,
    }));
}

/** The entries of `symbol` (or of no symbol: the request named it) timed after `since`, oldest first. */
function after<T extends { symbol?: string | undefined; timestamp?: number | undefined }>(entries: T[], symbol: string, since: number): { entry: T; ts: number }[] {
  return entries
    .flatMap((entry) => (entry.timestamp !== undefined && entry.timestamp > since && (entry.symbol === undefined || entry.symbol === symbol) ? [{ entry, ts: entry.timestamp }] : []))
    .sort((a, b) => a.ts - b.ts);
}

/**
 * Funding payments of `symbol` after `since`, oldest first, as reports to the holder's trader: received
 * positive. `asFee`: the exchange's amounts are fees, positive when paid (see `fundingIsFee`).
 */
export function fundingReports(entries: FundingHistory[], account: string, symbol: string, since: number, asFee = false): ExecutionReport[] {
  return after(entries, symbol, since).map(({ entry, ts }) => {
    const amount = toFixed(entry.amount, `${symbol}.funding`);
    return { kind: 'funding', clientOrderId: '', account, symbol, funding: { amount: asFee ? -amount : amount }, ts };
  });
}

/**
 * Sets a perpetual's margin mode and leverage on the exchange before its first order, and again only
 * when they change. A margin mode already set is not a failure (Binance answers it with an error).
 */
export class MarginTerms {
  readonly #set = new Map<string, string>();

  async apply(exchange: Exchange, terms: SwapTerms, order: { account: string; symbol: string; leverage: number; mode: MarginMode }, run: <T>(call: () => Promise<T>) => Promise<T>): Promise<void> {
    const { account, symbol, leverage, mode } = order;
    const key = `${account}\n${symbol}`;
    const wanted = `${mode} ${leverage}`;
    if (this.#set.get(key) === wanted) return;
    // Where ccxt has no call for it (Gate), the margin mode travels with the leverage.
    if (exchange.has.setMarginMode) await run(() => unlessAlreadySo(exchange.setMarginMode(mode, symbol, { leverage })));
    if (!(terms.leverageOnOrder && mode === 'isolated')) await run(() => unlessAlreadySo(exchange.setLeverage(leverage, symbol, { marginMode: mode })));
    this.#set.set(key, wanted);
  }
}

/** How a venue takes a perpetual's terms (a profile's `swaps`). */
export type SwapTerms = NonNullable<ExchangeProfile['swaps']>;

/** The ccxt params of a perpetual order: our client order id, reduce-only, and the terms the venue takes from each order. */
export function perpetualParams(terms: SwapTerms, order: Pick<OrderRequest, 'clientOrderId' | 'reduceOnly' | 'marginMode' | 'leverage'>): Record<string, unknown> {
  const mode = order.marginMode ?? 'isolated';
  return {
    clientOrderId: order.clientOrderId,
    ...(order.reduceOnly ? { reduceOnly: true } : {}),
    ...(terms.marginModeOnOrder ? { marginMode: mode } : {}),
    ...(terms.leverageOnOrder && mode === 'isolated' ? { leverage: order.leverage ?? 1 } : {}),
  };
}

/** An exchange's "no need to change" answer (ccxt's `NoChange`: Binance's margin type, Bybit's leverage) means it is so already. */
async function unlessAlreadySo(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof NoChange)) throw error;
  }
}
