import type { Exchange } from 'ccxt';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient, type Credentials, type ExchangeId } from '../../adapters/exchanges/client.js';
import { tradingMarket } from '../../adapters/exchanges/markets.js';
import { PROFILES } from '../../adapters/exchanges/profiles/index.js';
import { fundingReports, heldPositions, MarginTerms, perpetualParams, swapWallet } from '../../adapters/exchanges/swaps.js';
import { toFixed } from '../../actors/trading/fixed.js';
import { fakeExchange, type FakeExchange, type RecordedRequest, type Route } from './fake-exchange.js';

const SWAP = 'BTC/USDT:USDT';

/**
 * One exchange's linear perpetual `BTC/USDT:USDT`, recorded in its own shapes (`test/fixtures/exchanges/
 * <id>-<market>.ts`), with the account holding a short, and what ccxt and v3 must make of it.
 */
export interface SwapRecording {
  exchange: ExchangeId;
  /** An exchange of perpetuals only (ccxt's `kucoinfutures`): no spot market beside them. */
  futuresOnly?: true;
  credentials: Credentials;
  routes: Route[];
  /** Where leverage, margin mode and orders are sent. */
  paths: Record<'leverage' | 'marginMode' | 'createOrder', [Route['method'], string]>;
  /**
   * The exchange's fields for them: leverage's, margin mode's with its value for isolated, reduce-only's
   * with its value, the client order id's (and what arrives there, where ccxt adapts it: Gate's start
   * with `t-`), and the order's own margin mode field where the venue takes it from each order.
   */
  sent: { leverage: string; marginMode: [string, string]; reduceOnly: [string, string]; clientOrderId: string; clientOrderIdSent?: string; orderMarginMode?: [string, string] };
  expected: {
    market: { id: string; contractSize: number; amountPrecision: number; pricePrecision: number; minAmount: number };
    /** The short the account holds, as ccxt parses it. */
    position: { side: 'long' | 'short'; contracts: number; entryPrice: number };
    /** ccxt's `total` and `used` of the futures wallet's settle asset. */
    wallet: { asset: string; total: number; used: number };
  };
  /** The wallet less unrealized P&L and the margin in use, as the trader's ledger counts it. */
  account: { wallet: string; position: { amount: string; entry: string; mark: string }; funding: { time: number; income: string }[] };
}

