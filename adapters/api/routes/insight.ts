import { z } from 'zod';
import type { PlatformControl } from '../../../actors/platform/control.js';
import { CHART_CANDLES } from '../../../actors/trader/chart.js';
import { storableText } from '../../../actors/trading/text.js';
import { time } from '../../database/queries.js';
import { fromZodError } from '../errors.js';
import { answer, apiRouter, errors, mount, routesOf, type ApiRouter } from '../openapi.js';
import { json } from '../respond.js';
import { amount, epochMs, idParam, listPage } from '../schemas.js';
import { readQuery } from '../validate.js';

/*
 * What a dashboard draws of one trader besides its status: its candles with its strategy's indicators,
 * its equity and drawdown, its performance figures, and one stored order. The schemas below are what
 * the routes validate with and answer, for the OpenAPI document too.
 */

/** The longest equity history one request answers. */
const MAX_EQUITY_POINTS = 10_000;

const candlesQuery = z.strictObject({
  /** One of the trader's symbols; its first by default. */
  symbol: storableText.min(1).max(32).optional(),
  limit: z.coerce.number().int().min(1).max(CHART_CANDLES).default(CHART_CANDLES),
});

const equityQuery = z.strictObject({
  from: time.optional(),
  to: time.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_EQUITY_POINTS).default(1_000),
});

/** No parameters: an unknown one is a mistake, named by the 400. */
const performanceQuery = z.strictObject({});

const orderParams = z.object({ clientOrderId: storableText.min(1).max(1_024) });

const candlesResponse = z
  .object({
    symbol: z.string(),
    /** Null for a trader that has had no candle since it (re)started and has no strategy. */
    timeframe: z.string().nullable(),
    /** Oldest first; `ts` is the candle's open time. */
    candles: z.array(z.object({ ts: epochMs, open: amount, high: amount, low: amount, close: amount, volume: amount })),
    /** Each indicator at the candles it was computed at (none while it warms up). `own`: an oscillator, drawn on a scale of its own. */
    indicators: z.array(z.object({ name: z.string(), pane: z.enum(['price', 'own']), values: z.array(z.object({ ts: epochMs, value: z.number() })) })),
  })
  .meta({ id: 'TraderCandles' });

const equityResponse = z
  .object({
    /** Oldest first; `drawdown` is the fraction below the highest equity before it (0.05: 5 % below). */
    data: z.array(z.object({ at: epochMs, equity: amount, drawdown: z.number() })),
  })
  .meta({ id: 'TraderEquity' });

const ratio = z.number().nullable();

const performanceResponse = z
  .object({
    traderId: z.string(),
    from: epochMs,
    to: epochMs,
    stepMs: z.number().int().positive(),
    summary: z.object({
      initialEquity: amount,
      finalEquity: amount,
      pnl: amount,
      feesPaid: amount,
      totalReturn: z.number(),
      cagr: ratio,
      maxDrawdown: z.number(),
      sharpe: ratio,
      sortino: ratio,
      winRate: ratio,
      profitFactor: ratio,
      trades: z.number().int(),
      fills: z.number().int(),
      timeInMarket: z.number(),
    }),
    pnl: z.object({ today: amount, total: amount }),
    method: z.object({ equity: z.string(), returns: z.string(), drawdown: z.string(), trades: z.string(), pnl: z.string() }),
  })
  .meta({ id: 'TraderPerformance' });

/** A stored order: the row the `/orders` list gives. */
const orderResponse = listPage('orders').shape.data.element;

/** The definition of `GET /traders/{id}/<view>`: its query checked by `query`, answering `response`. */
const traderView = <V extends string>(view: V, query: z.ZodObject, response: z.ZodType, words: { summary: string; description: string; answer: string }) =>
  routesOf('Traders')('read', {
    method: 'get',
    path: `/traders/{id}/${view}`,
    summary: words.summary,
    description: words.description,
    request: { params: idParam, query },
    responses: { 200: answer(words.answer, response), ...errors(400, 404) },
  });

const routes = {
  candles: traderView('candles', candlesQuery, candlesResponse, {
    summary: "A trader's candles with its strategy's indicators",
    description: 'The latest closed candles of `symbol` (its first by default) as the running trader keeps them; none while it does not run. A symbol it does not trade is a 400.',
    answer: 'The candles, oldest first, and each indicator',
  }),
  equity: traderView('equity', equityQuery, equityResponse, {
    summary: "A trader's stored equity and drawdown",
    description: 'Its equity in [`from`, `to`), oldest first, in at most `limit` points, each with its drawdown from the peak before it.',
    answer: 'The equity history',
  }),
  performance: traderView('performance', performanceQuery, performanceResponse, {
    summary: "A trader's performance figures",
    description: 'From its start to now, as a backtest reports them: return, drawdown, Sharpe and Sortino, win rate, profit factor, P&L today and in all.',
    answer: 'The figures, and how each is worked out',
  }),
  order: routesOf('Trading')('read', {
    method: 'get',
    path: '/orders/{clientOrderId}',
    summary: 'One stored order',
    request: { params: orderParams },
    responses: { 200: answer('The order, as the `/orders` list gives it', orderResponse), ...errors(400, 404) },
  }),
};

/** Per-trader candles, equity and performance, and one stored order by its client order id. */
export function insightRoutes(control: PlatformControl): ApiRouter {
  const router = apiRouter();
  mount(router, routes.candles, async (c) => {
    const { symbol, limit } = readQuery(c, candlesQuery);
    const { type: _type, ...chart } = await control.candles(c.req.param('id'), { symbol, limit });
    return json(c, chart);
  });
  mount(router, routes.equity, async (c) => {
    const { from, to, limit } = readQuery(c, equityQuery);
    return json(c, { data: await control.equity(c.req.param('id'), { from, to, limit }) });
  });
  mount(router, routes.performance, async (c) => {
    readQuery(c, performanceQuery);
    const id = c.req.param('id');
    return json(c, { traderId: id, ...(await control.performance(id)) });
  });
  mount(router, routes.order, async (c) => {
    const params = orderParams.safeParse(c.req.param());
    if (!params.success) throw fromZodError(params.error, 'ERR_BAD_REQUEST');
    return json(c, await control.order(params.data.clientOrderId));
  });
  return router;
}
