import recording from '../../fixtures/exchanges/bitget.js';
import { exchangeScenario } from '../../helpers/exchange-scenario.js';

exchangeScenario(recording);
