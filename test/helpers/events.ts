import { clientOrderId } from '../../actors/trading/ids.js';
import type { Order } from '../../actors/trading/order.js';
import type { TraderEvent } from '../../actors/trader/events.js';
import { fx } from './trading.js';

/** A BTC/USDT order of trader `t1` in the state the overrides give, as a trader reports it. */
export function orderEvent(overrides: Partial<Order> = {}): TraderEvent {
  return {
    kind: 'order',
    order: {
      clientOrderId: 'v3-a',
      traderId: 't1',
      signalId: 's1',
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      quantity: fx('0.5'),
      price: fx('60000.1'),
      reduceOnly: false,
      status: 'new',
      filled: 0n,
      filledNotional: 0n,
      fees: 0n,
      createdAt: 1_000,
      updatedAt: 1_000,
      ...overrides,
    },
  };
}

/** What a trader reports when `quantity` of order `clientOrderId` fills at `price` in trade `tradeId`. */
export function fillEvents(tradeId: string, quantity: string, price: string, at: number, position: string, clientOrderId = 'v3-a'): TraderEvent[] {
  return [
    {
      kind: 'fill',
      clientOrderId,
      signalId: 's1',
      symbol: 'BTC/USDT',
      side: 'buy',
      fill: { tradeId, quantity: fx(quantity), price: fx(price), fee: fx('0.01'), feeAsset: 'USDT', liquidity: 'maker' },
      position: { symbol: 'BTC/USDT', quantity: fx(position), avgEntry: fx(price), realizedPnl: fx('-0.01'), fees: fx('0.01'), openedAt: 1_000 },
      at,
    },
    {
      kind: 'ledger',
      entries: [
        { asset: 'BTC', delta: fx(quantity), balance: fx(position), reason: 'fill', ref: tradeId, at },
        { asset: 'USDT', delta: -fx('1'), balance: fx('9000.5'), reason: 'fill', ref: tradeId, at },
      ],
      equity: fx('10000.25'),
    },
  ];
}

/**
 * What a trader reports for a market BUY of BTC/USDT it accepted at `at`: the signal, and its order
 * stored `new`, on its way to the exchange. Stored and nothing more, they are what a process killed
 * before the order left (or a fenced node) leaves behind.
 */
export function unsentOrderEvents(o: { traderId: string; signalId: string; strategy: string; quantity: string; at: number }): TraderEvent[] {
  const id = clientOrderId(o.traderId, o.signalId);
  const quantity = fx(o.quantity);
  const limit = orderEvent({ clientOrderId: id, traderId: o.traderId, signalId: o.signalId, type: 'market', quantity, createdAt: o.at, updatedAt: o.at }) as Extract<TraderEvent, { kind: 'order' }>;
  const { price: _price, ...order } = limit.order;
  return [
    { kind: 'signal.accepted', signalId: o.signalId, strategy: o.strategy, symbol: 'BTC/USDT', action: 'BUY', orderType: 'market', quantity, clientOrderId: id, sized: { side: 'buy', quantity, review: false }, at: o.at },
    { kind: 'order', order },
  ];
}
