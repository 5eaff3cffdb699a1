import { useEffect, useMemo, useState } from 'preact/hooks';
import { call, query } from '../api.js';
import { can, useSession } from '../context.js';
import { formatPercent } from '../decimal.js';
import { useApi } from '../hooks.js';
import { CandleChart, EquityChart, type Candle, type Fill, type IndicatorLine } from '../parts/charts.js';
import { ActionButton, Amount, Badge, Card, Table, time } from '../parts/ui.js';
import type { StreamEvent } from '../stream.js';
import { openPositions, TraderActions, type TraderSummary } from './fleet.js';

interface Page<T> {
  data: T[];
  next: string | null;
}
type Row = Record<string, any>;

const OPEN = new Set(['new', 'open', 'partially_filled']);
const CANDLES_EVERY_MS = 5_000;

/** One trader: its chart with fills and indicators, equity and drawdown, what it holds, and its history. */
export function Trader({ id }: { id: string }) {
  const session = useSession();
  const mine = (e: StreamEvent) => e.traderId === id;
  const trader = useApi<TraderSummary>(`/traders/${encodeURIComponent(id)}`, session.stream, (e) => mine(e) && e.channel !== 'signals');
  const summary = trader.data;
  const [symbol, setSymbol] = useState<string>();
  const shown = symbol ?? summary?.symbols[0];
  if (trader.error && !summary) return <p class="error">{trader.error}</p>;
  if (!summary) return <p>loading…</p>;
  return (
    <>
      <Card title={`Trader ${summary.id}`} actions={<TraderActions trader={summary} after={trader.reload} />}>
        <dl class="facts">
          <dt>state</dt>
          <dd><Badge text={summary.state} /></dd>
          <dt>mode</dt>
          <dd>{summary.live ? <Badge text={summary.live.mode} /> : '—'} {summary.live?.modeReason}</dd>
          <dt>exchange</dt>
          <dd>{summary.exchange}</dd>
          <dt>strategy</dt>
          <dd>{summary.strategy ? `${summary.strategy.name} (${summary.strategy.type}, ${summary.strategy.timeframe})` : 'manual'}</dd>
          <dt>equity</dt>
          <dd><Amount value={summary.live?.equity} /></dd>
          <dt>P&amp;L</dt>
          <dd><Amount value={summary.pnl} signed /> total, <Amount value={summary.dayPnl} signed /> today</dd>
          <dt>restarts</dt>
          <dd>{summary.restarts}</dd>
          <dt>last error</dt>
          <dd>{summary.lastError ?? '—'}</dd>
        </dl>
      </Card>
      <Card
        title="Chart"
        actions={
          summary.symbols.length > 1 && (
            <select aria-label="symbol" value={shown} onChange={(e) => setSymbol((e.target as HTMLSelectElement).value)}>
              {summary.symbols.map((s) => <option key={s}>{s}</option>)}
            </select>
          )
        }
      >
        {shown && <TraderChart id={id} symbol={shown} />}
      </Card>
      <Performance id={id} equityNow={summary.live?.equity} />
      <Holdings trader={summary} after={trader.reload} />
      <History id={id} symbols={summary.symbols} />
    </>
  );
}

/** Candles and indicators from the API; fills from the stored trades, then live from the stream as they happen. */
function TraderChart({ id, symbol }: { id: string; symbol: string }) {
  const session = useSession();
  const path = `/traders/${encodeURIComponent(id)}`;
  const candles = useApi<{ candles: Candle[]; indicators: IndicatorLine[] }>(`${path}/candles${query({ symbol })}`, session.stream, (e) => e.traderId === id && e.channel === 'trades');
  const stored = useApi<Page<Row>>(`/trades${query({ traderId: id, symbol, limit: 500 })}`);
  // New candles come with no event on the stream: they are asked for every few seconds.
  useEffect(() => {
    const timer = setInterval(candles.reload, CANDLES_EVERY_MS);
    return () => clearInterval(timer);
  }, []);
  const [live, setLive] = useState<Fill[]>([]);
  useEffect(() => {
    setLive([]);
    return session.stream.on((events) => {
      const fills = events.filter((e) => e.channel === 'trades' && e.traderId === id && e.data.symbol === symbol).map((e): Fill => ({ at: e.data.at, side: e.data.side, price: e.data.fill.price, quantity: e.data.fill.quantity }));
      if (fills.length > 0) setLive((before) => [...before, ...fills]);
    });
  }, [id, symbol]);
  const fills = useMemo(() => {
    const seen = new Set((stored.data?.data ?? []).map((t) => t.executed_at));
    return [...(stored.data?.data ?? []).map((t): Fill => ({ at: t.executed_at, side: t.side, price: t.price, quantity: t.quantity })), ...live.filter((f) => !seen.has(f.at))];
  }, [stored.data, live]);
  if (candles.error) return <p class="error">{candles.error}</p>;
  if (!candles.data) return <p>loading…</p>;
  return <CandleChart candles={candles.data.candles} fills={fills} indicators={candles.data.indicators} />;
}

