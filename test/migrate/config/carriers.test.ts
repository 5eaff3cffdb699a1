import { describe, expect, test } from 'vitest';
import { addCarriers } from '../../../migrate/config/carriers.js';

const CONFIG = `# the migrated config
exchanges:
  binance: { type: ccxt }
traders:
  # v2's sma_cross
  - id: sma_cross
    exchange: binance
    account: default
    symbols: [BTC/USDT]
`;

describe('addCarriers', () => {
  test('adds a trader per carrier, keeping the file’s comments; again, it only adds the symbols it lacks', () => {
    const first = addCarriers(CONFIG, 'botv3.yaml', [
      { traderId: 'v2-binance', exchange: 'binance', symbols: ['BTC/USDT:USDT'] },
      { traderId: 'v2-okx', exchange: 'okx', symbols: ['ETH/USDT:USDT'] },
    ]);
    expect(first.lines).toEqual(['trader v2-binance added on binance: BTC/USDT:USDT', 'trader v2-okx added on okx: ETH/USDT:USDT']);
    expect(first.yaml).toContain('# the migrated config\n');
    expect(first.yaml).toContain("  # v2's sma_cross\n");
    // An exchange the file lacks is added as a ccxt entry.
    expect(first.yaml).toMatch(/^ {2}okx:\n {4}type: ccxt$/m);
    expect(first.yaml).toContain('  - id: v2-okx\n    exchange: okx\n    account: default\n    symbols: [ ETH/USDT:USDT ]\n    allowShort: true\n');
    const again = addCarriers(first.yaml, 'botv3.yaml', [{ traderId: 'v2-binance', exchange: 'binance', symbols: ['BTC/USDT:USDT', 'SOL/USDT:USDT'] }]);
    expect(again.lines).toEqual(['trader v2-binance: symbols BTC/USDT:USDT, SOL/USDT:USDT']);
    expect(again.yaml.match(/id: v2-binance/g)).toHaveLength(1);
    expect(again.yaml).toContain('symbols: [ BTC/USDT:USDT, SOL/USDT:USDT ]');
  });

  test('a file with no traders to add to is refused, naming it', () => {
    expect(() => addCarriers('api: { port: 8080 }\n', 'botv3.yaml', [{ traderId: 'v2-okx', exchange: 'okx', symbols: ['ETH/USDT:USDT'] }])).toThrow(
      "botv3.yaml has no exchanges and traders to add the carriers of v2's open positions to",
    );
  });
});
