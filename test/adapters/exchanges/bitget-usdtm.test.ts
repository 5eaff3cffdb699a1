import { bitgetUsdtm } from '../../fixtures/exchanges/bitget-usdtm.js';
import { swapScenario } from '../../helpers/swap-scenario.js';

swapScenario(bitgetUsdtm());