export const FIGURES: [string, string, 'amount' | 'percent' | 'ratio' | 'count'][] = [
  ['totalReturn', 'return', 'percent'], ['cagr', 'CAGR', 'percent'], ['maxDrawdown', 'max drawdown', 'percent'], ['sharpe', 'Sharpe', 'ratio'], ['sortino', 'Sortino', 'ratio'],
  ['winRate', 'win rate', 'percent'], ['profitFactor', 'profit factor', 'ratio'], ['trades', 'trades', 'count'], ['feesPaid', 'fees paid', 'amount'], ['timeInMarket', 'time in market', 'percent'],
];

/** One summary figure, formatted by its kind: amounts exact, ratios as the API rounded them. */
export function Figure({ value, kind }: { value: unknown; kind: (typeof FIGURES)[number][2] }) {
  if (value === null || value === undefined) return <>—</>;
  if (kind === 'amount') return <Amount value={String(value)} />;
  if (kind === 'percent') return <>{formatPercent(Number(value))}</>;
  return <>{kind === 'ratio' ? Number(value).toFixed(2) : String(value)}</>;
}


/**
 * Equity is stored at each fill; `equityNow` (the trader's live equity) ends the curve at now, so a
 * position's move since its last fill shows too.
 */
function Performance({ id, equityNow }: { id: string; equityNow: string | undefined }) {
  const session = useSession();
  const path = `/traders/${encodeURIComponent(id)}`;
  const refresh = (e: StreamEvent) => e.traderId === id && e.channel === 'trades';
  const equity = useApi<{ data: { at: number; equity: string; drawdown: number }[] }>(`${path}/equity`, session.stream, refresh);
  const performance = useApi<{ summary: Record<string, unknown>; method: Record<string, string> }>(`${path}/performance`, session.stream, refresh);
  const summary = performance.data?.summary;
  return (
    <Card title="Equity and performance">
      {equity.data && <EquityChart points={withNow(equity.data.data, equityNow)} />}
      {equity.error && <p class="error">{equity.error}</p>}
      {summary && (
        <dl class="facts figures">
          {FIGURES.map(([name, label, kind]) => [<dt key={`${name}-t`}>{label}</dt>, <dd key={name}><Figure value={summary[name]} kind={kind} /></dd>])}
        </dl>
      )}
      {performance.error && <p class="error">{performance.error}</p>}
      {performance.data && (
        <details class="note">
          <summary>how these are computed</summary>
          <dl class="facts">{Object.entries(performance.data.method).map(([name, how]) => [<dt key={`${name}-t`}>{name}</dt>, <dd key={name}>{how}</dd>])}</dl>
        </details>
      )}
    </Card>
  );
}

function withNow(points: { at: number; equity: string; drawdown: number }[], equity: string | undefined) {
  if (equity === undefined || points.length === 0) return points;
  const peak = Math.max(...points.map((p) => Number(p.equity)), Number(equity));
  return [...points, { at: Date.now(), equity, drawdown: peak > 0 ? 1 - Number(equity) / peak : 0 }];
}

