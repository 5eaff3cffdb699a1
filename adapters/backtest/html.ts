import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fixedToNumber, type Fixed } from '../../actors/trading/fixed.js';
import { firstAtOrAfter, type CandleSeries } from '../market-data/candle-series.js';
import type { BacktestResult } from './kernel.js';
import { portfolioEquity, SUMMARY_COLUMNS, summaryCells, type BacktestReport, type ReportSummary } from './report.js';

/** Points per chart line: a year of one-minute steps is drawn from this many buckets. */
const POINTS = 2_000;

/** The chart library, inlined so that the report opens from disk with no network. */
async function chartLibrary(): Promise<string> {
  const manifest = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
  return readFile(join(dirname(manifest), 'dist', 'lightweight-charts.standalone.production.js'), 'utf8');
}

/** What the page draws, embedded as JSON. */
interface ChartData {
  equity: { name: string; points: [number, number][]; drawdown: [number, number][] }[];
  candles: { symbol: string; bars: [number, number, number, number, number][]; markers: { time: number; side: string }[] }[];
}

/**
 * Writes `report.html` into `dir`: one file with everything in it (the chart library included), which
 * a browser opens from disk. It shows the summary table, the equity curve and drawdown of the portfolio
 * and of each trader, each symbol's candles with the fills marked, and every round trip. Long runs are
 * drawn from buckets (the last equity, the deepest drawdown and the OHLC of each), never thinned by
 * skipping points.
 */
export async function writeHtmlReport(result: BacktestResult, report: BacktestReport, series: Record<string, CandleSeries>, dir: string): Promise<string> {
  const data: ChartData = {
    equity: [
      { name: 'portfolio', ...curve(result.times, portfolioEquity(result)) },
      ...result.traders.map((run) => ({ name: run.traderId, ...curve(result.times, run.equity) })),
    ],
    candles: Object.entries(series).map(([symbol, candles]) => ({
      symbol,
      bars: bucketBars(candles),
      // The chart wants markers in time order; a stable sort keeps the traders' order at equal times.
      markers: result.traders
        .flatMap((run) =>
          run.fills.filter((f) => f.symbol === symbol).map((f) => ({ time: barTime(candles, f.ts), side: f.side })),
        )
        .sort((a, b) => a.time - b.time),
    })),
  };
  const file = join(dir, 'report.html');
  await writeFile(file, page(report, data, await chartLibrary()));
  return file;
}

/** Equity and drawdown in at most `POINTS` buckets: each bucket's last equity and deepest drawdown. */
function curve(times: ArrayLike<number>, equity: ArrayLike<Fixed>): { points: [number, number][]; drawdown: [number, number][] } {
  const size = Math.max(1, Math.ceil(times.length / POINTS));
  const points: [number, number][] = [];
  const drawdown: [number, number][] = [];
  let peak = -Infinity;
  let deepest = 0;
  for (let i = 0; i < times.length; i++) {
    const e = fixedToNumber(equity[i]!);
    peak = Math.max(peak, e);
    deepest = Math.min(deepest, peak > 0 ? e / peak - 1 : 0);
    if ((i + 1) % size !== 0 && i !== times.length - 1) continue;
    const t = Math.floor(times[i]! / 1000);
    points.push([t, e]);
    drawdown.push([t, deepest * 100]);
    deepest = 0;
  }
  return { points, drawdown };
}

function bucketSize(n: number): number {
  return Math.max(1, Math.ceil(n / POINTS));
}

/** Candles merged into at most `POINTS` bars: [time s, open, high, low, close]. */
function bucketBars(candles: CandleSeries): [number, number, number, number, number][] {
  const size = bucketSize(candles.length);
  const bars: [number, number, number, number, number][] = [];
  for (let i = 0; i < candles.length; i++) {
    const c = candles.at(i)!;
    const bar = bars.at(-1);
    if (i % size === 0 || !bar) bars.push([Math.floor(c.ts / 1000), fixedToNumber(c.open), fixedToNumber(c.high), fixedToNumber(c.low), fixedToNumber(c.close)]);
    else {
      bar[2] = Math.max(bar[2], fixedToNumber(c.high));
      bar[3] = Math.min(bar[3], fixedToNumber(c.low));
      bar[4] = fixedToNumber(c.close);
    }
  }
  return bars;
}

