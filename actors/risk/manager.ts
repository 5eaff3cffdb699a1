import { z } from 'zod';
import { defineActor, type ActorContext } from '../../runtime/actor.js';
import type { Address } from '../../runtime/message.js';
import { max, type Fixed } from '../trading/fixed.js';
import type { InterventionAction, MonitorLimits } from './limits.js';
import { bookDecisions, exposureOf, latch, positionDecisions, type Book, type Decision } from './monitor.js';
import { exposureSchema, type Intervention } from './protocol.js';
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
  /** Request: replies with every trader's share of the portfolio (equity, day P&L, exposure), their sums, and the interventions made. */
  z.object({ type: z.literal('status') }),
]);

/** What one trader adds to the portfolio's book, from its latest exposure report. */
type Share = Omit<Book, 'peak'>;

interface State {
  /** The config's traders, then those added and removed while running. */
  traders: RiskManagerArgs['traders'];
  /** Each trader's share of the portfolio, and their sum, kept as reports come: a report costs the same with 1,000 traders as with one. */
  shares: Record<string, Share>;
  portfolio: Share;
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
    const apply = (ctx: ActorContext, owner: string, decisions: Decision[], scope: InterventionEvent['scope'], traderIds: () => string[]) => {
      const { fire, cleared, active } = latch(state.active[owner] ?? [], decisions);
      for (const decision of fire) intervene(ctx, scope, traderIds(), decision);
      if (cleared.includes('exposure')) intervene(ctx, scope, traderIds(), { action: 'lift-reduce-only', reason: 'exposure back under the limit' });
      state.active[owner] = active;
    };

    /** Replaces trader `id`'s share of the portfolio's sums (removes it, with none). */
    const setShare = (id: string, share: Share | undefined) => {
      const sum = state.portfolio;
      const old = own(state.shares, id);
      if (old) {
        sum.equity -= old.equity;
        sum.dayPnl -= old.dayPnl;
        sum.exposure -= old.exposure;
      }
      if (!share) {
        delete state.shares[id];
        return;
      }
      state.shares[id] = share;
      sum.equity += share.equity;
      sum.dayPnl += share.dayPnl;
      sum.exposure += share.exposure;
    };

    return {
      init(ctx, snapshot) {
        args = ctx.args as RiskManagerArgs;
        state = snapshot ?? { traders: args.traders, shares: {}, portfolio: { equity: 0n, dayPnl: 0n, exposure: 0n }, peaks: {}, portfolioPeak: 0n, active: {}, interventions: [] };
      },
      receive(msg, ctx) {
        switch (msg.type) {
          case 'exposure': {
            const trader = own(state.traders, msg.traderId);
            if (!trader) return;
            const share: Share = { equity: msg.equity, dayPnl: msg.dayPnl, exposure: exposureOf(msg) };
            setShare(msg.traderId, share);
            const peak = (state.peaks[msg.traderId] = max(state.peaks[msg.traderId] ?? 0n, msg.equity));
            apply(ctx, msg.traderId, [...positionDecisions(msg, trader.limits), ...bookDecisions({ ...share, peak }, trader.limits, 'close-and-halt')], 'trader', () => [msg.traderId]);
            state.portfolioPeak = max(state.portfolioPeak, state.portfolio.equity);
            apply(ctx, '*', bookDecisions({ ...state.portfolio, peak: state.portfolioPeak }, args.portfolio, 'emergency-stop'), 'portfolio', () => Object.keys(state.traders));
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
            setShare(msg.traderId, undefined);
            delete state.peaks[msg.traderId];
            delete state.active[msg.traderId];
            return;
          case 'status':
            ctx.reply({ type: 'riskStatus', shares: state.shares, portfolio: state.portfolio, active: state.active, interventions: state.interventions });
        }
      },
      snapshot: () => state,
    };
  },
});
