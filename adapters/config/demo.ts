/**
 * The config `botv3 start` runs with when no `--config` is given: four demo traders with different
 * strategies on the paper exchange, written in the config file's own format (the README shows it as YAML).
 */
export const DEMO_CONFIG = {
  exchanges: { paper: { type: 'paper', seed: 7, timeframe: '1m', candleIntervalMs: 100 } },
  risk: { portfolio: { dailyLossLimit: 4_000, maxDrawdown: 0.2 } },
  traders: [
    {
      id: 'sma-btc',
      strategy: { name: 'sma_crossover', symbols: ['BTC/USDT'], timeframe: '1m', params: { fast: 5, slow: 20 }, risk_params: { max_position: 3_000, stop_loss: 0.01, take_profit: 0.02 } },
      orderNotional: 1_000,
    },
    {
      id: 'rsi-eth',
      strategy: { name: 'rsi_reversion', symbols: ['ETH/USDT'], timeframe: '1m', params: { period: 14, oversold: 35, overbought: 65 }, risk_params: { max_position: 3_000, stop_loss: 0.015 } },
      orderNotional: 750,
    },
    {
      id: 'grid-sol',
      strategy: { strategy_name: 'grid_sol', pairs: ['SOLUSDT'], interval: '1m', max_position_size: 4_000, stop_loss_pct: 0.05, params: { levels: 10, spacing_pct: 0.2 } },
      orderNotional: 300,
      limits: { maxOrdersPerSecond: 20 },
    },
    {
      id: 'breakout-xrp',
      strategy: { name: 'breakout', symbols: ['XRP/USDT'], timeframe: '5m', params: { lookback: 12 }, risk_params: { max_position: 2_000, stop_loss: 0.02 } },
      orderNotional: 500,
      review: 'always',
    },
  ],
};
