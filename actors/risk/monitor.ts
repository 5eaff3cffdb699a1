import { abs, div, fixedToString, mul, pct, type Fixed } from '../trading/fixed.js';
import type { InterventionAction, MonitorLimits } from './limits.js';
import type { ExposureReport } from './protocol.js';

/** An intervention decided by the monitor. `key` identifies the condition, so it is acted on once while it lasts. */
export interface Decision {
  key: string;
  action: InterventionAction;
  reason: string;
  symbols?: string[];
}


/**
 * Stop-loss and take-profit on each position of one report, long or short (a short's stop is above its
 * entry), and a swap position's margin ratio: closed before the exchange liquidates it.
 */
export function positionDecisions(report: ExposureReport, limits: MonitorLimits): Decision[] {
  const decisions: Decision[] = [];
  // The trader's own ratio (its wallet backs every perpetual in cross margin): all of them are closed.
  if (limits.maxMarginRatio !== undefined && report.marginRatio !== undefined && report.marginRatio >= limits.maxMarginRatio) {
    const symbols = report.positions.filter((p) => p.marginRatio !== undefined).map((p) => p.symbol);
    decisions.push({ key: 'margin', action: 'close-positions', symbols, reason: `margin ratio ${pct(report.marginRatio)} of the trader's perpetuals reached the limit ${pct(limits.maxMarginRatio)}: closed before liquidation` });
  }
  for (const p of report.positions) {
    if (p.quantity === 0n || p.avgEntry === 0n) continue;
    const move = div(p.mark - p.avgEntry, p.avgEntry) * (p.quantity > 0n ? 1n : -1n);
    const where = `${p.symbol} ${move < 0n ? 'down' : 'up'} ${pct(abs(move))} from entry ${fixedToString(p.avgEntry)}`;
    if (limits.maxMarginRatio !== undefined && p.marginRatio !== undefined && p.marginRatio >= limits.maxMarginRatio) {
      decisions.push({ key: `margin:${p.symbol}:${p.avgEntry}`, action: 'close-positions', symbols: [p.symbol], reason: `margin ratio ${pct(p.marginRatio)} of ${p.symbol} reached the limit ${pct(limits.maxMarginRatio)}: closed before liquidation` });
    } else if (limits.stopLoss !== undefined && move <= -limits.stopLoss) {
      decisions.push({ key: `stop:${p.symbol}:${p.avgEntry}`, action: 'close-positions', symbols: [p.symbol], reason: `stop-loss: ${where} (limit ${pct(limits.stopLoss)})` });
    } else if (limits.takeProfit !== undefined && move >= limits.takeProfit) {
      decisions.push({ key: `take:${p.symbol}:${p.avgEntry}`, action: 'close-positions', symbols: [p.symbol], reason: `take-profit: ${where} (target ${pct(limits.takeProfit)})` });
    }
  }
  return decisions;
}

/** Account-wide figures of one trader, or of the whole portfolio (summed). */
export interface Book {
  equity: Fixed;
  peak: Fixed;
  dayPnl: Fixed;
  exposure: Fixed;
}

export function exposureOf(report: ExposureReport): Fixed {
  let total = 0n;
  for (const p of report.positions) total += abs(mul(p.quantity, p.mark));
  return total;
}

/**
 * Daily loss, drawdown and exposure. `severe` is what a breach of the daily loss means: one trader is
 * closed and halted; for the portfolio, everything is stopped.
 */
export function bookDecisions(book: Book, limits: MonitorLimits, severe: 'close-and-halt' | 'emergency-stop'): Decision[] {
  const decisions: Decision[] = [];
  if (limits.dailyLossLimit !== undefined && book.dayPnl <= -limits.dailyLossLimit) {
    const reason = `daily loss ${fixedToString(-book.dayPnl)} reached the limit ${fixedToString(limits.dailyLossLimit)}`;
    if (severe === 'emergency-stop') decisions.push({ key: 'daily-loss', action: 'emergency-stop', reason });
    else decisions.push({ key: 'daily-loss', action: 'close-positions', reason }, { key: 'daily-loss-halt', action: 'halt', reason });
  }
  if (limits.maxDrawdown !== undefined && book.peak > 0n) {
    const drawdown = div(book.peak - book.equity, book.peak);
    if (drawdown >= limits.maxDrawdown) {
      decisions.push({ key: 'drawdown', action: 'halt', reason: `drawdown ${pct(drawdown)} from the equity peak ${fixedToString(book.peak)} (limit ${pct(limits.maxDrawdown)})` });
    }
  }
  if (limits.maxExposure !== undefined && book.exposure > limits.maxExposure) {
    decisions.push({ key: 'exposure', action: 'reduce-only', reason: `exposure ${fixedToString(book.exposure)} above the limit ${fixedToString(limits.maxExposure)}` });
  }
  return decisions;
}

/**
 * What to act on, given the conditions already acted on (`active`) and this report's decisions: each
 * condition once while it lasts. Conditions that cleared are forgotten (`cleared` lists them: exposure's
 * reduce-only is lifted then), except halts, which stay until an operator resumes.
 */
export function latch(active: readonly string[], decisions: readonly Decision[]): { fire: Decision[]; cleared: string[]; active: string[] } {
  const before = new Set(active);
  const now = new Set(decisions.map((d) => d.key));
  const cleared = [...before].filter((key) => !now.has(key));
  const sticky = cleared.filter((key) => key !== 'exposure' && key !== 'margin' && !/^(stop|take|margin):/.test(key));
  return { fire: decisions.filter((d) => !before.has(d.key)), cleared, active: [...now, ...sticky] };
}
