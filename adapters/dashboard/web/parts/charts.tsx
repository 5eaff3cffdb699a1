import { CandlestickSeries, createChart, createSeriesMarkers, LineSeries, type IChartApi, type ISeriesApi, type SeriesMarker, type Time, type UTCTimestamp } from 'lightweight-charts';
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

/**
 * A chart in `element`, made once for the component's life, sized to it and recoloured on a theme
 * switch: data changes update its series in place, so a refresh keeps the user's zoom and scroll.
 */
function useChart<T>(element: { current: HTMLDivElement | null }, setup: (chart: IChartApi) => T): { current: T | undefined } {
  const made = useRef<T>();
  useEffect(() => {
    if (!element.current) return;
    const chart = createChart(element.current, { autoSize: true, ...themed(), timeScale: { timeVisible: true } });
    made.current = setup(chart);
    const retheme = () => chart.applyOptions(themed());
    document.addEventListener('themechange', retheme);
    return () => {
      document.removeEventListener('themechange', retheme);
      made.current = undefined;
      chart.remove();
    };
  }, []);
  return made;
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
 * Candles with the trader's fills as markers and its strategy's indicators as lines (one series per
 * indicator name, made when it first shows up). `fills` may grow live: markers are set again from it
 * alone. `data-markers` on the chart says how many are drawn, so a test (and the benchmark) can see a
 * live fill land.
 */
export function CandleChart({ candles, fills, indicators }: { candles: Candle[]; fills: Fill[]; indicators: IndicatorLine[] }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useChart(element, (made) => {
    const series: ISeriesApi<'Candlestick'> = made.addSeries(CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350' });
    return { made, series, markers: createSeriesMarkers(series, []), lines: new Map<string, ISeriesApi<'Line'>>(), fitted: false };
  });
  useEffect(() => {
    const drawn = chart.current;
    if (!drawn) return;
    drawn.series.setData(candles.map((c) => ({ time: seconds(c.ts), open: Number(c.open), high: Number(c.high), low: Number(c.low), close: Number(c.close) })));
    indicators.forEach((indicator, i) => {
      let line = drawn.lines.get(indicator.name);
      if (!line) {
        const own = indicator.pane === 'own' ? { priceScaleId: 'own' } : {};
        line = drawn.made.addSeries(LineSeries, { color: LINE_COLOURS[i % LINE_COLOURS.length]!, lineWidth: 1, title: indicator.name, priceLineVisible: false, lastValueVisible: false, ...own });
        if (indicator.pane === 'own') drawn.made.priceScale('own').applyOptions({ scaleMargins: { top: 0.75, bottom: 0 } });
        drawn.lines.set(indicator.name, line);
      }
      line.setData(indicator.values.map((v) => ({ time: seconds(v.ts), value: v.value })));
    });
    if (!drawn.fitted && candles.length > 0) {
      drawn.made.timeScale().fitContent();
      drawn.fitted = true;
    }
  }, [candles, indicators]);
  useEffect(() => {
    const drawn = chart.current;
    if (!drawn) return;
    const shown = markersOf(candles.map((c) => c.ts), fills);
    drawn.markers.setMarkers(shown);
    element.current?.setAttribute('data-markers', String(shown.length));
  }, [fills, candles]);
  return <div class="chart" ref={element} data-testid="candles" />;
}

/** Equity as a line, and its drawdown (a fraction, drawn as a percentage below zero) as a line on a scale of its own beneath. */
export function EquityChart({ points }: { points: { at: number; equity: string; drawdown: number | string }[] }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useChart(element, (made) => {
    const equity = made.addSeries(LineSeries, { color: '#2962ff', lineWidth: 2, title: 'equity' });
    const drawdown = made.addSeries(LineSeries, { color: '#ef5350', lineWidth: 1, priceScaleId: 'drawdown', title: 'drawdown %', priceLineVisible: false });
    made.priceScale('drawdown').applyOptions({ scaleMargins: { top: 0.75, bottom: 0 } });
    return { made, equity, drawdown };
  });
  useEffect(() => {
    const drawn = chart.current;
    if (!drawn) return;
    const kept = lastPerSecond(points);
    drawn.equity.setData(kept.map((p) => ({ time: seconds(p.at), value: Number(p.equity) })));
    drawn.drawdown.setData(kept.map((p) => ({ time: seconds(p.at), value: -Math.abs(Number(p.drawdown)) * 100 })));
    drawn.made.timeScale().fitContent();
  }, [points]);
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
