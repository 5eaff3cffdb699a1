import type { Exchange, OHLCV } from 'ccxt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient, type Credentials, type ExchangeId } from '../../adapters/exchanges/client.js';
import { toExchangeError } from '../../adapters/exchanges/ccxt-errors.js';
import type { ExchangeErrorCode } from '../../adapters/exchanges/errors.js';
import { checkTicker } from '../../adapters/exchanges/responses.js';
import { fakeExchange, type FakeExchange, type Reply, type Route } from './fake-exchange.js';

/**
 * One exchange's recorded REST responses (small, in the exchange's real shapes) and what ccxt must
 * make of them. `test/fixtures/exchanges/<id>.ts` holds one per exchange.
 */
export interface ExchangeRecording {
  exchange: ExchangeId;
  credentials: Credentials;
  /** Recorded for `BTC/USDT` spot: markets, ticker, 1m candles, balance, orders. */
  routes: Route[];
  /** The field of createOrder's request where the exchange takes our client order id (ccxt's `clientOrderId` param, renamed). */
  clientOrderIdField: string;
  /** What arrives there, when ccxt adapts it (Gate's ids must start with `t-`); default the id as given. */
  clientOrderIdSent?: string;
  /** The endpoint the generic failures (429, 503, timeout, malformed JSON) are injected on: the ticker's. */
  tickerRoute: [Route['method'], string];
  balanceRoute: [Route['method'], string];
  createOrderRoute: [Route['method'], string];
  /** Replies in the exchange's own shape for a bad key and for an order beyond the balance. */
  authFailed: Reply;
  insufficientFunds: Reply;
  /** Its rate-limit answer, where a bare HTTP 429 is not what it sends (Bybit answers 200 with retCode 10006). */
  rateLimited?: Reply;
  /** Values the recordings hold, compared with what ccxt parsed. */
  expected: {
    market: { id: string; amountPrecision: number; pricePrecision: number; minAmount?: number };
    last: number;
    firstCandle: OHLCV;
    candles: number;
    balance: { asset: string; free: number; used: number };
    /** `status` undefined: the exchange answers a new order with its id only (Bitget). */
    limitOrder: { id: string; status: 'open' | 'closed' | 'canceled' | undefined; price: number; amount: number };
    marketOrder: { id: string; status: 'open' | 'closed' | 'canceled' | undefined; filled?: number };
    cancelled: { id: string };
    fetched: { id: string; status: 'open' | 'closed' | 'canceled'; filled: number };
    openOrders: number;
  };
}

export const CLIENT_ORDER_ID = 'v30123456789abcdef';