/** The time of the drawn bar a fill at `ts` falls in. */
function barTime(candles: CandleSeries, ts: number): number {
  const size = bucketSize(candles.length);
  // The last candle at or before `ts` (times are whole ms).
  const at = Math.max(0, firstAtOrAfter(candles, ts + 1) - 1);
  return Math.floor(candles.at(at - (at % size))!.ts / 1000);
}

const esc = (text: string) => text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

function summaryRows(report: BacktestReport): string {
  const row = (name: string, s: ReportSummary) => `<tr><td>${esc(name)}</td>${summaryCells(s).map((cell) => `<td>${esc(cell)}</td>`).join('')}</tr>`;
  return `<tr><th></th>${SUMMARY_COLUMNS.map((c) => `<th>${c}</th>`).join('')}</tr>${report.traders.map((t) => row(t.traderId, t.summary)).join('')}${row('portfolio', report.portfolio.summary)}`;
}

function tradeRows(report: BacktestReport): string {
  return report.traders
    .flatMap((t) => t.trades.map((trade) => `<tr><td>${esc(t.traderId)}</td><td>${esc(trade.symbol)}</td><td>${trade.entry}</td><td>${trade.exit}</td><td>${trade.pnl}</td></tr>`))
    .join('');
}

function page(report: BacktestReport, data: ChartData, library: string): string {
  // `<` escaped: the JSON sits inside a <script> element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Backtest ${esc(report.run.from)} .. ${esc(report.run.to)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #1b1f24; }
table { border-collapse: collapse; margin: 12px 0 24px; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.chart { height: 420px; margin-bottom: 24px; }
</style>
</head>
<body>
<h1>Backtest</h1>
<p>${esc(report.run.from)} .. ${esc(report.run.to)}, ${report.run.steps} ${esc(report.run.timeframe)} candles. Fills: ${esc(report.run.fills)}.</p>
<table id="summary">${summaryRows(report)}</table>
<h2>Equity and drawdown</h2>
<div id="equity"></div>
<h2>Candles and fills</h2>
<div id="candles"></div>
<h2>Trades</h2>
<table id="trades"><tr><th>trader</th><th>symbol</th><th>entry</th><th>exit</th><th>P&amp;L</th></tr>${tradeRows(report)}</table>
<script>${library}</script>
<script type="application/json" id="data">${json}</script>
<script>
const data = JSON.parse(document.getElementById('data').textContent);
const { createChart, LineSeries, AreaSeries, CandlestickSeries, createSeriesMarkers } = LightweightCharts;
function chartIn(parent, title) {
  const box = document.createElement('div');
  box.className = 'chart';
  box.dataset.title = title;
  parent.append(Object.assign(document.createElement('h3'), { textContent: title }), box);
  return createChart(box, { autoSize: true, timeScale: { timeVisible: true } });
}
for (const line of data.equity) {
  const chart = chartIn(document.getElementById('equity'), line.name);
  chart.addSeries(LineSeries, { color: '#0969da' }).setData(line.points.map(([time, value]) => ({ time, value })));
  // Drawdown (%, at most 0) in a pane of its own under the equity.
  chart.addSeries(AreaSeries, { lineColor: '#cf222e', topColor: 'rgba(207,34,46,0.05)', bottomColor: 'rgba(207,34,46,0.3)', invertFilledArea: true }, 1)
    .setData(line.drawdown.map(([time, value]) => ({ time, value })));
  chart.timeScale().fitContent();
}
for (const symbol of data.candles) {
  const chart = chartIn(document.getElementById('candles'), symbol.symbol);
  const series = chart.addSeries(CandlestickSeries);
  series.setData(symbol.bars.map(([time, open, high, low, close]) => ({ time, open, high, low, close })));
  // Arrows only: a fill's details are in the trades table, and text on every arrow hides the candles.
  createSeriesMarkers(series, symbol.markers.map((m) => m.side === 'buy'
    ? { time: m.time, position: 'belowBar', shape: 'arrowUp', color: '#1a7f37' }
    : { time: m.time, position: 'aboveBar', shape: 'arrowDown', color: '#cf222e' }));
  chart.timeScale().fitContent();
}
document.body.dataset.ready = 'true';
</script>
</body>
</html>
`;
}
