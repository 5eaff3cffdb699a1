import { z } from 'zod';
import { toFixed, type Fixed } from '../../actors/trading/fixed.js';

/** A decimal written as a number (`0.02`) or a string (`"0.02"`), read exactly. */
export const decimal = z.union([z.number(), z.string()]).transform((value, ctx): Fixed => {
  try {
    return toFixed(value, 'value');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as { detail: string }).detail });
    return z.NEVER;
  }
});

export const positiveDecimal = decimal.refine((v) => v > 0n, 'must be positive');

/** A share of a whole that may be all of it: above 0, up to 1. */
export const share = decimal.refine((v) => v > 0n && v <= 10n ** 9n, 'must be a share between 0 and 1 (0.5 = half)');

/** A fee or a share: above 0 and below 1. */
export const fraction = decimal.refine((v) => v > 0n && v < 10n ** 9n, 'must be a fraction between 0 and 1 (0.02 = 2 %)');
