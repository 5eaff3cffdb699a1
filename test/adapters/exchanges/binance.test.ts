import recording from '../../fixtures/exchanges/binance.js';
import { exchangeScenario } from '../../helpers/exchange-scenario.js';

exchangeScenario(recording);
