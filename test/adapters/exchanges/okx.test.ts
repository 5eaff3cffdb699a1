import recording from '../../fixtures/exchanges/okx.js';
import { exchangeScenario } from '../../helpers/exchange-scenario.js';

exchangeScenario(recording);
