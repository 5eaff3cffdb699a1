import { bybitLinear } from '../../fixtures/exchanges/bybit-linear.js';
import { swapScenario } from '../../helpers/swap-scenario.js';

swapScenario(bybitLinear());
