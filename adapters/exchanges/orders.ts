import type { Exchange, Order as CcxtOrder, Trade } from 'ccxt';
import type { ExchangeOrderState, ExecutionReport, Fill } from '../../actors/trading/exchange-protocol.js';
import { mul, ONE, toFixed, type Fixed } from '../../actors/trading/fixed.js';

/**
 * How a market's orders count on the exchange: the asset a fee is in when the exchange does not say,
 * and the base units one contract is (a perpetual's amounts are in contracts; a trader's, in the base).
 */
export interface OrderUnits {
  quote: string;
  contract: Fixed;
}

export function unitsOf(exchange: Exchange, symbol: string): OrderUnits {
  const market = exchange.markets?.[symbol];
  return { quote: market?.quote ?? '', contract: market?.swap ? toFixed(market.contractSize ?? 1, `${symbol}.contractSize`) : ONE };
}

/** What the adapter keeps of an order it placed, to turn the exchange's later answers into reports. */
export interface TrackedOrder {
  clientOrderId: string;
  exchangeOrderId: string | undefined;
  account: string;
  symbol: string;
  replyTo: string;
  /** Filled quantity already reported. */
  reported: Fixed;
}

/**
 * An exchange's order as ccxt parsed it, as the fills it holds: its trades when the exchange lists
 * them, else one fill per increase of the filled quantity at the average price, with an id derived
 * from the order and the cumulative quantity, so that it is the same however often it is seen.
 */
export function fillsOf(order: CcxtOrder, units: OrderUnits): Fill[] {
  const trades = (order.trades ?? []).filter((t: Trade) => t.amount !== undefined && t.price !== undefined);
  if (trades.length > 0) {
    return trades.map((t: Trade) => ({
      tradeId: String(t.id ?? `${order.id}:${t.timestamp}`),
      quantity: mul(toFixed(t.amount, 'trade.amount'), units.contract),
      price: toFixed(t.price, 'trade.price'),
      fee: t.fee?.cost !== undefined ? toFixed(t.fee.cost, 'trade.fee') : 0n,
      feeAsset: t.fee?.currency ?? units.quote,
      liquidity: t.takerOrMaker === 'maker' ? 'maker' : 'taker',
    }));
  }
  const filled = order.filled ? mul(toFixed(order.filled, 'order.filled'), units.contract) : 0n;
  if (filled === 0n) return [];
  const price = order.average ?? order.price;
  return [
    {
      tradeId: `${order.id}:${filled}`,
      quantity: filled,
      price: toFixed(price, 'order.average'),
      fee: order.fee?.cost !== undefined ? toFixed(order.fee.cost, 'order.fee') : 0n,
      feeAsset: order.fee?.currency ?? units.quote,
      liquidity: 'taker',
    },
  ];
}

/**
 * The reports a newly seen state of `tracked` adds: acceptance the first time, fills beyond what was
 * reported (fills are listed oldest first, so those already covered are skipped by quantity), and
 * the end of the order. Updates `tracked.reported`.
 */
export function reportsFor(tracked: TrackedOrder, order: CcxtOrder, units: OrderUnits, now: number): ExecutionReport[] {
  const base = { clientOrderId: tracked.clientOrderId, exchangeOrderId: order.id, account: tracked.account, symbol: tracked.symbol, ts: now };
  const reports: ExecutionReport[] = [];
  if (tracked.exchangeOrderId === undefined) {
    tracked.exchangeOrderId = order.id;
    reports.push({ ...base, kind: 'accepted' });
  }
  let covered = 0n;
  for (const fill of fillsOf(order, units)) {
    covered += fill.quantity;
    if (covered <= tracked.reported) continue;
    // A synthesized fill covers the whole filled quantity: report only what is new.
    const quantity = fill.tradeId.startsWith(`${order.id}:`) ? covered - tracked.reported : fill.quantity;
    reports.push({ ...base, kind: 'fill', fill: { ...fill, quantity } });
    tracked.reported = covered;
  }
  if (order.status === 'canceled' || order.status === 'expired' || order.status === 'rejected') {
    reports.push({ ...base, kind: order.status === 'canceled' ? 'cancelled' : order.status, reason: `${order.status} on the exchange` });
  }
  return reports;
}

/** Whether the exchange is done with the order. */
export function isFinal(order: CcxtOrder): boolean {
  return order.status === 'closed' || order.status === 'canceled' || order.status === 'expired' || order.status === 'rejected';
}

/** What reconciliation gets for one order. */
export function orderState(clientOrderId: string, order: CcxtOrder | undefined, units: OrderUnits): ExchangeOrderState {
  if (!order) return { clientOrderId, known: false, fills: [] };
  const status = order.status === 'canceled' ? 'cancelled' : order.status === 'closed' ? 'filled' : order.status === 'expired' || order.status === 'rejected' ? order.status : 'open';
  return { clientOrderId, known: true, status, exchangeOrderId: order.id, fills: fillsOf(order, units) };
}
