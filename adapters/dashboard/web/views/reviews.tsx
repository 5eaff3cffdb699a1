import { useState } from 'preact/hooks';
import { call } from '../api.js';
import { can, useSession } from '../context.js';
import { useApi } from '../hooks.js';
import { ActionButton, Amount, Badge, Card, Table, time } from '../parts/ui.js';

interface Opinion {
  reviewer: string;
  model: string;
  verdict: 'approve' | 'reject';
  confidence: number;
  reasons: string[];
}
interface QueuedReview {
  id: string;
  traderId: string;
  signalId: string;
  order: { symbol: string; side: string; quantity: string; price?: string; type?: string };
  context: Record<string, unknown>;
  opinions: Opinion[];
  reason: string;
  because: string[];
  queuedAt: number;
  expiresAt: number;
}

/** Orders held for a human: each with its context and both reviews; approve or reject with a note. */
export function Reviews() {
  const session = useSession();
  const queue = useApi<{ data: QueuedReview[] }>('/reviews', session.stream, (e) => e.channel === 'reviews');
  const history = useApi<{ data: Record<string, any>[] }>('/reviews/history?limit=50', session.stream, (e) => e.channel === 'reviews' || e.channel === 'orders');
  return (
    <>
      <Card title="Review queue">
        {queue.error && <p class="error">{queue.error}</p>}
        {(queue.data?.data ?? []).length === 0 && <p class="empty">no order is waiting for a decision</p>}
        {(queue.data?.data ?? []).map((review) => <Held key={review.id} review={review} after={queue.reload} />)}
      </Card>
      <Card title="Decisions">
        <Table
          label="decisions"
          head={['time', 'order', 'trader', 'approved', 'by', 'note', 'reason', 'order outcome', 'filled']}
          rows={(history.data?.data ?? []).map((d) => [
            time(d.reviewed_at),
            d.client_order_id,
            d.trader_id,
            <Badge text={String(d.approved)} />,
            d.decided_by,
            d.note ?? '—',
            d.reason ?? '—',
            d.order_status ? <Badge text={d.order_status} /> : '—',
            <Amount value={d.order_filled_quantity} places={6} />,
          ])}
        />
      </Card>
    </>
  );
}

function Held({ review, after }: { review: QueuedReview; after: () => void }) {
  const session = useSession();
  const [note, setNote] = useState('');
  const decide = (verdict: 'approve' | 'reject') => () => call('POST', `/reviews/${encodeURIComponent(review.id)}/${verdict}`, note ? { note } : {}).then(after);
  const { order } = review;
  return (
    <article class="review" data-review={review.id}>
      <h3>
        {order.side} <Amount value={order.quantity} places={6} /> {order.symbol} {order.price ? <>at <Amount value={order.price} /></> : 'at market'} · {review.traderId}
      </h3>
      <p>
        {review.reason} (rules: {review.because.join(', ') || '—'}) · queued {time(review.queuedAt)}, expires {time(review.expiresAt)}
      </p>
      <ul class="opinions">
        {review.opinions.map((o, i) => (
          <li key={i}>
            <b>{o.reviewer}</b> ({o.model}) <Badge text={o.verdict} tone={o.verdict === 'approve' ? 'good' : 'bad'} /> confidence {o.confidence} — {o.reasons.join('; ')}
          </li>
        ))}
      </ul>
      <details>
        <summary>context</summary>
        <pre>{JSON.stringify(review.context, null, 2)}</pre>
      </details>
      {can(session, 'trade') && (
        <div class="decide">
          <input aria-label="note" placeholder="note (optional)" maxLength={2000} value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
          <ActionButton label="approve" run={decide('approve')} done={`${review.id}: approved`} />
          <ActionButton label="reject" danger run={decide('reject')} done={`${review.id}: rejected`} />
        </div>
      )}
    </article>
  );
}
