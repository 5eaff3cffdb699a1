import { describe, expect, test } from 'vitest';
import type { MonitorLimits } from '../../../actors/risk/limits.js';
import { bookDecisions, exposureOf, positionDecisions, type Book } from '../../../actors/risk/monitor.js';
import type { ExposureReport } from '../../../actors/risk/protocol.js';
import { fx } from '../../helpers/trading.js';

const reportOf = () => report();

function report(...positions: [symbol: string, quantity: string, avgEntry: string, mark: string][]): ExposureReport {
  return {
    type: 'exposure',
    traderId: 't1',
    at: 0,
    equity: fx('10000'),
    dayPnl: 0n,
    positions: positions.map(([symbol, quantity, avgEntry, mark]) => ({ symbol, quantity: fx(quantity), avgEntry: fx(avgEntry), mark: fx(mark) })),
  };
}

const limits: MonitorLimits = { stopLoss: fx('0.02'), takeProfit: fx('0.03') };

describe('positionDecisions', () => {
  test('a long down by the stop-loss is closed', () => {
    expect(positionDecisions(report(['BTC/USDT', '1', '100', '98']), limits)).toEqual([
      { key: `stop:BTC/USDT:${fx('100')}`, action: 'close-positions', symbols: ['BTC/USDT'], reason: 'stop-loss: BTC/USDT down 2% from entry 100 (limit 2%)' },
    ]);
  });

  test('a short is stopped when the price rises', () => {
    expect(positionDecisions(report(['ETH/USDT', '-2', '100', '102.5']), limits)).toEqual([
      { key: `stop:ETH/USDT:${fx('100')}`, action: 'close-positions', symbols: ['ETH/USDT'], reason: 'stop-loss: ETH/USDT down 2.5% from entry 100 (limit 2%)' },
    ]);
  });

  test('a swap position whose margin ratio reaches the limit is closed before the exchange liquidates it, ahead of its stop', () => {
    const at = (ratio: string) => ({ ...report(['BTC/USDT:USDT', '-1', '100', '103']), positions: [{ symbol: 'BTC/USDT:USDT', quantity: fx('-1'), avgEntry: fx('100'), mark: fx('103'), marginRatio: fx(ratio) }] });
    expect(positionDecisions(at('0.8'), { ...limits, maxMarginRatio: fx('0.8') })).toEqual([
      { key: `margin:BTC/USDT:USDT:${fx('100')}`, action: 'close-positions', symbols: ['BTC/USDT:USDT'], reason: 'margin ratio 80% of BTC/USDT:USDT reached the limit 80%: closed before liquidation' },
    ]);
    expect(positionDecisions(at('0.79'), { ...limits, maxMarginRatio: fx('0.8') }).map((d) => d.key)).toEqual([`stop:BTC/USDT:USDT:${fx('100')}`]);
  });

  test("the trader's own margin ratio reaching the limit closes all its perpetuals", () => {
    const report = {
      ...reportOf(),
      marginRatio: fx('0.9'),
      positions: [
        { symbol: 'BTC/USDT:USDT', quantity: fx('-1'), avgEntry: fx('100'), mark: fx('100'), marginRatio: fx('0.5') },
        { symbol: 'ETH/USDT:USDT', quantity: fx('2'), avgEntry: fx('100'), mark: fx('100'), marginRatio: fx('0.5') },
        { symbol: 'BTC/USDT', quantity: fx('1'), avgEntry: fx('100'), mark: fx('100') },
      ],
    };
    expect(positionDecisions(report, { maxMarginRatio: fx('0.8') })).toEqual([
      { key: 'margin', action: 'close-positions', symbols: ['BTC/USDT:USDT', 'ETH/USDT:USDT'], reason: "margin ratio 90% of the trader's perpetuals reached the limit 80%: closed before liquidation" },
    ]);
    expect(positionDecisions({ ...report, marginRatio: fx('0.7') }, { maxMarginRatio: fx('0.8') })).toEqual([]);
  });

  test('a long up by the take-profit is closed', () => {
    expect(positionDecisions(report(['BTC/USDT', '1', '100', '103']), limits)).toEqual([
      { key: `take:BTC/USDT:${fx('100')}`, action: 'close-positions', symbols: ['BTC/USDT'], reason: 'take-profit: BTC/USDT up 3% from entry 100 (target 3%)' },
    ]);
  });

  test('a short takes profit when the price falls', () => {
    expect(positionDecisions(report(['BTC/USDT', '-1', '100', '96']), limits).map((d) => d.reason)).toEqual(['take-profit: BTC/USDT up 4% from entry 100 (target 3%)']);
  });

  test.each([
    ['just inside the stop-loss', ['BTC/USDT', '1', '100', '98.01']],
    ['just short of the take-profit', ['BTC/USDT', '1', '100', '102.99']],
    ['a flat position', ['BTC/USDT', '0', '100', '50']],
    ['a position without an entry', ['BTC/USDT', '1', '0', '50']],
  ] as const)('nothing for %s', (_, position) => {
    expect(positionDecisions(report([...position]), limits)).toEqual([]);
  });

  test('each position on its own, only the breaching ones', () => {
    const decisions = positionDecisions(report(['BTC/USDT', '1', '100', '100.5'], ['ETH/USDT', '1', '10', '9'], ['SOL/USDT', '1', '10', '11']), limits);
    expect(decisions.map((d) => d.symbols)).toEqual([['ETH/USDT'], ['SOL/USDT']]);
  });

  test('no limits, no decisions', () => {
    expect(positionDecisions(report(['BTC/USDT', '1', '100', '1']), {})).toEqual([]);
  });
});

