import type { Address } from '../../runtime/message.js';
import { abs, min, type Fixed } from '../../actors/trading/fixed.js';
import { initialMargin, liquidationPrice, type MarginMode } from '../../actors/trading/margin.js';
import type { Side } from '../../actors/trading/order.js';
import { applyFillToPosition, emptyPosition, type Position } from '../../actors/trading/position.js';

/** A swap position of one paper account: the position, the margin it holds locked, and its terms. */
export interface PaperPosition {
  position: Position;
  /** Initial margin locked for it, in the quote. */
  margin: Fixed;
  leverage: number;
  mode: MarginMode;
  /** Where its funding and liquidation reports go: the sender of the last order that traded it. */
  owner: Address;
}

/** What a fill does to a position, worked out before anything changes. */
export interface SwapChange {
  /** P&L realized by the part that closed. */
  realized: Fixed;
  /** Margin the closed part no longer needs. */
  released: Fixed;
  /** Margin the opened part needs. */
  added: Fixed;
}

/**
 * The paper exchange's swap positions, one-way mode: one signed position per account and symbol, its
 * average entry moved the way the trader moves its own (`applyFillToPosition`), so both realize the same
 * P&L to the unit. Margin is kept per position: what it opened with, released in proportion as it closes.
 */
export class PaperPositions {
  readonly #positions: Record<string, Record<string, PaperPosition>>;

  constructor(snapshot?: Record<string, Record<string, PaperPosition>>) {
    this.#positions = snapshot ?? {};
  }

  /** Forgets the account's positions. */
  remove(account: string): void {
    delete this.#positions[account];
  }

  get(account: string, symbol: string): PaperPosition | undefined {
    return this.#positions[account]?.[symbol];
  }

  /** Whether any account holds a position. */
  get any(): boolean {
    for (const _ in this.#positions) return true;
    return false;
  }

  /** The account's positions, by symbol. */
  of(account: string): Record<string, PaperPosition> {
    return this.#positions[account] ?? {};
  }

  /** Signed quantity held; 0 when none. */
  quantity(account: string, symbol: string): Fixed {
    return this.get(account, symbol)?.position.quantity ?? 0n;
  }

  /** Every open position of `symbol`, by account. */
  *holding(symbol: string): Generator<[account: string, held: PaperPosition]> {
    for (const [account, bySymbol] of Object.entries(this.#positions)) {
      const held = bySymbol[symbol];
      if (held && held.position.quantity !== 0n) yield [account, held];
    }
  }

  /** What filling `quantity` on `side` at `price` would realize, release and add, with the position unchanged. */
  preview(account: string, symbol: string, side: Side, quantity: Fixed, price: Fixed, leverage: number): SwapChange {
    const held = this.get(account, symbol);
    return change(held ? { ...held.position } : emptyPosition(symbol), held?.margin ?? 0n, side, quantity, price, leverage, 0);
  }

  /** Applies a fill (see `preview` for what it changes) and returns the change. */
  fill(account: string, symbol: string, side: Side, quantity: Fixed, price: Fixed, terms: { leverage: number; mode: MarginMode; owner: Address }, at: number): SwapChange {
    const bySymbol = (this.#positions[account] ??= {});
    const held = (bySymbol[symbol] ??= { position: emptyPosition(symbol), margin: 0n, ...terms });
    const changed = change(held.position, held.margin, side, quantity, price, terms.leverage, at);
    held.margin += changed.added - changed.released;
    Object.assign(held, terms);
    if (held.position.quantity === 0n) delete bySymbol[symbol];
    if (Object.keys(bySymbol).length === 0) delete this.#positions[account];
    return changed;
  }

  /** Sets a position held elsewhere, with the margin locked for it (see `PaperEngine.open`). */
  open(account: string, symbol: string, quantity: Fixed, entry: Fixed, margin: Fixed, terms: { leverage: number; mode: MarginMode; owner: Address }): void {
    (this.#positions[account] ??= {})[symbol] = { position: { ...emptyPosition(symbol), quantity, avgEntry: entry }, margin, ...terms };
  }

  /** Where `held` is liquidated, backed by its margin (isolated) or also by the account's free balance (cross). */
  liquidationPrice(held: PaperPosition, free: Fixed, maintenance: Fixed): Fixed | undefined {
    const collateral = held.mode === 'isolated' ? held.margin : held.margin + free;
    return liquidationPrice(held.position.quantity, held.position.avgEntry, collateral, maintenance);
  }

  snapshot(): Record<string, Record<string, PaperPosition>> {
    return this.#positions;
  }
}

/**
 * Applies a fill to `position` (backed by `margin`) and says what it did: the P&L it realized, the
 * margin the closed part releases (in proportion), the margin the opened part needs at `leverage`.
 */
function change(position: Position, margin: Fixed, side: Side, quantity: Fixed, price: Fixed, leverage: number, at: number): SwapChange {
  const before = position.quantity;
  const realized = position.realizedPnl;
  const closing = before !== 0n && before > 0n === (side === 'sell') ? min(quantity, abs(before)) : 0n;
  applyFillToPosition(position, side, quantity, price, 0n, at);
  const released = closing === 0n ? 0n : closing === abs(before) ? margin : (margin * closing) / abs(before);
  return { realized: position.realizedPnl - realized, released, added: initialMargin(quantity - closing, price, leverage) };
}
