import { binance } from './binance.js';
import { bitget } from './bitget.js';
import { bybit } from './bybit.js';
import { gate } from './gate.js';
import { htx } from './htx.js';
import { kucoin } from './kucoin.js';
import { kucoinfutures } from './kucoinfutures.js';
import { okx } from './okx.js';
import type { ExchangeProfile } from './profile.js';

/** The exchanges v3 trades on through ccxt: v2's three and four more, and KuCoin's futures, which ccxt keeps apart from its spot. */
export const PROFILES = { binance, bybit, okx, bitget, gate, kucoin, htx, kucoinfutures } satisfies Record<string, ExchangeProfile>;
export type ExchangeId = keyof typeof PROFILES;
export const EXCHANGE_IDS = Object.keys(PROFILES) as ExchangeId[];
