import { gateUsdt } from '../../fixtures/exchanges/gate-usdt.js';
import { swapScenario } from '../../helpers/swap-scenario.js';

swapScenario(gateUsdt());
