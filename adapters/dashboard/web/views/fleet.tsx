import { call } from '../api.js';
import { can, useSession } from '../context.js';
import { formatDecimal, sumDecimals } from '../decimal.js';
import { useApi } from '../hooks.js';
import { ActionButton, Amount, Badge, Card, Table } from '../parts/ui.js';

/** A trader as `GET /traders` lists it (the fields the fleet shows). */
export interface TraderSummary {
  id: string;
  state: string;
  exchange: string;
  strategy: { name: string; type: string; timeframe: string } | null;
  symbols: string[];
  restarts: number;
  lastError: string | null;
  pnl?: string;
  dayPnl?: string;
  live?: {
    mode: string;
    modeReason?: string;
    equity: string;
    unrealized: string;
    positions: Record<string, { symbol: string; quantity: string; avgEntry: string }>;
    orders: Record<string, { clientOrderId: string; symbol: string; side: string; quantity: string; type: string; price?: string; status: string; filled: string; awaitingReview?: boolean }>;
  };
}

/** Open positions of a trader's live state. */
export function openPositions(trader: TraderSummary) {
  return Object.values(trader.live?.positions ?? {}).filter((p) => !/^-?0*(\.0*)?$/.test(p.quantity));
}

const LIFECYCLE = ['start', 'stop', 'restart'] as const;
const INTERVENTIONS = ['halt', 'reduce-only', 'resume', 'close-positions'] as const;

/** The buttons of one trader, as the token's scopes allow (the API checks them again). */
export function TraderActions({ trader, after }: { trader: TraderSummary; after: () => void }) {
  const session = useSession();
  if (!can(session, 'admin')) return null;
  const act = (action: string) => () => call('POST', `/traders/${encodeURIComponent(trader.id)}/${action}`, INTERVENTIONS.includes(action as never) ? {} : undefined).then(after);
  return (
    <span class="actions">
      {LIFECYCLE.map((a) => (a === 'start' ? trader.state !== 'running' : trader.state === 'running') && <ActionButton key={a} label={a} run={act(a)} done={`${trader.id}: ${a}`} />)}
      {trader.state === 'running' &&
        INTERVENTIONS.map((a) =>
          a === 'close-positions' ? (
            <ActionButton key={a} label="close positions" danger run={act(a)} confirm={`Close every open position of ${trader.id} at market?`} done={`${trader.id}: closing positions`} />
          ) : (
            (a === 'resume' ? trader.live?.mode !== 'active' : trader.live?.mode !== a && trader.live?.mode !== 'halted') && <ActionButton key={a} label={a} run={act(a)} done={`${trader.id}: ${a}`} />
          ),
        )}
    </span>
  );
}

/** Every trader on one screen, with the portfolio's totals; live through the stream. */
export function Fleet() {
  const session = useSession();
  const traders = useApi<{ data: TraderSummary[] }>('/traders', session.stream, (e) => e.channel !== 'signals');
  const list = traders.data?.data ?? [];
  const equity = sumDecimals(list.map((t) => t.live?.equity));
  return (
    <>
      <div class="totals" aria-label="portfolio">
        <div>
          <small>traders</small>
          <b>{list.filter((t) => t.state === 'running').length} / {list.length} running</b>
        </div>
        <div>
          <small>equity</small>
          <b><Amount value={equity} /></b>
        </div>
        <div>
          <small>P&amp;L today</small>
          <b><Amount value={sumDecimals(list.map((t) => t.dayPnl))} signed /></b>
        </div>
        <div>
          <small>P&amp;L total</small>
          <b><Amount value={sumDecimals(list.map((t) => t.pnl))} signed /></b>
        </div>
        <div>
          <small>open positions</small>
          <b>{list.reduce((n, t) => n + openPositions(t).length, 0)}</b>
        </div>
      </div>
      <Card
        title="Traders"
        actions={
          can(session, 'admin') && (
            <ActionButton label="Emergency stop" danger confirm="Stop every trader and close every open position at market?" run={() => call('POST', '/system/emergency-stop', {}).then(traders.reload)} done="emergency stop sent" />
          )
        }
      >
        {traders.error && <p class="error">{traders.error}</p>}
        <Table
          label="traders"
          head={['trader', 'state', 'mode', 'strategy', 'symbols', 'equity', 'P&L today', 'P&L total', 'positions', 'restarts', 'last error', '']}
          rows={list.map((t) => [
            <a href={`#/trader/${encodeURIComponent(t.id)}`}>{t.id}</a>,
            <Badge text={t.state} />,
            t.live ? <Badge text={t.live.mode} /> : '—',
            t.strategy ? `${t.strategy.type} ${t.strategy.timeframe}` : 'manual',
            t.symbols.join(', '),
            <Amount value={t.live?.equity} />,
            <Amount value={t.dayPnl} signed />,
            <Amount value={t.pnl} signed />,
            openPositions(t).map((p) => `${p.symbol} ${formatDecimal(p.quantity, 6)}`).join(', ') || '—',
            t.restarts,
            t.lastError ?? '—',
            <TraderActions trader={t} after={traders.reload} />,
          ])}
        />
      </Card>
    </>
  );
}
