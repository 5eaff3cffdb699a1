import { z } from 'zod';
import { issueField } from '../../runtime/issues.js';
import { TradingError } from '../trading/errors.js';
import type { Candle } from '../trading/market.js';
import { parseTimeframe } from '../trading/timeframe.js';
import type { Indicator, Strategy, StrategyContext, StrategyDefinition, StrategySignal } from './strategy.js';

const positive = z.bigint().positive();

/** What a strategy may return: checked field by field, since a user's module can return anything. */
export const signalShape = z.strictObject({
  symbol: z.string().min(1),
  action: z.enum(['BUY', 'SELL', 'CLOSE']),
  price: positive.optional(),
  quantity: positive.optional(),
  reason: z.string().min(1),
});

const SIGNAL_FIELDS = new Set(Object.keys(signalShape.shape));
const ACTIONS = new Set<unknown>(signalShape.shape.action.options);
const positiveOrAbsent = (x: unknown) => x === undefined || (typeof x === 'bigint' && x > 0n);

/**
 * Whether `value` is a signal `signalShape` takes, decided without it: the trader asks once per
 * signal, which costs half a microsecond here and 2 to 6 through zod's parse (6 over a run's first
 * thousand). The schema decides what this does not take, and says why. A test holds the two to the same
 * answer.
 */
export function isWellFormedSignal(value: unknown): value is StrategySignal {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const signal = value as Record<string, unknown>;
  for (const key of Object.keys(signal)) if (!SIGNAL_FIELDS.has(key)) return false;
  return (
    typeof signal.symbol === 'string' &&
    signal.symbol !== '' &&
    ACTIONS.has(signal.action) &&
    positiveOrAbsent(signal.price) &&
    positiveOrAbsent(signal.quantity) &&
    typeof signal.reason === 'string' &&
    signal.reason !== ''
  );
}

/** A signal a strategy returned that is not one: the field and why, for the trader's `signal.rejected` event. */
export interface MalformedSignal {
  field: string;
  reason: string;
}

/**
 * How a strategy resumes, as the trader's snapshot keeps it: the instance's own `snapshot()`, or the
 * last `warmup` candles of each symbol, replayed into a fresh instance.
 */
type Resume = { state: unknown } | { candles: Record<string, Candle[]> };

/** A candle's result when the strategy gave nothing; frozen, as every caller shares it. */
const NONE: { signals: StrategySignal[]; malformed: MalformedSignal[] } = Object.freeze({ signals: Object.freeze([]) as unknown as StrategySignal[], malformed: Object.freeze([]) as unknown as MalformedSignal[] });

/** When a candle closed: the order a replay feeds candles of several timeframes in. */
const closeOf = (candle: Candle) => candle.ts + parseTimeframe(candle.timeframe);

/**
 * Runs one strategy instance for a trader: hands it each closed candle with a view of the trader,
 * checks what it returns, names its file in every error, and keeps what it needs to resume.
 */
export class StrategyDriver {
  readonly #strategy: Strategy;
  /** The module file, or the built-in type: what every error names. */
  readonly #source: string;
  readonly #warmup: number;
  /** Candles kept for a replay, per symbol and timeframe; only for a strategy that has no `snapshot()`. */
  readonly #candles: Record<string, Candle[]> | undefined;

