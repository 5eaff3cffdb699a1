import { z } from 'zod';
import type { Address } from '../../runtime/message.js';
import type { Fixed } from '../../actors/trading/fixed.js';
import type { SharedLeases } from '../../actors/trading/fence.js';
import type { MarginMode } from '../../actors/trading/margin.js';
import { loadCandlesCsv } from '../market-data/csv-candles.js';
import { parseTimeframe } from '../../actors/trading/timeframe.js';
import type { PaperOptions } from './engine.js';
import { checkSwapFields, paperMarkets, paperMarketSpec, paperSymbol, type PaperMarketSpec } from './markets.js';

/** The paper exchange's actor args, as the platform builds them from the config file. */
export interface PaperExchangeArgs {
  seed: number;
  timeframe: string;
  /** Wall-clock ms between simulated candles; 0 steps only on `advance` messages. */
  candleIntervalMs: number;
  /** Simulated delay of execution reports. */
  latencyMs: number;
  /** Markets to list (default all of `paperMarkets(markets)`). */
  symbols?: string[];
  /** Markets added to the built-ins, or changing them (see `paperMarketSpec`). */
  markets?: Record<string, PaperMarketSpec>;
  /** First candle's open time (default: when the exchange first started). */
  startTs?: number;
  dedupeWindow: number;
  /** Symbol -> CSV file of candles to replay instead of the random walk. */
  replay?: Record<string, string>;
  /** Accounts opened at first start: account -> asset -> amount. */
  accounts: Record<string, Record<string, Fixed>>;
  /** Perpetual positions the accounts open with at first start (stored ones, after a restart or a migration from v2). */
  positions?: Record<string, PaperOpening[]>;
  /** How orders fill (`PaperOptions.fills`); a backtest's rules are `next-bar`. */
  fills?: 'book' | 'next-bar';
  slippageBps?: number;
  /**
   * The next candle comes only once every trader of `traders` has subscribed and handled the last
   * one: a replay at the traders' own pace, with the fills a backtest of the same candles finds.
   */
  lockstep?: boolean;
  /** The traders on this exchange (the platform tree fills it in), whom `lockstep` waits for. */
  traders?: Address[];
  /** The cluster node it runs on: its order and trade ids start with it, so no two nodes' paper exchanges make the same. */
  node?: string;
  /** In a cluster, the node's leases, by which orders are fenced (see `OrderFence`). */
  leases?: SharedLeases;
}

/** A swap position a paper account opens with: held at its entry, its margin locked from the account's balance. */
export interface PaperOpening {
  symbol: string;
  quantity: Fixed;
  entry: Fixed;
  leverage: number;
  mode: MarginMode;
  /** The trader holding it: where its funding and liquidation go. */
  owner: Address;
}

export const paperArgsSchema = z.strictObject({
  seed: z.number().int().default(1),
  timeframe: z.string().default('1m'),
  candleIntervalMs: z.number().int().nonnegative().default(250),
  latencyMs: z.number().int().nonnegative().default(0),
  symbols: z.array(z.string()).min(1).optional(),
  startTs: z.number().int().nonnegative().optional(),
  dedupeWindow: z.number().int().positive().default(65_536),
  replay: z.record(z.string(), z.string().min(1)).optional(),
  fills: z.enum(['book', 'next-bar']).default('book'),
  slippageBps: z.number().int().min(0).max(1_000).default(0),
  lockstep: z.boolean().default(false),
  markets: z.record(paperSymbol, paperMarketSpec).superRefine(checkSwapFields).optional(),
});

/** The markets a paper exchange of `args` lists: those it replays, else those of `symbols`, else all. */
export function listedPaperMarkets(args: Pick<PaperExchangeArgs, 'replay' | 'symbols' | 'markets'>) {
  const listed = args.replay ? Object.keys(args.replay) : args.symbols;
  const markets = paperMarkets(args.markets);
  return listed ? markets.filter((m) => listed.includes(m.symbol)) : markets;
}

/** The engine's options from the actor args; reads the replay CSVs, if any. */
export async function paperOptions(args: PaperExchangeArgs): Promise<PaperOptions> {
  const options: PaperOptions = {
    markets: listedPaperMarkets(args),
    seed: args.seed,
    timeframe: args.timeframe,
    timeframeMs: parseTimeframe(args.timeframe),
    startTs: args.startTs ?? Date.now(),
    dedupeWindow: args.dedupeWindow,
    ...(args.fills ? { fills: args.fills } : {}),
    ...(args.slippageBps ? { slippageBps: args.slippageBps } : {}),
  };
  if (args.replay) {
    const entries = Object.entries(args.replay).map(async ([symbol, file]) => [symbol, await loadCandlesCsv(file, { symbol, timeframe: args.timeframe })] as const);
    options.replay = Object.fromEntries(await Promise.all(entries));
  }
  return options;
}
