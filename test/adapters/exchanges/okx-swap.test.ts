import { okxSwap } from '../../fixtures/exchanges/okx-swap.js';
import { swapScenario } from '../../helpers/swap-scenario.js';

swapScenario(okxSwap());
