export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** 0.2 spreads each delay over ±20%, so actors that crashed together do not restart in lockstep. */
  jitter: number;
}

/**
 * Delay before retry number `n` (0-based): none for the first, so a one-off crash recovers at once,
 * then `initialMs * 2^(n-1)` capped at `maxMs`, with jitter.
 */
export function backoffDelay(n: number, options: BackoffOptions, random: () => number = Math.random): number {
  if (n <= 0) return 0;
  // The exponent is capped so that initialMs 0 never meets 2^1024 = Infinity (0 * Infinity is NaN).
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(n - 1, 52));
  const spread = 1 - options.jitter + 2 * options.jitter * random();
  return Math.min(options.maxMs, Math.round(base * spread));
}
