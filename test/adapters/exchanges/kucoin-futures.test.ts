import { kucoinFutures } from '../../fixtures/exchanges/kucoin-futures.js';
import { swapScenario } from '../../helpers/swap-scenario.js';

swapScenario(kucoinFutures());