/** Runs the real ccxt client for `recording.exchange` with its perpetuals loaded against the recording, through v3's swap helpers. */
export function swapScenario(recording: SwapRecording): void {
  describe(`${recording.exchange} perpetuals through ccxt against recorded responses`, () => {
    let server: FakeExchange;
    let client: Exchange;
    const { expected } = recording;
    const lastSent = ([method, path]: [string, string]): Record<string, unknown> => {
      const sent: RecordedRequest = server.requests.filter((r) => r.method === method && r.path === path).at(-1)!;
      const body = Array.isArray(sent.body) ? (sent.body[0] as Record<string, unknown>) : sent.body;
      return { ...sent.query, ...(typeof body === 'object' ? body : {}) };
    };

    beforeAll(async () => {
      server = await fakeExchange(recording.routes);
      client = createClient({ exchange: recording.exchange, credentials: recording.credentials, endpoint: server.origin, timeoutMs: 1_000, swaps: true });
      client.enableRateLimit = false;
      await client.loadMarkets();
    });
    afterAll(() => server.close());

    test('loads the linear perpetual beside spot, with its contract size, and v3 sizes it in the base asset', () => {
      const market = client.markets![SWAP]!;
      expect(market).toMatchObject({ id: expected.market.id, swap: true, linear: true, settle: 'USDT', contractSize: expected.market.contractSize });
      expect(client.markets!['BTC/USDT']?.spot).toBe(recording.futuresOnly ? undefined : true);
      const traded = tradingMarket(recording.exchange, market);
      expect(traded.amountStep).toBe(toFixed(expected.market.amountPrecision * expected.market.contractSize, 'step'));
      expect(traded.minAmount).toBe(toFixed(expected.market.minAmount * expected.market.contractSize, 'min'));
      expect(traded.priceStep).toBe(toFixed(expected.market.pricePrecision, 'tick'));
      expect(traded.swap!.maxLeverage).toBeGreaterThanOrEqual(20);
      // Tier 1 where the market does not say: half the initial margin at the highest leverage.
      expect(tradingMarket(recording.exchange, market, { maxLeverage: 50 }).swap).toEqual({ maxLeverage: 50, maintenanceMargin: toFixed('0.01', 'mm') });
    });

    test('reads the account’s short as a signed base quantity, and its futures wallet without unrealized P&L', async () => {
      const positions = await client.fetchPositions();
      expect(positions.find((p) => p.symbol === SWAP)).toMatchObject(expected.position);
      const contracts = toFixed(expected.position.contracts * expected.market.contractSize, 'q');
      expect(heldPositions(client, positions)).toEqual({ [SWAP]: { quantity: expected.position.side === 'short' ? -contracts : contracts, entry: toFixed(expected.position.entryPrice, 'e') } });
      const balance = await client.fetchBalance({ type: 'swap' });
      expect(balance[expected.wallet.asset]).toMatchObject({ total: expected.wallet.total, used: expected.wallet.used });
      const wallet = swapWallet(balance, PROFILES[recording.exchange].swaps!.totalIsEquity ? positions : [])[expected.wallet.asset]!;
      expect(wallet.free + wallet.locked).toBe(toFixed(recording.account.wallet, 'wallet'));
    });

    test('sets margin mode and leverage on the exchange once, and an order goes out reduce-only with our client order id', async () => {
      const terms = new MarginTerms();
      const swapTerms = PROFILES[recording.exchange].swaps!;
      const run = <T>(call: () => Promise<T>) => call();
      const wanted = { account: 'main', symbol: SWAP, leverage: 5, mode: 'isolated' } as const;
      await terms.apply(client, swapTerms, wanted, run);
      const [modeField, isolated] = recording.sent.marginMode;
      expect(lastSent(recording.paths.marginMode)[modeField]).toBe(isolated);
      const calls = server.requests.length;
      await terms.apply(client, swapTerms, wanted, run);
      expect(server.requests.length).toBe(calls);
      // With the params the exchange actor gives a reduce-only perpetual order of an isolated trader at 5x.
      const params = perpetualParams(swapTerms, { clientOrderId: 'v3swap0001', reduceOnly: true, marginMode: 'isolated', leverage: 5 });
      await client.createOrder(SWAP, 'market', 'buy', 1, undefined, params);
      // Set on the exchange before, or carried by the order where the venue takes it there.
      expect(String(lastSent(recording.paths.leverage)[recording.sent.leverage])).toBe('5');
      const order = lastSent(recording.paths.createOrder);
      const [reduceField, reduceValue] = recording.sent.reduceOnly;
      expect(String(order[reduceField])).toBe(reduceValue);
      expect(order[recording.sent.clientOrderId]).toBe(recording.sent.clientOrderIdSent ?? 'v3swap0001');
      expect(recording.sent.orderMarginMode !== undefined).toBe(PROFILES[recording.exchange].swaps!.marginModeOnOrder === true);
      if (recording.sent.orderMarginMode) expect(order[recording.sent.orderMarginMode[0]]).toBe(recording.sent.orderMarginMode[1]);
    });

    test('turns funding payments after the last one reported into reports, oldest first', async () => {
      const at = Date.UTC(2026, 0, 1, 8);
      recording.account.funding.push({ time: at, income: '-0.12650000' }, { time: at + 8 * 3_600_000, income: '0.03100000' });
      const entries = await client.fetchFundingHistory(SWAP, at - 1);
      // Received positive, whatever sign the exchange's answer gives it.
      const asFee = PROFILES[recording.exchange].swaps!.fundingIsFee;
      expect(fundingReports(entries, 'main', SWAP, at, asFee).map((r) => [r.ts, r.funding!.amount])).toEqual([[at + 8 * 3_600_000, toFixed('0.031', 'f')]]);
      expect(fundingReports(entries, 'main', SWAP, at - 1, asFee).map((r) => r.funding!.amount)).toEqual([-toFixed('0.1265', 'f'), toFixed('0.031', 'f')]);
    });
  });
}
