import type { ExposureReport } from '../risk/protocol.js';

/**
 * Passes on an exposure report only when it says something the last one passed did not (equity, day
 * P&L, a position, a mark): an idle trader then costs the risk manager nothing, which in a fleet of a
 * thousand traders is most of them at any moment.
 *
 * @example
 * ```ts
 * const news = new ExposureNews();
 * const report = news.of(core.exposure(now));
 * if (report) ctx.send(args.risk, report);
 * ```
 */
export class ExposureNews {
  #last = '';

  /** `report` when it is news, else undefined. */
  of(report: ExposureReport): ExposureReport | undefined {
    const said = `${report.traderId} ${report.equity} ${report.dayPnl} ${report.positions.map((p) => `${p.symbol}:${p.quantity}:${p.avgEntry}:${p.mark}`).join(',')}`;
    if (said === this.#last) return undefined;
    this.#last = said;
    return report;
  }
}
