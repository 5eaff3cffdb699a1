import { z } from 'zod';
import { CLUSTER_DEFAULTS, NODE_ID } from '../cluster/options.js';
import { inferStrategyType, STRATEGIES, strategyTypes } from '../../actors/strategies/registry.js';
import { TradingError } from '../../actors/trading/errors.js';
import { isSwapSymbol, normalizeSymbol } from '../../actors/trading/symbol.js';
import { isTimeframe } from '../../actors/trading/timeframe.js';
import { EXCHANGE_IDS, PROFILES, type ExchangeId } from '../exchanges/profiles/index.js';
import { paperArgsSchema } from '../paper/options.js';
import { decimal, fraction, positiveDecimal, share } from './decimal.js';

const symbol = z.string().transform((value, ctx) => {
  const normalized = normalizeSymbol(value);
  if (!normalized) ctx.addIssue({ code: 'custom', message: `"${value}" is not a symbol such as BTC/USDT` });
  return normalized ?? z.NEVER;
});

const timeframe = z.string().refine(isTimeframe, 'must be a timeframe such as 1m, 15m, 1h or 1d');

const leverage = z.number().int().min(1).max(125);

const riskParams = z.strictObject({
  /** Largest position per symbol, in quote (v2 `max_position_size`). */
  max_position: positiveDecimal.optional(),
  /** Close a position this fraction below its entry (v2 `stop_loss_pct`). */
  stop_loss: fraction.optional(),
  take_profit: fraction.optional(),
});

const v3Strategy = z.strictObject({
  name: z.string().min(1),
  /** Which algorithm; inferred from `name` when absent (`sma_cross` -> `sma_crossover`). */
  type: z.string().optional(),
  /**
   * A strategy module of the user's own (`.ts` or `.js`), relative to the config file. Its params are
   * checked against its own schema once it is loaded (`resolveStrategies`), not here.
   */
  module: z.string().min(1).optional(),
  symbols: z.array(symbol).min(1),
  timeframe: timeframe.default('1m'),
  params: z.record(z.string(), z.unknown()).default({}),
  risk_params: riskParams.prefault({}),
});

