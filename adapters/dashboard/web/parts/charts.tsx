import { CandlestickSeries, createChart, createSeriesMarkers, LineSeries, type IChartApi, type ISeriesApi, type ISeriesMarkersPluginApi, type SeriesMarker, type Time, type UTCTimestamp } from 'lightweight-charts';
import { useEffect, useRef } from 'preact/hooks';
import { barOf } from '../bars.js';
import { formatDecimal } from '../decimal.js';

export interface Candle {
  ts: number;
  open: string;
  high: string;
  low: string;
  close: string;
}

/** A fill as a marker: a buy below the bar (arrow up), a sell above (arrow down). */
export interface Fill {
  at: number;
  /** As stored (`BUY`) or as the stream sends it (`buy`). */
  side: string;
  price: string;
  quantity: string;
}

export interface IndicatorLine {
  name: string;
  /** `price`: drawn over the candles (a moving average); `own`: an oscillator (RSI), on a scale of its own below them. */
  pane: 'price' | 'own';
  values: { ts: number; value: number }[];
}

const LINE_COLOURS = ['#2962ff', '#ff9800', '#9c27b0', '#00897b', '#e91e63'];

/** Chart times are whole seconds; the API's are milliseconds. */
const seconds = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;

/** The colours of the page's theme, read from its CSS variables so a chart follows a theme switch. */
function themed() {
  const style = getComputedStyle(document.documentElement);
  const colour = (name: string) => style.getPropertyValue(name).trim();
  return {
    layout: { background: { color: colour('--card') }, textColor: colour('--text'), attributionLogo: false },
    grid: { vertLines: { color: colour('--grid') }, horzLines: { color: colour('--grid') } },
  };
}

/** A chart in `element`, sized to it and redrawn in the theme's colours on a theme switch; removed with the view. */
function useChart(element: { current: HTMLDivElement | null }, deps: unknown[], draw: (chart: IChartApi) => (() => void) | void) {
  useEffect(() => {
    if (!element.current) return;
    const chart = createChart(element.current, { autoSize: true, ...themed(), timeScale: { timeVisible: true } });
    const undraw = draw(chart);
    const retheme = () => chart.applyOptions(themed());
    document.addEventListener('themechange', retheme);
    return () => {
      document.removeEventListener('themechange', retheme);
      undraw?.();
      chart.remove();
    };
  }, deps);
}

function markersOf(bars: readonly number[], fills: readonly Fill[]): SeriesMarker<Time>[] {
  return fills
    .flatMap((fill) => {
      const bar = barOf(bars, fill.at);
      if (bar === undefined) return [];
      const buy = fill.side.toUpperCase() === 'BUY';
      return [{ time: seconds(bar), position: buy ? 'belowBar' : 'aboveBar', color: buy ? '#26a69a' : '#ef5350', shape: buy ? 'arrowUp' : 'arrowDown', text: `${buy ? 'BUY' : 'SELL'} ${formatDecimal(fill.quantity, 6)} @ ${formatDecimal(fill.price)}` } as SeriesMarker<Time>];
    })
    .sort((a, b) => (a.time as number) - (b.time as number));
}

/**
 * Candles with the trader's fills as markers and its strategy's indicators as lines. `fills` may grow
 * live: markers are set again from it without redrawing the candles. `data-markers` on the chart says
 * how many are drawn, so a test (and the benchmark) can see a live fill land.
 */
export function CandleChart({ candles, fills, indicators }: { candles: Candle[]; fills: Fill[]; indicators: IndicatorLine[] }) {
  const element = useRef<HTMLDivElement>(null);
  const markers = useRef<{ plugin: ISeriesMarkersPluginApi<Time>; bars: number[] }>();
  useChart(element, [candles, indicators], (chart) => {
    const series: ISeriesApi<'Candlestick'> = chart.addSeries(CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350' });
    series.setData(candles.map((c) => ({ time: seconds(c.ts), open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close) })));
    indicators.forEach((indicator, i) => {
      const own = indicator.pane === 'own' ? { priceScaleId: 'own' } : {};
      const line = chart.addSeries(LineSeries, { color: LINE_COLOURS[i % LINE_COLOURS.length]!, lineWidth: 1, title: indicator.name, priceLineVisible: false, lastValueVisible: false, ...own });
      line.setData(indicator.values.map((v) => ({ time: seconds(v.ts), value: v.value })));
    });
    if (indicators.some((i) => i.pane === 'own')) chart.priceScale('own').applyOptions({ scaleMargins: { top: 0.75, bottom: 0 } });
    markers.current = { plugin: createSeriesMarkers(series, []), bars: candles.map((c) => c.ts) };
    chart.timeScale().fitContent();
    return () => (markers.current = undefined);
  });
  useEffect(() => {
    if (!markers.current) return;
    const drawn = markersOf(markers.current.bars, fills);
    markers.current.plugin.setMarkers(drawn);
    element.current?.setAttribute('data-markers', String(drawn.length));
  }, [fills, candles, indicators]);
  return <div class="chart" ref={element} data-testid="candles" />;
}

/** Equity as a line, and its drawdown (a fraction, drawn as a percentage below zero) as a line on a scale of its own beneath. */
export function EquityChart({ points }: { points: { at: number; equity: string; drawdown: number | string }[] }) {
  const element = useRef<HTMLDivElement>(null);
  useChart(element, [points], (chart) => {
    const equity = chart.addSeries(LineSeries, { color: '#2962ff', lineWidth: 2, title: 'equity' });
    const kept = lastPerSecond(points);
    equity.setData(kept.map((p) => ({ time: seconds(p.at), value: Number(p.equity) })));
    const drawdown = chart.addSeries(LineSeries, { color: '#ef5350', lineWidth: 1, priceScaleId: 'drawdown', title: 'drawdown %', priceLineVisible: false });
    chart.priceScale('drawdown').applyOptions({ scaleMargins: { top: 0.75, bottom: 0 } });
    drawdown.setData(kept.map((p) => ({ time: seconds(p.at), value: -Math.abs(Number(p.drawdown)) * 100 })));
    chart.timeScale().fitContent();
  });
  return <div class="chart small" ref={element} data-testid="equity" />;
}

/** The chart wants one point per second, in time order: the last of each second is kept. */
function lastPerSecond<T extends { at: number }>(points: readonly T[]): T[] {
  const kept: T[] = [];
  for (const point of points) {
    if (kept.length > 0 && seconds(kept.at(-1)!.at) >= seconds(point.at)) kept.pop();
    kept.push(point);
  }
  return kept;
}
