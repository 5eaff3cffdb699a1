import { afterEach, test } from 'vitest';
import { startPlatform, type TestPlatform } from '../../helpers/platform.js';
import { streamKilling } from '../../helpers/kills.js';

let platform: TestPlatform | undefined;
afterEach(async () => {
  await platform?.stop();
  platform = undefined;
});

test('the exchange killed three times mid-stream loses no order and fills none twice', async () => {
  platform = await startPlatform({ traders: [{ id: 'alpha', symbols: ['ETH/USDT'], balances: { USDT: 100_000 } }] });
  await streamKilling(platform, 'exchange.paper');
});
