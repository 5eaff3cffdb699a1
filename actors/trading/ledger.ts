import { mul, type Fixed } from './fixed.js';
import type { Side } from './order.js';

/** Balances of one trader account, per asset. Plain data. */
export type Balances = Record<string, Fixed>;

/** One movement of the ledger; emitted as an event so persistence keeps the full history. */
export interface LedgerEntry {
  asset: string;
  delta: Fixed;
  balance: Fixed;
  /** `pnl`: a swap's realized profit or loss; `funding`: a swap's funding payment. */
  reason: 'fill' | 'fee' | 'deposit' | 'pnl' | 'funding';
  ref: string;
  at: number;
}

/**
 * Books a spot fill: base in and quote out for a buy, the reverse for a sell, and the fee (charged in
 * the quote currency) out. Returns the entries so the caller can emit them.
 */
export function bookFill(
  balances: Balances,
  fill: { base: string; quote: string; side: Side; quantity: Fixed; price: Fixed; fee: Fixed; ref: string; at: number },
): LedgerEntry[] {
  const notional = mul(fill.quantity, fill.price);
  const entries = [
    move(balances, fill.base, fill.side === 'buy' ? fill.quantity : -fill.quantity, 'fill', fill.ref, fill.at),
    move(balances, fill.quote, fill.side === 'buy' ? -notional : notional, 'fill', fill.ref, fill.at),
  ];
  if (fill.fee !== 0n) entries.push(move(balances, fill.quote, -fill.fee, 'fee', fill.ref, fill.at));
  return entries;
}

/**
 * Books a swap fill: no asset changes hands, the position does. The realized P&L of what it closed and
 * the fee move the settle currency (the quote of a linear swap).
 */
export function bookSwapFill(balances: Balances, fill: { quote: string; realized: Fixed; fee: Fixed; ref: string; at: number }): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  if (fill.realized !== 0n) entries.push(move(balances, fill.quote, fill.realized, 'pnl', fill.ref, fill.at));
  if (fill.fee !== 0n) entries.push(move(balances, fill.quote, -fill.fee, 'fee', fill.ref, fill.at));
  return entries;
}

export function move(balances: Balances, asset: string, delta: Fixed, reason: LedgerEntry['reason'], ref: string, at: number): LedgerEntry {
  const balance = (balances[asset] ?? 0n) + delta;
  balances[asset] = balance;
  return { asset, delta, balance, reason, ref, at };
}
