import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixedToString, type Fixed } from '../../actors/trading/fixed.js';
import { parseTimeframe } from '../../actors/trading/timeframe.js';
import type { BacktestFill, BacktestResult, TraderRun } from './kernel.js';
import { lastOfDay, roundTrips, summarize, type Summary, type Track } from './metrics.js';

/** `report.json`: the run, then the summary figures by name, per trader and for the portfolio, and every fill. */
export interface BacktestReport {
  run: { from: string; to: string; timeframe: string; steps: number; fills: string };
  portfolio: { summary: ReportSummary; equity: [string, string][] };
  traders: {
    traderId: string;
    quote: string;
    summary: ReportSummary;
    fills: { time: string; symbol: string; side: string; price: string; quantity: string; fee: string; feeAsset: string; clientOrderId: string }[];
    trades: { symbol: string; entry: string; exit: string; pnl: string }[];
    /** Equity at the end of each UTC day. */
    equity: [string, string][];
  }[];
}

/** Money as exact decimal strings; ratios as numbers rounded to 6 digits (null where the run cannot say). */
export type ReportSummary = Record<keyof Summary, string | number | null>;

/** The report of a run: deterministic, so the same run writes the same bytes. */
export function buildReport(result: BacktestResult): BacktestReport {
  const stepMs = parseTimeframe(result.timeframe);
  const { times } = result;
  const trackOf = (run: Pick<TraderRun, 'equity' | 'inMarket' | 'initialEquity' | 'fills'>): Track => ({ times, stepMs, ...run });
  const runs = result.traders;
  const portfolio = {
    equity: portfolioEquity(result),
    inMarket: runs.length === 1 ? runs[0]!.inMarket : Uint8Array.from({ length: times.length }, (_, i) => (runs.some((run) => run.inMarket[i]) ? 1 : 0)),
    initialEquity: runs.reduce((sum, run) => sum + run.initialEquity, 0n),
    // Stable: fills at the same time keep the traders' order.
    fills: runs.flatMap((run) => run.fills).sort((a, b) => a.ts - b.ts),
  };
  return {
    run: {
      from: iso(times.length > 0 ? times[0]! - stepMs : 0),
      to: iso(times.length > 0 ? times[times.length - 1]! : 0),
      timeframe: result.timeframe,
      steps: times.length,
      fills: `market orders at the next candle's open, ${result.slippageBps} bp slippage; limit orders at their price once a later candle trades through it`,
    },
    portfolio: { summary: figures(summarize(trackOf(portfolio))), equity: daily(times, portfolio.equity) },
    traders: runs.map((run) => ({
      traderId: run.traderId,
      quote: run.quote,
      summary: figures(summarize(trackOf(run))),
      fills: run.fills.map(fillRow),
      trades: roundTrips(run.fills).map((t) => ({ symbol: t.symbol, entry: iso(t.entryTs), exit: iso(t.exitTs), pnl: fixedToString(t.pnl) })),
      equity: daily(times, run.equity),
    })),
  };
}

/** The traders' equity summed, after each step. */
export function portfolioEquity(result: BacktestResult): ArrayLike<Fixed> {
  const { traders } = result;
  // A sweep reports every run's portfolio: most have one trader, whose equity it is.
  if (traders.length === 1) return traders[0]!.equity;
  return Array.from({ length: result.times.length }, (_, i) => traders.reduce((sum, run) => sum + run.equity[i]!, 0n));
}

/** Rows as text columns two spaces apart, each as wide as its widest cell: the first `left` columns flush left, the rest right. */
export function alignColumns(rows: readonly string[][], left: number): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c < left ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}

/** Writes `report.json` into `dir`; returns its path. */
export async function writeReport(report: BacktestReport, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'report.json');
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/** The columns of a summary table, as the terminal and the HTML report show them. */
export const SUMMARY_COLUMNS = ['return', 'CAGR', 'max DD', 'Sharpe', 'Sortino', 'win rate', 'PF', 'trades', 'fees', 'in market'];

/** A summary's cells under {@link SUMMARY_COLUMNS}: fractions as percentages, ratios to 2 decimals, '-' where the run cannot say. */
export function summaryCells(s: ReportSummary): string[] {
  return [pct(s.totalReturn), pct(s.cagr), pct(s.maxDrawdown), num(s.sharpe), num(s.sortino), pct(s.winRate), num(s.profitFactor), String(s.trades), String(s.feesPaid), pct(s.timeInMarket)];
}

/** The terminal summary: one row per trader, then the portfolio. */
export function formatSummary(report: BacktestReport): string {
  const rows = [['', ...SUMMARY_COLUMNS], ...report.traders.map((t) => [t.traderId, ...summaryCells(t.summary)]), ['portfolio', ...summaryCells(report.portfolio.summary)]];
  return [`${report.run.from} .. ${report.run.to}, ${report.run.steps} ${report.run.timeframe} candles`, ...alignColumns(rows, 1)].join('\n');
}

function figures(summary: Summary): ReportSummary {
  return Object.fromEntries(
    Object.entries(summary).map(([name, value]) => [name, typeof value === 'bigint' ? fixedToString(value) : typeof value === 'number' ? Number(value.toPrecision(6)) : value]),
  ) as ReportSummary;
}

function fillRow(fill: BacktestFill) {
  return {
    time: iso(fill.ts),
    symbol: fill.symbol,
    side: fill.side,
    price: fixedToString(fill.price),
    quantity: fixedToString(fill.quantity),
    fee: fixedToString(fill.fee),
    feeAsset: fill.feeAsset,
    clientOrderId: fill.clientOrderId,
  };
}

function daily(times: ArrayLike<number>, equity: ArrayLike<Fixed>): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < times.length; i++) if (lastOfDay(times, i)) out.push([iso(times[i]!), fixedToString(equity[i]!)]);
  return out;
}

function iso(ts: number): string {
  return new Date(ts).toISOString();
}

function pct(value: string | number | null): string {
  return typeof value === 'number' ? `${(value * 100).toFixed(2)}%` : '-';
}

function num(value: string | number | null): string {
  return typeof value === 'number' ? value.toFixed(2) : '-';
}
