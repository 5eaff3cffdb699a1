import recording from '../../fixtures/exchanges/kucoin.js';
import { exchangeScenario } from '../../helpers/exchange-scenario.js';

exchangeScenario(recording);