/** Runs the real ccxt client for `recording.exchange` against its recordings on a loopback server. */
export function exchangeScenario(recording: ExchangeRecording): void {
  describe(`${recording.exchange} through ccxt against its recorded responses`, () => {
    let server: FakeExchange;
    let client: Exchange;
    const { expected } = recording;
    const code = async (call: () => Promise<unknown>): Promise<ExchangeErrorCode | 'resolved'> => {
      try {
        await call();
        return 'resolved';
      } catch (error) {
        return toExchangeError(error, recording.exchange).code;
      }
    };

    beforeAll(async () => {
      server = await fakeExchange(recording.routes);
      client = createClient({ exchange: recording.exchange, credentials: recording.credentials, endpoint: server.origin, timeoutMs: 500 });
      // The rate limiter is on in production; replays need no pacing.
      client.enableRateLimit = false;
    });
    afterAll(() => server.close());

    test('loads the spot markets with precision and limits', async () => {
      const markets = await client.loadMarkets();
      const market = markets['BTC/USDT']!;
      expect(market).toMatchObject({ id: expected.market.id, spot: true, base: 'BTC', quote: 'USDT' });
      expect(market.precision).toMatchObject({ amount: expected.market.amountPrecision, price: expected.market.pricePrecision });
      if (expected.market.minAmount !== undefined) expect(market.limits.amount?.min).toBe(expected.market.minAmount);
    });

    test('fetches a ticker and candles', async () => {
      expect((await client.fetchTicker('BTC/USDT')).last).toBe(expected.last);
      const candles = await client.fetchOHLCV('BTC/USDT', '1m', undefined, expected.candles);
      expect(candles).toHaveLength(expected.candles);
      expect(candles[0]).toEqual(expected.firstCandle);
    });

    test('fetches the balance', async () => {
      const balance = await client.fetchBalance();
      expect(balance[expected.balance.asset]).toMatchObject({ free: expected.balance.free, used: expected.balance.used });
    });

    test('places a limit and a market order, carrying our client order id in the exchange’s own field', async () => {
      const limit = await client.createOrder('BTC/USDT', 'limit', 'buy', expected.limitOrder.amount, expected.limitOrder.price, { clientOrderId: CLIENT_ORDER_ID });
      expect(limit).toMatchObject({ id: expected.limitOrder.id, status: expected.limitOrder.status });
      const [method, path] = recording.createOrderRoute;
      const sent = server.requests.filter((r) => r.method === method && r.path === path).at(-1)!;
      // OKX takes even a single order as a batch of one.
      const body = Array.isArray(sent.body) ? (sent.body[0] as Record<string, unknown>) : sent.body;
      expect({ ...sent.query, ...(typeof body === 'object' ? body : {}) }[recording.clientOrderIdField]).toBe(recording.clientOrderIdSent ?? CLIENT_ORDER_ID);
      const market = await client.createOrder('BTC/USDT', 'market', 'buy', expected.limitOrder.amount, expected.limitOrder.price);
      expect(market).toMatchObject({ id: expected.marketOrder.id, status: expected.marketOrder.status });
      if (expected.marketOrder.filled !== undefined) expect(market.filled).toBe(expected.marketOrder.filled);
    });

    test('cancels, fetches an order and lists open orders', async () => {
      expect((await client.cancelOrder(expected.limitOrder.id, 'BTC/USDT')).id).toBe(expected.cancelled.id);
      expect(await client.fetchOrder(expected.fetched.id, 'BTC/USDT')).toMatchObject({ id: expected.fetched.id, status: expected.fetched.status, filled: expected.fetched.filled });
      expect(await client.fetchOpenOrders('BTC/USDT')).toHaveLength(expected.openOrders);
    });

    test('maps failures to the platform’s errors', async () => {
      const [method, path] = recording.tickerRoute;
      // Checked as the adapter checks what it reads: some exchanges' parsers turn a truncated body into empty fields instead of throwing.
      const ticker = async () => checkTicker(recording.exchange, await client.fetchTicker('BTC/USDT'));
      server.inject(method, path, recording.rateLimited ?? { status: 429, json: {} });
      expect(await code(ticker)).toBe('ERR_RATE_LIMITED');
      server.inject(method, path, { status: 503, text: '<html>503 Service Temporarily Unavailable</html>' });
      expect(await code(ticker)).toBe('ERR_EXCHANGE_DOWN');
      server.inject(method, path, { delayMs: 1_500, json: {} });
      expect(await code(ticker)).toBe('ERR_NETWORK');
      server.inject(method, path, { text: '{"symbol": "BTCUSDT", "lastPri' });
      expect(await code(ticker)).toBe('ERR_BAD_RESPONSE');
      // A fresh client: a key that never worked (Binance reads the same answer after a success as a temporary ban).
      const badKey = createClient({ exchange: recording.exchange, credentials: recording.credentials, endpoint: server.origin, timeoutMs: 500 });
      badKey.setMarkets(client.markets);
      server.inject(...recording.balanceRoute, recording.authFailed);
      expect(await code(() => badKey.fetchBalance())).toBe('ERR_AUTH_FAILED');
      server.inject(...recording.createOrderRoute, recording.insufficientFunds);
      expect(await code(() => client.createOrder('BTC/USDT', 'limit', 'buy', 1_000, expected.limitOrder.price))).toBe('ERR_INSUFFICIENT_FUNDS');
      // Still answering once the failures are over.
      expect((await client.fetchTicker('BTC/USDT')).last).toBe(expected.last);
    });
  });
}
