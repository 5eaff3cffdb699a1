import { z } from 'zod';
import type { Fixed } from '../trading/fixed.js';
import type { InterventionAction } from './limits.js';

/** A trader's periodic report to the risk manager. */
export type ExposureReport = {
  type: 'exposure';
  traderId: string;
  at: number;
  /** Account value at the marks, in quote. */
  equity: Fixed;
  /** Equity change since the start of the UTC day. */
  dayPnl: Fixed;
  /** A swap position also has its margin ratio (maintenance over collateral plus P&L; ONE is liquidation). */
  positions: { symbol: string; quantity: Fixed; avgEntry: Fixed; mark: Fixed; marginRatio?: Fixed }[];
  /** With perpetual positions: the trader's own margin ratio, their maintenance over its wallet plus their unrealized P&L. */
  marginRatio?: Fixed;
};

/** The risk manager's order to a trader. `symbols` narrows `close-positions` to some positions. */
export type Intervention = {
  type: 'intervene';
  action: InterventionAction;
  reason: string;
  symbols?: string[];
};

export const interventionSchema = z.object({
  type: z.literal('intervene'),
  action: z.enum(['halt', 'reduce-only', 'lift-reduce-only', 'close-positions', 'emergency-stop', 'resume']),
  reason: z.string().min(1),
  symbols: z.array(z.string()).optional(),
});

const fixed = z.bigint();

export const exposureSchema = z.object({
  type: z.literal('exposure'),
  traderId: z.string(),
  at: z.number(),
  equity: fixed,
  dayPnl: fixed,
  positions: z.array(z.object({ symbol: z.string(), quantity: fixed, avgEntry: fixed, mark: fixed, marginRatio: fixed.optional() })),
  marginRatio: fixed.optional(),
});
