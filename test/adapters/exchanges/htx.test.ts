import recording from '../../fixtures/exchanges/htx.js';
import { exchangeScenario } from '../../helpers/exchange-scenario.js';

exchangeScenario(recording);
