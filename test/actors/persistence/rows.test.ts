import { describe, expect, test } from 'vitest';
import { BatchBuilder, rowCount } from '../../../actors/persistence/rows.js';
import { fillEvents, orderEvent } from '../../helpers/events.js';

const builder = () => new BatchBuilder((traderId) => (traderId === 't1' ? 'binance' : 'unknown'));

describe('BatchBuilder', () => {
  test('keeps one row per order, position and asset: the latest', () => {
    const b = builder();
    b.addTraderEvents('t1', [orderEvent(), ...fillEvents('T1', '0.2', '60000', 2_000, '0.2'), orderEvent({ status: 'partially_filled', filled: 200_000_000n, updatedAt: 2_000 })]);
    b.addTraderEvents('t1', [...fillEvents('T2', '0.3', '60001', 3_000, '0.5'), orderEvent({ status: 'filled', filled: 500_000_000n, updatedAt: 3_000 })]);
    const batch = b.take();
    expect(batch.orders).toEqual([expect.objectContaining({ client_order_id: 'v3-a', status: 'filled', filled_quantity: '0.5', exchange: 'binance', side: 'BUY', order_type: 'LIMIT', price: '60000.1' })]);
    expect(batch.trades.map((t) => [t.trade_id, t.quantity, t.price])).toEqual([['T1', '0.2', '60000'], ['T2', '0.3', '60001']]);
    expect(batch.positions).toEqual([expect.objectContaining({ symbol: 'BTC/USDT', quantity: '0.5', updated_at: 3_000 })]);
    expect(batch.balances.map((r) => [r.asset, r.free, r.timestamp, r.total_balance_usd])).toEqual([['BTC', '0.5', 3_000, '10000.25'], ['USDT', '9000.5', 3_000, '10000.25']]);
    expect(rowCount(batch)).toBe(1 + 2 + 1 + 2);
    expect(b.size).toBe(0);
    expect(rowCount(b.take())).toBe(0);
  });

  test('a duplicate never hides the outcome of the first delivery of a signal', () => {
    const b = builder();
    b.addTraderEvents('t1', [
      { kind: 'signal.accepted', signalId: 's1', strategy: 'x', symbol: 'BTC/USDT', action: 'BUY', clientOrderId: 'v3-a', at: 1 },
      { kind: 'signal.duplicate', signalId: 's1', at: 2 },
    ]);
    const { signals, events } = b.take();
    expect(signals).toEqual([expect.objectContaining({ id: 's1', outcome: 'accepted', client_order_id: 'v3-a' })]);
    expect(events.map((e) => e.kind)).toEqual(['signal.duplicate']);
  });

  test('an event it cannot read becomes an audit row naming the problem', () => {
    const b = builder();
    b.addTraderEvents('t1', [{ kind: 'teleport' }, { kind: 'order' }]);
    const { events, orders } = b.take();
    expect(orders).toEqual([]);
    expect(events.map((e) => [e.kind, JSON.parse(e.payload).reason])).toEqual(
      expect.arrayContaining([
        ['persistence.invalid', 'unknown event kind "teleport"'],
        ['persistence.invalid', expect.stringMatching(/clientOrderId/)],
      ]),
    );
    expect(events).toHaveLength(2);
  });

  test('an event with a field the schema would refuse is an audit row naming the field, and adds no row', () => {
    const b = builder();
    const [fill, ledger] = fillEvents('T1', '0.2', '60000', 2_000, '0.2');
    b.addTraderEvents('t1', [
      orderEvent({ status: 'weird' as never }),
      { ...fill!, fill: { ...(fill as { fill: object }).fill, price: 60_000 } } as never,
      { ...ledger!, equity: '10000' } as never,
    ]);
    const batch = b.take();
    expect([batch.orders, batch.trades, batch.positions, batch.balances]).toEqual([[], [], [], []]);
    expect(batch.events.map((e) => JSON.parse(e.payload).reason).sort()).toEqual([
      'equity: expected a fixed-point amount, got string',
      'fill.price: expected a fixed-point amount, got number',
      'order.status: "weird" is not one of new, open, partially_filled, filled, cancelled, rejected, expired',
    ]);
  });

  test('audit rows are keyed by their content, so the same event twice is one row', () => {
    const b = builder();
    const mode = { kind: 'mode', mode: 'halted', reason: 'drawdown', at: 5 } as const;
    b.addTraderEvents('t1', [mode, mode]);
    b.addAudit(null, 'risk.intervention', { amount: 12_500_000_000n }, 6);
    const { events, modes } = b.take();
    expect(events).toHaveLength(2);
    expect(JSON.parse(events.find((e) => e.kind === 'risk.intervention')!.payload)).toEqual({ amount: '12.5' });
    expect(modes).toEqual([{ id: 't1', mode: 'halted', mode_reason: 'drawdown', updated_at: 5 }]);
  });
});
