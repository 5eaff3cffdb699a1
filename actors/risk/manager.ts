import { z } from 'zod';
import { defineActor, type ActorContext } from '../../runtime/actor.js';
import type { Address } from '../../runtime/message.js';
import { max, type Fixed } from '../trading/fixed.js';
import type { InterventionAction, MonitorLimits } from './limits.js';
import { bookDecisions, exposureOf, positionDecisions, type Book, type Decision } from './monitor.js';
import { exposureSchema, type ExposureReport, type Intervention } from './protocol.js';
import { own } from '../trading/own.js';

export interface RiskManagerArgs {
  events: Address;
  traders: Record<string, { address: Address; limits: MonitorLimits }>;
  portfolio: MonitorLimits;
}

/** Every intervention is also an event, with its reason. */
export interface InterventionEvent {
  kind: 'intervention';
  scope: 'trader' | 'portfolio';
  traderId?: string;
  action: InterventionAction;
  reason: string;
  symbols?: string[];
  at: number;
}

const fixed = z.bigint();
const monitorLimitsSchema = z.strictObject({
  stopLoss: fixed.optional(),
  takeProfit: fixed.optional(),
  dailyLossLimit: fixed.optional(),
  maxDrawdown: fixed.optional(),
  maxExposure: fixed.optional(),
});

const messages = z.discriminatedUnion('type', [
  exposureSchema,
  /** Stops everything: every trader cancels its orders, closes its positions and halts (v2's Telegram `stop`). */
  z.object({ type: z.literal('emergencyStop'), reason: z.string().min(1) }),
  /** Lifts a halt or reduce-only, of one trader or of all. */
  z.object({ type: z.literal('resume'), traderId: z.string().optional(), reason: z.string().default('resumed by the operator') }),
  /** One trader, by an operator: halt it, put it in reduce-only, or close its positions. */
  z.object({
    type: z.literal('interveneTrader'),
    traderId: z.string(),
    action: z.enum(['halt', 'reduce-only', 'close-positions']),
    reason: z.string().min(1),
  }),
  /** A trader started or deleted while the platform runs (the API's trader lifecycle). */
  z.object({ type: z.literal('addTrader'), traderId: z.string(), address: z.string(), limits: monitorLimitsSchema }),
  z.object({ type: z.literal('removeTrader'), traderId: z.string() }),
  /** Request: replies with the latest exposure of every trader and the interventions made. */
  z.object({ type: z.literal('status') }),
]);

interface State {
  /** The config's traders, then those added and removed while running. */
  traders: RiskManagerArgs['traders'];
  latest: Record<string, ExposureReport>;
  peaks: Record<string, Fixed>;
  portfolioPeak: Fixed;
  /** Conditions acted on and still holding, per trader id or `*` for the portfolio. */
  active: Record<string, string[]>;
  interventions: InterventionEvent[];
}

const KEEP = 200;

/**
 * The risk manager: watches every trader's exposure reports, per trader and summed for the portfolio,
 * and intervenes (halt, reduce-only, close positions, emergency stop) when a limit is crossed. Each
 * condition is acted on once while it lasts; reduce-only for exposure lifts itself when exposure is back
 * under the limit, halts stay until an operator resumes.
 */
