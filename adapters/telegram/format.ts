import type { PlatformSnapshot, TraderSummary } from '../../actors/platform/control.js';
import type { QueuedReview } from '../../actors/reviewer/protocol.js';
import { fixedToString } from '../../actors/trading/fixed.js';
import { describePerpetual } from '../../actors/trader/describe.js';

/** The bot's answers as plain text: Telegram shows them as they are, with no markup to escape. */

export function statusText(s: PlatformSnapshot, version: string): string {
  const uptime = Math.round(s.uptimeMs / 1_000);
  return [
    `BOT Trading v3 ${version}: ${s.state}, up ${Math.floor(uptime / 3_600)}h ${Math.floor((uptime % 3_600) / 60)}m ${uptime % 60}s`,
    `Traders: ${s.traders.running} running, ${s.traders.stopped} stopped, ${s.traders.failed} failed; restarts ${s.restarts}`,
    `Database: ${s.database.kind}, ${s.database.reachable ? 'reachable' : 'UNREACHABLE'}${s.database.bufferedRows > 0 ? `, ${s.database.bufferedRows} rows waiting` : ''}`,
    `Exchanges: ${s.exchanges.map((e) => `${e.name} ${e.connectivity}`).join(', ')}`,
    `Reviewer: ${s.reviewer.kind} (${s.reviewer.state}), ${s.reviewer.queued} waiting for a human`,
  ].join('\n');
}

export function tradersText(traders: readonly TraderSummary[]): string {
  if (traders.length === 0) return 'No traders.';
  return traders
    .map((t) => {
      const live = t.live ? `, ${t.live.mode}, P&L ${fixedToString(t.pnl ?? 0n)}` : '';
      return `${t.id}: ${t.state}${live}${t.strategy ? ` (${t.strategy.type} on ${t.symbols.join(', ')})` : ''}`;
    })
    .join('\n');
}

export function balanceText(traders: readonly TraderSummary[]): string {
  const lines = traders.flatMap((t) => {
    if (!t.live) return [`${t.id}: not running`];
    const assets = Object.entries(t.live.balances)
      .filter(([, amount]) => amount !== 0n)
      .map(([asset, amount]) => `${fixedToString(amount)} ${asset}`);
    return [`${t.id}: equity ${fixedToString(t.live.equity)}; ${assets.join(', ') || 'no balance'}`];
  });
  return lines.join('\n') || 'No traders.';
}

export function positionsText(traders: readonly TraderSummary[]): string {
  const lines = traders.flatMap((t) =>
    Object.values(t.live?.positions ?? {})
      .filter((p) => p.quantity !== 0n)
      .map((p) => {
        const mark = t.live!.marks[p.symbol];
        const line = `${t.id} ${p.symbol}: ${fixedToString(p.quantity)} @ ${fixedToString(p.avgEntry)}${mark !== undefined ? `, mark ${fixedToString(mark)}` : ''}, realized ${fixedToString(p.realizedPnl)}`;
        const margin = t.live!.margins?.[p.symbol];
        return margin ? `${line}; ${describePerpetual(p, margin)}` : line;
      }),
  );
  return lines.join('\n') || 'No open positions.';
}

export function reviewText(r: QueuedReview): string {
  const o = r.order;
  const opinions = r.opinions.map((x) => `${x.reviewer} (${x.model}): ${x.verdict} ${x.confidence}, ${x.reasons.join('; ')}`);
  const minutes = Math.max(0, Math.round((r.expiresAt - Date.now()) / 60_000));
  return [
    `Review ${r.id} (${r.traderId}): ${o.side.toUpperCase()} ${fixedToString(o.quantity)} ${o.symbol}${o.price !== undefined ? ` @ ${fixedToString(o.price)}` : ' at market'}`,
    `Reason: ${o.reason ?? 'none given'}`,
    ...opinions,
    `Expires in about ${minutes} min.`,
  ].join('\n');
}

export function dailyReportText(traders: readonly TraderSummary[], date: string): string {
  let total = 0n;
  const lines = traders.map((t) => {
    total += t.pnl ?? 0n;
    return `${t.id}: ${t.live ? `P&L ${fixedToString(t.pnl ?? 0n)}, equity ${fixedToString(t.live.equity)}, ${t.live.stats.fills} fills` : t.state}`;
  });
  return [`Daily report ${date}`, ...lines, `Total P&L ${fixedToString(total)}`].join('\n');
}