/** Open positions (close one at market) and open orders (cancel one). */
function Holdings({ trader, after }: { trader: TraderSummary; after: () => void }) {
  const session = useSession();
  const trade = can(session, 'trade');
  const orders = Object.values(trader.live?.orders ?? {}).filter((o) => OPEN.has(o.status));
  const close = (symbol: string, quantity: string) =>
    call('POST', '/orders', { traderId: trader.id, symbol, side: quantity.startsWith('-') ? 'BUY' : 'SELL', quantity: quantity.replace(/^-/, '') }).then(after);
  return (
    <Card title="Positions and orders">
      <Table
        label="positions"
        empty="no open position"
        head={['symbol', 'side', 'quantity', 'entry', 'realized', '']}
        rows={openPositions(trader).map((p: Row) => [
          p.symbol,
          p.quantity.startsWith('-') ? 'short' : 'long',
          <Amount value={p.quantity.replace(/^-/, '')} places={6} />,
          <Amount value={p.avgEntry} />,
          <Amount value={p.realizedPnl} signed />,
          trade && <ActionButton label="close" danger confirm={`Close ${p.symbol} (${p.quantity}) at market?`} run={() => close(p.symbol, p.quantity)} done={`${p.symbol}: closing`} />,
        ])}
      />
      <Table
        label="orders"
        empty="no open order"
        head={['order', 'symbol', 'side', 'type', 'quantity', 'filled', 'price', 'status', '']}
        rows={orders.map((o) => [
          o.clientOrderId,
          o.symbol,
          o.side,
          o.type,
          <Amount value={o.quantity} places={6} />,
          <Amount value={o.filled} places={6} />,
          <Amount value={o.price} />,
          <Badge text={o.awaitingReview ? 'in review' : o.status} />,
          trade && <ActionButton label="cancel" run={() => call('DELETE', `/orders/${encodeURIComponent(o.clientOrderId)}`).then(after)} done={`${o.clientOrderId}: cancel sent`} />,
        ])}
      />
    </Card>
  );
}

/** Trades and signals, filtered and paged as the API's lists are. */
function History({ id, symbols }: { id: string; symbols: string[] }) {
  const session = useSession();
  const [symbol, setSymbol] = useState('');
  const [side, setSide] = useState('');
  const [outcome, setOutcome] = useState('');
  const [before, setBefore] = useState<string>();
  const trades = useApi<Page<Row>>(`/trades${query({ traderId: id, symbol, side, before, limit: 50 })}`, session.stream, (e) => e.traderId === id && e.channel === 'trades' && before === undefined);
  const signals = useApi<Page<Row>>(`/signals${query({ traderId: id, outcome, limit: 50 })}`, session.stream, (e) => e.traderId === id && e.channel === 'signals');
  const pick = (set: (v: string) => void) => (e: Event) => {
    set((e.target as HTMLSelectElement).value);
    setBefore(undefined);
  };
  return (
    <>
      <Card
        title="Trades"
        actions={
          <span class="filters">
            <select aria-label="trade symbol" onChange={pick(setSymbol)}>
              <option value="">all symbols</option>
              {symbols.map((s) => <option key={s}>{s}</option>)}
            </select>
            <select aria-label="trade side" onChange={pick(setSide)}>
              <option value="">both sides</option>
              <option>BUY</option>
              <option>SELL</option>
            </select>
          </span>
        }
      >
        <Table
          label="trades"
          head={['time', 'symbol', 'side', 'quantity', 'price', 'fee', 'order']}
          rows={(trades.data?.data ?? []).map((t) => [time(t.executed_at), t.symbol, t.side, <Amount value={t.quantity} places={6} />, <Amount value={t.price} />, <Amount value={t.fee} places={4} />, t.client_order_id])}
        />
        {trades.data?.next && <button onClick={() => setBefore(trades.data!.next!)}>older</button>}
        {before && <button onClick={() => setBefore(undefined)}>newest</button>}
      </Card>
      <Card
        title="Signals"
        actions={
          <select aria-label="signal outcome" onChange={(e) => setOutcome((e.target as HTMLSelectElement).value)}>
            <option value="">every outcome</option>
            {['accepted', 'skipped', 'rejected', 'duplicate'].map((o) => <option key={o}>{o}</option>)}
          </select>
        }
      >
        <Table
          label="signals"
          head={['time', 'signal', 'symbol', 'action', 'outcome', 'reason', 'order']}
          rows={(signals.data?.data ?? []).map((s) => [time(s.received_at), s.id, s.symbol, s.action, <Badge text={s.outcome ?? 'pending'} />, s.reason ?? '—', s.client_order_id ?? '—'])}
        />
      </Card>
    </>
  );
}
