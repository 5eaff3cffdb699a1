import recording from '../../fixtures/exchanges/gate.js';
import { exchangeScenario } from '../../helpers/exchange-scenario.js';

exchangeScenario(recording);
