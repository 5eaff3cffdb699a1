import { z } from 'zod';
import { TradingError } from './errors.js';
import { toFixed, type Fixed } from './fixed.js';
import { normalizeSymbol } from './symbol.js';
import { storableText } from './text.js';

export type Action = 'BUY' | 'SELL' | 'CLOSE';

/** A validated signal, as the trader pipeline handles it. */
export interface Signal {
  id: string;
  traderId?: string;
  strategy: string;
  /** Unified `BASE/QUOTE`. */
  symbol: string;
  action: Action;
  quantity?: Fixed;
  /** Limit price; a market order when absent. */
  price?: Fixed;
  /** When the signal was made, ms since the epoch. */
  ts: number;
  /** Why, when a strategy made it. */
  reason?: string;
}

const decimal = z.union([z.number(), storableText]).nullish();

/**
 * A signal as it arrives from outside: v3's `{ id, traderId?, strategy, symbol, action, quantity?, price?, ts }`
 * or v2's `{ symbol, action, quantity, strategy }` (no id, exchange-native symbol such as `BTCUSDT`,
 * lower-case action, extra fields such as `confidence` ignored).
 */
export const signalInput = z.object({
  id: z.union([storableText.min(1).max(128), z.number().int().nonnegative()]).optional(),
  traderId: storableText.min(1).max(64).optional(),
  strategy: storableText.min(1).max(64),
  symbol: storableText.min(1).max(32),
  action: storableText.transform((a, ctx) => {
    const upper = a.toUpperCase();
    if (upper === 'BUY' || upper === 'SELL' || upper === 'CLOSE') return upper as Action;
    ctx.addIssue({ code: 'custom', message: `must be BUY, SELL or CLOSE, got "${a.slice(0, 20)}"` });
    return z.NEVER;
  }),
  quantity: decimal,
  price: decimal,
  ts: z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })]).optional(),
});

const SIGNAL_FIELDS = Object.keys(signalInput.shape);

/**
 * The fields of an outside signal that `parseSignal` reads, and nothing else: what is forwarded to a
 * trader, so an extra field (v2's `confidence`, or anything a client adds, however deep) never has to
 * cross to the trader's thread.
 */
export function signalFields(input: object): Record<string, unknown> {
  return Object.fromEntries(SIGNAL_FIELDS.filter((key) => Object.hasOwn(input, key)).map((key) => [key, (input as Record<string, unknown>)[key]]));
}

export interface SignalContext {
  traderId: string;
  /** Symbols this trader trades. */
  symbols: ReadonlySet<string>;
  /** Used as the id of a signal that has none (v2 signals): stable across redeliveries. */
  fallbackId: string;
  now: number;
}

export type SignalVerdict = { ok: true; signal: Signal } | { ok: false; field: string; reason: string };

/**
 * Validates an outside signal for one trader. Never throws: a bad signal is a verdict naming the field,
 * which the trader counts and reports, and the pipeline goes on.
 */
export function parseSignal(input: unknown, context: SignalContext): SignalVerdict {
  const parsed = signalInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, field: issue.path.join('.') || 'signal', reason: issue.message };
  }
  const raw = parsed.data;
  if (raw.traderId !== undefined && raw.traderId !== context.traderId) {
    return { ok: false, field: 'traderId', reason: `signal for trader "${raw.traderId}" delivered to "${context.traderId}"` };
  }
  const symbol = normalizeSymbol(raw.symbol);
  if (!symbol || !context.symbols.has(symbol)) {
    return { ok: false, field: 'symbol', reason: `"${raw.symbol}" is not a symbol this trader trades (${[...context.symbols].join(', ')})` };
  }
  const signal: Signal = {
    id: raw.id === undefined ? context.fallbackId : String(raw.id),
    strategy: raw.strategy,
    symbol,
    action: raw.action,
    ts: raw.ts === undefined ? context.now : typeof raw.ts === 'number' ? raw.ts : Date.parse(raw.ts),
  };
  if (raw.traderId !== undefined) signal.traderId = raw.traderId;
  try {
    if (raw.quantity != null) signal.quantity = positive(raw.quantity, 'quantity');
    if (raw.price != null) signal.price = positive(raw.price, 'price');
  } catch (error) {
    const { field = 'signal', detail } = error as TradingError;
    return { ok: false, field, reason: detail };
  }
  return { ok: true, signal };
}

function positive(value: number | string, field: string): Fixed {
  const fixed = toFixed(value, field);
  if (fixed <= 0n) throw new TradingError('ERR_INVALID_SIGNAL', `must be positive, got ${value}`, { field });
  return fixed;
}