export default defineActor<z.infer<typeof messages>, State>({
  messages,
  create() {
    let args: RiskManagerArgs;
    let state: State;

    const intervene = (ctx: ActorContext, scope: InterventionEvent['scope'], traderIds: string[], decision: Omit<Decision, 'key'>) => {
      const at = Date.now();
      for (const traderId of traderIds) {
        const message: Intervention = { type: 'intervene', action: decision.action, reason: decision.reason };
        if (decision.symbols) message.symbols = decision.symbols;
        ctx.send(state.traders[traderId]!.address, message);
      }
      const event: InterventionEvent = { kind: 'intervention', scope, action: decision.action, reason: decision.reason, at };
      if (scope === 'trader') event.traderId = traderIds[0]!;
      if (decision.symbols) event.symbols = decision.symbols;
      state.interventions.push(event);
      if (state.interventions.length > KEEP) state.interventions.shift();
      ctx.send(args.events, { type: 'riskEvents', events: [event] });
    };

    /** Acts on decisions not yet active for `owner`; conditions that cleared are forgotten (and exposure's reduce-only lifted). */
    const apply = (ctx: ActorContext, owner: string, decisions: Decision[], scope: InterventionEvent['scope'], traderIds: string[]) => {
      const before = new Set(state.active[owner] ?? []);
      for (const decision of decisions) if (!before.has(decision.key)) intervene(ctx, scope, traderIds, decision);
      const now = new Set(decisions.map((d) => d.key));
      for (const key of before) if (key === 'exposure' && !now.has(key)) intervene(ctx, scope, traderIds, { action: 'lift-reduce-only', reason: 'exposure back under the limit' });
      // Halts stay active until resumed, so they are not fired again every report.
      const sticky = [...before].filter((key) => !now.has(key) && key !== 'exposure' && !key.startsWith('stop:') && !key.startsWith('take:'));
      state.active[owner] = [...now, ...sticky];
    };

    const portfolioBook = (): Book => {
      const book: Book = { equity: 0n, peak: state.portfolioPeak, dayPnl: 0n, exposure: 0n };
      for (const report of Object.values(state.latest)) {
        book.equity += report.equity;
        book.dayPnl += report.dayPnl;
        book.exposure += exposureOf(report);
      }
      return book;
    };

    return {
      init(ctx, snapshot) {
        args = ctx.args as RiskManagerArgs;
        state = snapshot ?? { traders: args.traders, latest: {}, peaks: {}, portfolioPeak: 0n, active: {}, interventions: [] };
      },
      receive(msg, ctx) {
        switch (msg.type) {
          case 'exposure': {
            const trader = own(state.traders, msg.traderId);
            if (!trader) return;
            state.latest[msg.traderId] = msg;
            const peak = (state.peaks[msg.traderId] = max(state.peaks[msg.traderId] ?? 0n, msg.equity));
            const book: Book = { equity: msg.equity, peak, dayPnl: msg.dayPnl, exposure: exposureOf(msg) };
            apply(ctx, msg.traderId, [...positionDecisions(msg, trader.limits), ...bookDecisions(book, trader.limits, 'close-and-halt')], 'trader', [msg.traderId]);
            const portfolio = portfolioBook();
            state.portfolioPeak = max(state.portfolioPeak, portfolio.equity);
            portfolio.peak = state.portfolioPeak;
            apply(ctx, '*', bookDecisions(portfolio, args.portfolio, 'emergency-stop'), 'portfolio', Object.keys(state.traders));
            return;
          }
          case 'emergencyStop':
            intervene(ctx, 'portfolio', Object.keys(state.traders), { action: 'emergency-stop', reason: msg.reason });
            state.active['*'] = [...(state.active['*'] ?? []), 'emergency-stop'];
            return;
          case 'resume': {
            const ids = msg.traderId ? [msg.traderId].filter((id) => Object.hasOwn(state.traders, id)) : Object.keys(state.traders);
            for (const id of ids) delete state.active[id];
            if (!msg.traderId) delete state.active['*'];
            for (const id of ids) intervene(ctx, 'trader', [id], { action: 'resume', reason: msg.reason });
            return;
          }
          case 'interveneTrader':
            if (!Object.hasOwn(state.traders, msg.traderId)) return;
            intervene(ctx, 'trader', [msg.traderId], { action: msg.action, reason: msg.reason });
            if (msg.action !== 'close-positions') state.active[msg.traderId] = [...(state.active[msg.traderId] ?? []), `operator:${msg.action}`];
            return;
          case 'addTrader':
            state.traders[msg.traderId] = { address: msg.address, limits: msg.limits };
            return;
          case 'removeTrader':
            delete state.traders[msg.traderId];
            delete state.latest[msg.traderId];
            delete state.peaks[msg.traderId];
            delete state.active[msg.traderId];
            return;
          case 'status':
            ctx.reply({ type: 'riskStatus', latest: state.latest, active: state.active, interventions: state.interventions });
        }
      },
      snapshot: () => state,
    };
  },
});
