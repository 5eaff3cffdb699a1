import { binanceUsdm } from '../../fixtures/exchanges/binance-usdm.js';
import { swapScenario } from '../../helpers/swap-scenario.js';

swapScenario(binanceUsdm());
