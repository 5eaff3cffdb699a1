import recording from '../../fixtures/exchanges/bybit.js';
import { exchangeScenario } from '../../helpers/exchange-scenario.js';

exchangeScenario(recording);
