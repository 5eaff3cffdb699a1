/**
 * A fill's marker sits on the bar it happened in: the last bar that opened at or before it (a fill
 * newer than the last bar sits on the last bar).
 */
export function barOf(bars: readonly number[], at: number): number | undefined {
  let low = 0;
  let high = bars.length - 1;
  if (high < 0 || at < bars[0]!) return undefined;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (bars[mid]! <= at) low = mid;
    else high = mid - 1;
  }
  return bars[low];
}