  /** @throws TradingError `ERR_INVALID_CONFIG` (field `strategy.params.*`) for params the strategy's schema refuses. */
  constructor(definition: StrategyDefinition, options: { params: unknown; source: string; resume: unknown; context: StrategyContext }) {
    this.#source = options.source;
    const params = definition.params.safeParse(options.params);
    if (!params.success) {
      const issue = params.error.issues[0]!;
      throw new TradingError('ERR_INVALID_CONFIG', `strategy ${this.#source}: ${issue.message}`, { field: ['strategy.params', ...issue.path].join('.') });
    }
    this.#warmup = this.#guard('warmup', () => definition.warmup?.(params.data) ?? 0);
    if (!Number.isSafeInteger(this.#warmup) || this.#warmup < 0) {
      throw new TradingError('ERR_STRATEGY', `strategy ${this.#source}: warmup must return a whole number of candles, got ${String(this.#warmup)}`);
    }
    const resume = options.resume as Resume | undefined;
    this.#strategy = this.#guard('create', () => definition.create(params.data, resume && 'state' in resume ? resume.state : undefined));
    if (this.#strategy.snapshot) return;
    this.#candles = {};
    // Signals of the replay were acted on before the restart: only the indicators are rebuilt, in the
    // order the candles first came (by close, the shorter timeframe first).
    const kept = Object.values(resume && 'candles' in resume ? resume.candles : {}).flat();
    kept.sort((a, b) => closeOf(a) - closeOf(b) || closeOf(a) - a.ts - (closeOf(b) - b.ts));
    for (const candle of kept) this.onCandle(candle, options.context);
  }

  /**
   * The strategy's signals on a closed candle, and those it returned malformed.
   *
   * @throws TradingError `ERR_STRATEGY` when the strategy throws: the trader crashes with it, and its
   * supervisor restarts it (the candle goes to the dead letters if it keeps doing so).
   */
  onCandle(candle: Candle, context: StrategyContext): { signals: StrategySignal[]; malformed: MalformedSignal[] } {
    this.#keep(candle);
    let returned: StrategySignal[] | void;
    // Not through #guard: this runs on every candle, and a closure per call is garbage per candle.
    try {
      returned = this.#strategy.onCandle?.(candle, context);
    } catch (cause) {
      throw this.#failure('onCandle', cause, candle);
    }
    // Most candles give no signal: no new result for them (a backtest asks on every candle).
    if (returned === undefined || (Array.isArray(returned) && returned.length === 0)) return NONE;
    if (!Array.isArray(returned)) {
      return { signals: [], malformed: [{ field: 'strategy.signals', reason: `strategy ${this.#source}: onCandle must return an array of signals, got ${typeof returned}` }] };
    }
    const signals: StrategySignal[] = [];
    const malformed: MalformedSignal[] = [];
    returned.forEach((value, i) => {
      // As it is: the trader copies the fields it takes into a signal of its own.
      if (isWellFormedSignal(value)) {
        signals.push(value);
        return;
      }
      const parsed = signalShape.safeParse(value);
      if (parsed.success) {
        signals.push(parsed.data);
        return;
      }
      const issue = parsed.error.issues[0]!;
      const { path, message } = issueField(issue);
      const field = path.join('.');
      malformed.push({ field: `strategy.signals[${i}]${field ? `.${field}` : ''}`, reason: `strategy ${this.#source}: ${message}` });
    });
    return { signals, malformed };
  }

  /**
   * The strategy's indicators of `symbol` as of its last candle, for the trader's chart: copies of
   * those well formed (a name, a finite value), none when it has no `indicators()` or it throws. A
   * chart is never a reason to stop trading.
   */
  indicators(symbol: string): Indicator[] {
    let returned: unknown;
    try {
      returned = this.#strategy.indicators?.(symbol);
    } catch {
      return [];
    }
    if (!Array.isArray(returned)) return [];
    const out: Indicator[] = [];
    for (const item of returned as Partial<Indicator>[]) {
      const { name, value, pane } = item ?? {};
      if (typeof name !== 'string' || name === '' || typeof value !== 'number' || !Number.isFinite(value)) continue;
      out.push(pane === 'own' ? { name, value, pane } : { name, value });
    }
    return out;
  }

  /** What the trader's snapshot keeps of the strategy. */
  snapshot(): Resume {
    return this.#candles ? { candles: this.#candles } : { state: this.#guard('snapshot', () => this.#strategy.snapshot!()) };
  }

  #keep(candle: Candle): void {
    if (!this.#candles || this.#warmup <= 0) return;
    const kept = (this.#candles[`${candle.symbol} ${candle.timeframe}`] ??= []);
    kept.push(candle);
    if (kept.length > this.#warmup) kept.shift();
  }

  #guard<T>(hook: string, call: () => T): T {
    try {
      return call();
    } catch (cause) {
      throw this.#failure(hook, cause);
    }
  }

  /** What a strategy that threw fails with: its file, the hook, and the candle it was given. */
  #failure(hook: string, cause: unknown, candle?: Candle): TradingError {
    const where = candle ? ` on the ${candle.symbol} ${candle.timeframe} candle of ${new Date(candle.ts).toISOString()}` : '';
    return new TradingError('ERR_STRATEGY', `strategy ${this.#source}: ${hook} threw${where}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}
