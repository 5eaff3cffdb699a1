import { describe, expect, test } from 'vitest';
import { breakout } from '../../../actors/strategies/breakout.js';
import { grid } from '../../../actors/strategies/grid.js';
import { inferStrategyType, STRATEGIES, strategyTypes } from '../../../actors/strategies/registry.js';
import { rsiReversion } from '../../../actors/strategies/rsi-reversion.js';
import { smaCrossover } from '../../../actors/strategies/sma-crossover.js';

describe('registry', () => {
  test('lists the four built-in strategies by type', () => {
    expect(strategyTypes()).toEqual(['sma_crossover', 'rsi_reversion', 'grid', 'breakout']);
    expect(STRATEGIES['sma_crossover']).toBe(smaCrossover);
    expect(STRATEGIES['rsi_reversion']).toBe(rsiReversion);
    expect(STRATEGIES['grid']).toBe(grid);
    expect(STRATEGIES['breakout']).toBe(breakout);
  });

  test('every definition has a description and default params', () => {
    for (const type of strategyTypes()) {
      const definition = STRATEGIES[type]!;
      expect(definition.type).toBe(type);
      expect(definition.description.length).toBeGreaterThan(10);
      expect(() => definition.create(definition.params.parse({}), undefined)).not.toThrow();
    }
  });

  test('is read-only and has no inherited entries', () => {
    expect(Object.isFrozen(STRATEGIES)).toBe(true);
    expect(STRATEGIES['constructor']).toBeUndefined();
    expect(STRATEGIES['toString']).toBeUndefined();
  });

  test("infers the type of v2 instance names from their prefix", () => {
    expect(inferStrategyType('sma_cross')).toBe('sma_crossover');
    expect(inferStrategyType('rsi_revert')).toBe('rsi_reversion');
    expect(inferStrategyType('grid_btc')).toBe('grid');
    expect(inferStrategyType('breakout_eth')).toBe('breakout');
    expect(inferStrategyType('SMA-fast')).toBe('sma_crossover');
    expect(inferStrategyType('rsi2')).toBe('rsi_reversion');
    expect(inferStrategyType('grid')).toBe('grid');
  });

  test('an exact type name maps to itself', () => {
    for (const type of strategyTypes()) expect(inferStrategyType(type)).toBe(type);
  });

  test('unknown names and words that merely start like a prefix map to nothing', () => {
    expect(inferStrategyType('macd_cross')).toBeUndefined();
    expect(inferStrategyType('smart_money')).toBeUndefined();
    expect(inferStrategyType('gridlock')).toBeUndefined();
    expect(inferStrategyType('constructor')).toBeUndefined();
    expect(inferStrategyType('')).toBeUndefined();
  });
});