describe('bookDecisions', () => {
  const book = (overrides: Partial<Record<keyof Book, string>> = {}): Book => {
    const b = { equity: '1000', peak: '1000', dayPnl: '0', exposure: '0', ...overrides };
    return { equity: fx(b.equity), peak: fx(b.peak), dayPnl: fx(b.dayPnl), exposure: fx(b.exposure) };
  };
  const all: MonitorLimits = { dailyLossLimit: fx('500'), maxDrawdown: fx('0.2'), maxExposure: fx('5000') };

  test('within every limit: nothing', () => {
    expect(bookDecisions(book({ equity: '800.01', dayPnl: '-499.99', exposure: '5000' }), all, 'close-and-halt')).toEqual([]);
  });

  test('a trader at its daily loss limit is closed and halted', () => {
    const reason = 'daily loss 500 reached the limit 500';
    expect(bookDecisions(book({ dayPnl: '-500' }), all, 'close-and-halt')).toEqual([
      { key: 'daily-loss', action: 'close-positions', reason },
      { key: 'daily-loss-halt', action: 'halt', reason },
    ]);
  });

  test('the portfolio at its daily loss limit is an emergency stop', () => {
    expect(bookDecisions(book({ dayPnl: '-600' }), all, 'emergency-stop')).toEqual([
      { key: 'daily-loss', action: 'emergency-stop', reason: 'daily loss 600 reached the limit 500' },
    ]);
  });

  test('a drawdown from the peak at the limit halts', () => {
    expect(bookDecisions(book({ peak: '1000', equity: '800' }), all, 'close-and-halt')).toEqual([
      { key: 'drawdown', action: 'halt', reason: 'drawdown 20% from the equity peak 1000 (limit 20%)' },
    ]);
  });

  test('no drawdown before there is a peak', () => {
    expect(bookDecisions(book({ peak: '0', equity: '-5' }), all, 'close-and-halt')).toEqual([]);
  });

  test('exposure above the limit turns reduce-only', () => {
    expect(bookDecisions(book({ exposure: '5000.5' }), all, 'close-and-halt')).toEqual([
      { key: 'exposure', action: 'reduce-only', reason: 'exposure 5000.5 above the limit 5000' },
    ]);
  });

  test('every breach at once, in order', () => {
    const keys = bookDecisions(book({ dayPnl: '-1000', equity: '500', exposure: '9000' }), all, 'close-and-halt').map((d) => d.key);
    expect(keys).toEqual(['daily-loss', 'daily-loss-halt', 'drawdown', 'exposure']);
  });
});

test('exposureOf sums |quantity * mark| over longs and shorts', () => {
  expect(exposureOf(report(['BTC/USDT', '0.5', '1', '100'], ['ETH/USDT', '-2', '1', '25.5']))).toBe(fx('101'));
});