/** v2's `strategies.yaml` entry, mapped to the v3 shape field by field. */
const v2Strategy = z
  .strictObject({
    strategy_name: z.string().min(1),
    pairs: z.array(symbol).min(1),
    exchange: z.string().optional(),
    interval: timeframe.default('1m'),
    max_position_size: positiveDecimal.optional(),
    stop_loss_pct: fraction.optional(),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .transform((v2) => ({
    name: v2.strategy_name,
    type: undefined,
    symbols: v2.pairs,
    timeframe: v2.interval,
    params: v2.params,
    risk_params: { max_position: v2.max_position_size, stop_loss: v2.stop_loss_pct, take_profit: undefined },
    v2Exchange: v2.exchange,
  }));

/**
 * An entry is read in the format it is written in, told by `strategy_name`: a union of the two would
 * report a bad v2 `stop_loss_pct` or a bad v3 symbol as "neither format" instead of naming the field.
 */
const strategy = z.looseObject({}).transform((value, ctx) => {
  const entry: z.ZodSafeParseResult<z.output<typeof v3Strategy> | z.output<typeof v2Strategy>> =
    'strategy_name' in value ? v2Strategy.safeParse(value) : v3Strategy.safeParse(value);
  if (!entry.success) {
    for (const issue of entry.error.issues) ctx.addIssue({ ...issue });
    return z.NEVER;
  }
  const s = entry.data;
  if ('module' in s && s.module !== undefined) return { ...s, type: s.type ?? s.name };
  const type = s.type ?? inferStrategyType(s.name);
  const definition = type === undefined ? undefined : STRATEGIES[type];
  if (!definition) {
    ctx.addIssue({ code: 'custom', path: ['type'], message: `cannot tell the strategy type of "${s.name}"; set type to one of ${strategyTypes().join(', ')}` });
    return z.NEVER;
  }
  const params = definition.params.safeParse(s.params);
  if (!params.success) {
    // Forwarded whole, so an unknown param stays an unknown field that the error names.
    for (const issue of params.error.issues) ctx.addIssue({ ...issue, path: ['params', ...issue.path] });
    return z.NEVER;
  }
  return { ...s, type: definition.type, params: params.data };
});

/**
 * Which of a trader's orders wait for the AI reviewer, and what happens when no verdict comes. An order
 * is reviewed when any rule asks for it; one that none asks for never waits. `never` and `always` are
 * short for no rule and `all: true`.
 */
const reviewPolicy = z.strictObject({
  all: z.boolean().default(false),
  /** Orders of this notional (in quote) and more. */
  above: positiveDecimal.optional(),
  /** The first orders on a symbol the trader never held. */
  newSymbols: z.boolean().default(false),
  /** Every order after this many losing closes in a row (0: off). */
  afterLosses: z.number().int().nonnegative().default(0),
  /** A share of the other orders, picked by signal id (the same signal is always picked or not). */
  sample: z.number().min(0).max(1).default(0),
  /** How long an order may wait for the AI verdict before `onFailure` decides. */
  timeoutMs: z.number().int().positive().max(3_600_000).default(30_000),
  /** No verdict in time, or the reviewer failed: `reject` the order, or `pass` it flagged as unreviewed. */
  onFailure: z.enum(['reject', 'pass']).default('reject'),
});
// The shorthands become policies before validation, so an error inside a policy names its own field.
const review = z.preprocess((value) => (value === undefined || value === 'never' ? {} : value === 'always' ? { all: true } : value), reviewPolicy);

export const traderSchema = z.strictObject({
  id: z.string().regex(/^[\w-]{1,48}$/, 'use 1 to 48 letters, digits, _ and -'),
  /** Name of an entry of `exchanges`; default: the v2 strategy's exchange, else `paper`. */
  exchange: z.string().optional(),
  /** Account on the exchange; default: the trader id. */
  account: z.string().optional(),
  /** Symbols traded on outside signals; default: the strategy's. */
  symbols: z.array(symbol).min(1).optional(),
  strategy: strategy.optional(),
  /** On the paper exchange: what its account opens with. A ccxt trader's ledger starts from its account instead. */
  balances: z.record(z.string(), decimal).prefault({ USDT: 10_000 }),
  /** A ccxt trader's share of its account (default all of it): its ledger starts from this share of the account's balances. */
  allocation: share.optional(),
  /** Size of an order whose signal has no quantity, in quote. */
  orderNotional: positiveDecimal.prefault(100),
  /** Perpetuals: SELL beyond the long opens a short (default false). */
  allowShort: z.boolean().optional(),
  /** Perpetuals: one leverage for every swap symbol, or one per symbol (1 where none is given). */
  leverage: z.union([leverage, z.record(symbol, leverage)]).optional(),
  /** Perpetuals: default isolated. */
  marginMode: z.enum(['isolated', 'cross']).optional(),
  review,
  limits: z
    .strictObject({
      maxOrderNotional: positiveDecimal.optional(),
      maxOpenOrders: z.number().int().positive().optional(),
      maxOrdersPerSecond: z.number().positive().optional(),
      maxLeverage: positiveDecimal.optional(),
      minLiquidationDistance: fraction.optional(),
    })
    .prefault({}),
  monitor: z
    .strictObject({
      takeProfit: fraction.optional(),
      dailyLossLimit: positiveDecimal.optional(),
      maxDrawdown: fraction.optional(),
      maxExposure: positiveDecimal.optional(),
      maxMarginRatio: fraction.optional(),
    })
    .prefault({}),
  dedupeWindow: z.number().int().positive().max(1_048_576).default(32_768),
  reportMs: z.number().int().positive().default(250),
});

/**
 * An exchange reached through ccxt. `exchange` defaults to the entry's name (`exchanges: { binance:
 * { type: ccxt } }`); keys come from the environment or `keysFile` (see `resolveCredentials`).
 */
const ccxtExchange = z.strictObject({
  type: z.literal('ccxt'),
  exchange: z.enum(EXCHANGE_IDS as [ExchangeId, ...ExchangeId[]]).optional(),
  /** The exchange's testnet, where it has one. */
  sandbox: z.boolean().default(false),
  /** Send every request to this origin (a proxy, or a replay in tests). */
  endpoint: z.url().optional(),
  keysFile: z.string().min(1).optional(),
  /** Candles published to the traders' strategies. */
  timeframe: z.string().default('1m'),
  /** How often live orders and candles are fetched. */
  pollMs: z.number().int().positive().default(2_000),
  /** How often each account is checked against its traders' ledgers (see the README's exchanges section). */
  ledgerCheckMs: z.number().int().positive().default(300_000),
  /** How often funding payments and liquidations on the perpetuals its traders hold are fetched. */
  holdingsCheckMs: z.number().int().positive().default(60_000),
  timeoutMs: z.number().int().positive().default(10_000),
  /**
   * Least milliseconds between two requests of weight 1 (ccxt's `rateLimit`; heavier calls wait as many
   * times longer as they weigh): the exchange's published limit by default. Lower it for an account
   * with a higher tier, or for a local proxy that is not rate-limited.
   */
  rateLimitMs: z.number().int().positive().max(60_000).optional(),
  /**
   * A perpetual's tier-1 terms where the exchange's market list does not state them (Binance's does
   * not): the highest leverage (default the market's, else 20) and the maintenance margin rate
   * (default half the initial margin at the highest leverage, as the five exchanges' first tiers are).
   */
  swaps: z.record(symbol, z.strictObject({ maxLeverage: z.number().int().min(1).max(1000).optional(), maintenanceMargin: fraction.optional() })).optional(),
});

const paperExchange = z
  .object({ type: z.literal('paper'), ...paperArgsSchema.shape })
  .strict()
  .superRefine((paper, ctx) => {
    // A replay starts at its first candle; a random walk needs to be told where.
    if (paper.replay) return;
    for (const [symbol, spec] of Object.entries(paper.markets ?? {})) {
      if (spec.startPrice === undefined) ctx.addIssue({ code: 'custom', path: ['markets', symbol, 'startPrice'], message: 'is needed where prices are a random walk (no replay)' });
    }
  });
const exchange = z.discriminatedUnion('type', [paperExchange, ccxtExchange]);

/** The REST API, WebSocket stream and metrics server of `botv3 start`. */
const apiSchema = z.strictObject({
  /** 0 picks a free port. */
  port: z.number().int().min(0).max(65_535).default(8080),
  /** Loopback by default: put the API behind a TLS proxy before opening it to a network. */
  host: z.string().min(1).default('127.0.0.1'),
  /** Larger request bodies are refused with 413. */
  bodyLimitBytes: z.number().int().positive().max(64 * 1024 * 1024).default(1024 * 1024),
  /** Requests each token may make per window; more get 429 with Retry-After. */
  rateLimit: z.strictObject({ requests: z.number().int().positive().default(100), windowMs: z.number().int().positive().default(1_000) }).prefault({}),
  /** Origins allowed to call the API from a browser; none (CORS off) by default. */
  corsOrigins: z.array(z.url()).default([]),
  stream: z
    .strictObject({
      /** A client whose unsent data grows past this is dropped (close code 1008): a slow reader never slows the platform. */
      maxBufferedBytes: z.number().int().positive().default(1024 * 1024),
      heartbeatMs: z.number().int().positive().default(15_000),
      maxClients: z.number().int().positive().default(10_000),
    })
    .prefault({}),
});

/** The AI cross-verification reviewer (see `ai/`). */
const aiSchema = z.strictObject({
  /** `auto`: Claude when `ANTHROPIC_API_KEY` (or v2's `CLAUDE_API_KEY`) is set, else the offline rule-based reviewer. */
  reviewer: z.enum(['auto', 'claude', 'offline']).default('auto'),
  /** Where the Messages API is (a proxy; a fake in tests); default: the SDK's. */
  baseUrl: z.url().optional(),
  /** The two independent reviews of each order: a prompt (`risk` or `market`) on a model each. */
  reviewers: z
    .array(z.strictObject({ prompt: z.enum(['risk', 'market']), model: z.string().min(1) }))
    .length(2)
    .default([
      { prompt: 'risk', model: 'claude-sonnet-5-5' },
      { prompt: 'market', model: 'claude-haiku-5-5' },
    ]),
  /** Verdicts less sure than this go to the human queue even when both agree. */
  minConfidence: z.number().min(0).max(1).default(0.6),
  maxTokens: z.number().int().positive().max(8_192).default(512),
  /** One request; the SDK retries 408, 409, 429 and 5xx with backoff `retries` times. */
  timeoutMs: z.number().int().positive().default(10_000),
  retries: z.number().int().nonnegative().max(10).default(2),
  /** Requests to the API at once; more wait their turn. */
  concurrency: z.number().int().positive().max(256).default(8),
  budget: z
    .strictObject({
      callsPerMinute: z.number().int().positive().default(120),
      tokensPerDay: z.number().int().positive().default(2_000_000),
    })
    .prefault({}),
  /** Opens when this share of the reviews in `windowMs` failed (from `minReviews` on), makes no calls for `resetMs`, then lets one review try. */
  breaker: z
    .strictObject({
      failureRate: z.number().gt(0).max(1).default(0.5),
      minReviews: z.number().int().positive().default(5),
      windowMs: z.number().int().positive().default(60_000),
      resetMs: z.number().int().positive().default(30_000),
    })
    .prefault({}),
  /** Verdicts remembered by order, so the same signal is never reviewed twice. */
  cacheSize: z.number().int().positive().default(10_000),
  queue: z
    .strictObject({
      /** A review left undecided this long expires and its order is rejected: the signal went stale. */
      expiresMs: z.number().int().positive().default(300_000),
      /** More undecided reviews than this: new ones are rejected instead of queued. */
      maxSize: z.number().int().positive().default(1_000),
    })
    .prefault({}),
});

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a UTC time such as 20:00');

/**
 * The Telegram bot (see `adapters/telegram`). The token is better kept in `TELEGRAM_BOT_TOKEN`, which
 * wins over `token`; without either the bot does not start.
 */
const telegramSchema = z.strictObject({
  token: z.string().regex(/^\d+:[\w-]+$/, 'must be a bot token such as 123456789:AA...').optional(),
  /** Chats allowed to command the bot and told the notifications (v2's `allowed_chats`). */
  chatIds: z.array(z.number().int()).default([]),
  /** Where the Bot API is (`TELEGRAM_API_ROOT` wins): a self-hosted Bot API server. */
  apiRoot: z.url().optional(),
  /** `polling` (long polling, the default) or `webhook`: Telegram posts updates to `webhook.url`, served at `/telegram/webhook` of the API. */
  mode: z.enum(['polling', 'webhook']).default('polling'),
  webhook: z.strictObject({ url: z.url(), secretToken: z.string().regex(/^[\w-]{1,256}$/).optional() }).optional(),
  notifications: z
    .strictObject({ trade_executed: z.boolean().default(true), error_alert: z.boolean().default(true), daily_report: z.boolean().default(true) })
    .prefault({}),
  dailyReportAt: hhmm.default('20:00'),
  /** Notifications within this window go out as one message. */
  batchMs: z.number().int().positive().default(2_000),
  /** At most this many messages a minute to each chat; more wait for the next batch. */
  maxMessagesPerMinute: z.number().int().positive().max(60).default(20),
});

/** Where each alert rule's `action` goes: `telegram`, `log`, or a webhook URL (JSON POST). */
const notifier = z.union([z.enum(['telegram', 'log']), z.strictObject({ webhook: z.url() })]);

const alertsSchema = z.strictObject({
  /** The rule file (`alerts.yaml`); default: the four rules shipped with v3. */
  file: z.string().min(1).optional(),
  evaluateMs: z.number().int().positive().default(5_000),
  actions: z.record(z.string(), z.array(notifier).min(1)).default({
    notify_telegram: ['telegram', 'log'],
    notify_ops_team: ['log'],
    page_oncall: ['log'],
  }),
});

/**
 * How long each part of the platform may take to stop, in the order they stop. A part still stopping
 * at its deadline is abandoned: the next one stops, and the process exits with a status that says so.
 */
const shutdownSchema = z.strictObject({
  alertsMs: z.number().int().positive().default(5_000),
  /** The bot's last notifications and its update offset; a Bot API that does not answer uses all of it. */
  telegramMs: z.number().int().positive().default(5_000),
  apiMs: z.number().int().positive().default(5_000),
  /** Mailboxes drain (for up to 10 s), then the actors stop and persistence writes what is left. */
  actorsMs: z.number().int().positive().default(30_000),
  /** The embedded PostgreSQL writes its files and closes. */
  databaseMs: z.number().int().positive().default(10_000),
});

/**
 * Lease timings of a cluster's nodes (`botv3 start --cluster`): every node of a cluster should use the
 * same. An owner stops its traders `fenceAfterMs` after its last renewal that succeeded, before the
 * lease is free at `leaseTtlMs`; renewals come every `renewMs`, several times within `fenceAfterMs`.
 */
const clusterSchema = z
  .strictObject({
    /** Its NATS names start with it (`<name>_leases`, `<name>.signals.<trader>`): clusters can share one NATS. */
    name: z.string().regex(NODE_ID, 'use 1 to 48 letters, digits, _ and -').default(CLUSTER_DEFAULTS.name),
    leaseTtlMs: z.number().int().min(500).max(60_000).default(CLUSTER_DEFAULTS.leaseTtlMs),
    renewMs: z.number().int().min(50).max(10_000).default(CLUSTER_DEFAULTS.renewMs),
    fenceAfterMs: z.number().int().min(100).max(60_000).default(CLUSTER_DEFAULTS.fenceAfterMs),
  })
  .superRefine((cluster, ctx) => {
    if (cluster.fenceAfterMs >= cluster.leaseTtlMs) ctx.addIssue({ code: 'custom', path: ['fenceAfterMs'], message: 'must be below leaseTtlMs: an owner stops its traders before another node may take them' });
    if (cluster.renewMs * 3 > cluster.fenceAfterMs) ctx.addIssue({ code: 'custom', path: ['renewMs'], message: 'must be a third of fenceAfterMs or less: a renewal that fails once must not stop a trader' });
  });

export const platformSchema = z.strictObject({
  exchanges: z.record(z.string().regex(/^[\w-]+$/), exchange).prefault({ paper: { type: 'paper' } }),
  risk: z
    .strictObject({
      portfolio: z
        .strictObject({
          dailyLossLimit: positiveDecimal.optional(),
          maxDrawdown: fraction.optional(),
          maxExposure: positiveDecimal.optional(),
        })
        .prefault({}),
    })
    .prefault({}),
  traders: z.array(traderSchema).min(1),
  api: apiSchema.prefault({}),
  ai: aiSchema.prefault({}),
  telegram: telegramSchema.prefault({}),
  alerts: alertsSchema.prefault({}),
  shutdown: shutdownSchema.prefault({}),
  cluster: clusterSchema.prefault({}),
});

export type PlatformConfig = z.output<typeof platformSchema>;
export type TraderConfig = PlatformConfig['traders'][number];
export type ApiConfig = PlatformConfig['api'];
export type AiConfig = PlatformConfig['ai'];
export type TelegramConfig = PlatformConfig['telegram'];
export type AlertsConfig = PlatformConfig['alerts'];
export type ShutdownConfig = PlatformConfig['shutdown'];
export type ClusterConfig = PlatformConfig['cluster'];
export type ReviewPolicy = TraderConfig['review'];
export type ExchangeConfig = PlatformConfig['exchanges'][string];

/** The exchange a trader trades on: its own `exchange`, else its v2 strategy's, else `paper`. */
export function traderExchange(trader: TraderConfig): string {
  return trader.exchange ?? (trader.strategy && 'v2Exchange' in trader.strategy ? trader.strategy.v2Exchange : undefined) ?? 'paper';
}

/** A trader's account on its exchange: `account`, else its id. */
export function traderAccount(trader: TraderConfig): string {
  return trader.account ?? trader.id;
}

/**
 * Which exchange a ccxt entry is: its `exchange`, else its name. Checked here rather than in the
 * schema so the entry's name can serve as the default; `sandbox` needs a testnet ccxt knows.
 */
export function ccxtExchangeId(name: string, exchange: Extract<ExchangeConfig, { type: 'ccxt' }>): ExchangeId {
  const id = exchange.exchange ?? EXCHANGE_IDS.find((known) => known === name);
  if (!id) throw new TradingError('ERR_INVALID_CONFIG', `say which exchange "${name}" is: one of ${EXCHANGE_IDS.join(', ')}`, { field: `exchanges.${name}.exchange` });
  if (exchange.sandbox && !PROFILES[id].testnet) {
    throw new TradingError('ERR_INVALID_CONFIG', `${id} has no testnet ccxt can use (testnets: ${EXCHANGE_IDS.filter((e) => PROFILES[e].testnet).join(', ')})`, { field: `exchanges.${name}.sandbox` });
  }
  return id;
}

/** The strategy module a trader's entry names, if any (a v2 entry or a built-in names none). */
export function strategyModule(strategy: TraderConfig['strategy']): string | undefined {
  return strategy && 'module' in strategy ? strategy.module : undefined;
}

/** The symbols a trader trades: its own list, else its strategy's. */
export function traderSymbols(trader: TraderConfig): string[] {
  return trader.symbols ?? trader.strategy?.symbols ?? [];
}

/** The symbols the traders of exchange `name` trade. */
export function exchangeSymbols(config: PlatformConfig, name: string): Set<string> {
  return new Set(config.traders.filter((t) => traderExchange(t) === name).flatMap(traderSymbols));
}

/** Whether a trader of exchange `name` trades a perpetual: only then are a ccxt exchange's swap markets loaded (Binance's are another API's several MB). */
export function tradesSwaps(config: PlatformConfig, name: string): boolean {
  return [...exchangeSymbols(config, name)].some(isSwapSymbol);
}

/** Whether a trader trades perpetuals (a ccxt trader trades spot or perpetuals, not both: see the platform tree). */
export function traderTradesSwaps(trader: TraderConfig): boolean {
  return traderSymbols(trader).some(isSwapSymbol);
}
