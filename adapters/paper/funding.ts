import type { Fixed } from '../../actors/trading/fixed.js';

/** Perpetuals settle funding every 8 hours, at 00:00, 08:00 and 16:00 UTC. */
export const FUNDING_INTERVAL_MS = 8 * 3_600_000;

/** The funding times in `(from, to]`: none for most candles, several for one longer than 8 hours. */
export function fundingTimesIn(from: number, to: number): number[] {
  const times: number[] = [];
  for (let at = Math.floor(to / FUNDING_INTERVAL_MS) * FUNDING_INTERVAL_MS; at > from; at -= FUNDING_INTERVAL_MS) times.unshift(at);
  return times;
}

/** 0.0001 (0.01 %), the usual baseline rate, in Fixed units. */
const BASELINE = 100_000n;
/** Generated rates spread this far either side of the baseline, in Fixed units (0.0002). */
const SPREAD = 200_000;

/**
 * A funding rate for a market that has no configured one: the baseline 0.01 % plus a deterministic
 * deviation of up to ±0.02 % drawn from the seed, the symbol and the funding time (FNV-1a), so a
 * replay, a restart or another run with the same seed pays the same funding.
 */
export function generatedFundingRate(seed: number, symbol: string, at: number): Fixed {
  let hash = 0x811c9dc5;
  for (const char of `${seed}:${symbol}:${at}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193);
  return BASELINE + BigInt(((hash >>> 0) % (2 * SPREAD + 1)) - SPREAD);
}
