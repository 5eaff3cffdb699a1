import { useEffect, useState } from 'preact/hooks';
import { useSession } from '../context.js';
import { useApi } from '../hooks.js';
import { Badge, Card, Table, time } from '../parts/ui.js';
import type { StreamEvent } from '../stream.js';

/** Events the live log keeps, newest first. */
const LOG_SIZE = 200;

/** The platform's parts: database, exchanges, reviewer, alerts, dead letters, and a live event log. */
export function System() {
  const session = useSession();
  const status = useApi<Record<string, any>>('/system/status', session.stream, (e) => e.channel === 'system');
  const alerts = useApi<{ data: Record<string, any>[] }>('/alerts', session.stream, (e) => e.channel === 'system');
  const letters = useApi<{ data: Record<string, any>[] }>('/system/dead-letters?limit=50', session.stream, (e) => e.channel === 'system');
  const [log, setLog] = useState<StreamEvent[]>([]);
  useEffect(() => session.stream.on((events) => setLog((before) => [...events.slice().reverse(), ...before].slice(0, LOG_SIZE))), []);
  const s = status.data;
  return (
    <>
      {status.error && <p class="error">{status.error}</p>}
      {s && (
        <div class="grid">
          <Card title="Platform">
            <dl class="facts">
              <dt>state</dt>
              <dd><Badge text={s.state} tone={s.state === 'running' ? 'good' : 'warn'} /></dd>
              <dt>version</dt>
              <dd>{s.version}</dd>
              <dt>uptime</dt>
              <dd>{s.uptimeS} s</dd>
              <dt>traders</dt>
              <dd>{s.traders.running} running, {s.traders.failed} failed, {s.traders.stopped} stopped; {s.restarts} restarts</dd>
              {s.deadLetters && (
                <>
                  <dt>dead letters</dt>
                  <dd>{s.deadLetters.total} ({Object.entries(s.deadLetters.counts ?? {}).map(([k, n]) => `${k} ${n}`).join(', ')})</dd>
                </>
              )}
            </dl>
          </Card>
          <Card title="Database">
            <dl class="facts">
              <dt>kind</dt>
              <dd>{s.database.kind} {s.database.where ?? ''}</dd>
              <dt>reachable</dt>
              <dd><Badge text={s.database.reachable ? 'ok' : 'unreachable'} /></dd>
              <dt>rows waiting</dt>
              <dd>{s.database.bufferedRows}</dd>
              <dt>last error</dt>
              <dd>{s.database.lastError ?? '—'}</dd>
            </dl>
          </Card>
          <Card title="Reviewer">
            <dl class="facts">
              <dt>kind</dt>
              <dd>{s.reviewer.kind}: {s.reviewer.describe}</dd>
              <dt>state</dt>
              <dd><Badge text={s.reviewer.state} /></dd>
              <dt>queued / in flight</dt>
              <dd>{s.reviewer.queued} / {s.reviewer.inFlight}</dd>
            </dl>
          </Card>
        </div>
      )}
      {s && (
        <Card title="Exchanges">
          <Table label="exchanges" head={['exchange', 'type', 'connectivity', 'last error']} rows={s.exchanges.map((e: Record<string, any>) => [e.name, e.type, <Badge text={e.connectivity} />, e.lastError ?? '—'])} />
        </Card>
      )}
      <Card title="Alerts">
        <Table label="alerts" empty="no alert rule" head={['rule', 'condition', 'state', 'value', 'since', 'fired', 'resolved']} rows={(alerts.data?.data ?? []).map((a) => [a.name, a.condition, <Badge text={a.state} />, String(a.value ?? '—'), time(a.since), time(a.firedAt), time(a.resolvedAt)])} />
      </Card>
      <Card title="Dead letters" actions={<button onClick={letters.reload}>refresh</button>}>
        <Table label="dead letters" empty="none" head={['at', 'to', 'kind', 'message', 'attempts', 'reason']} rows={(letters.data?.data ?? []).map((d) => [d.at.replace('T', ' ').slice(0, 19), d.address, <Badge text={d.kind} tone="bad" />, d.messageType ?? '—', d.attempts ?? '—', d.reason])} />
      </Card>
      <Card title="Live events">
        <Table label="events" empty="waiting for events" head={['channel', 'trader', 'event', 'at']} rows={log.map((e) => [e.channel, e.traderId ?? '—', e.data?.kind ?? e.data?.action ?? '', time(e.data?.at)])} />
      </Card>
    </>
  );
}
