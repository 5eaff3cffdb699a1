import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dictionary, Exchange, Market } from 'ccxt';

/**
 * Markets on disk, one file per exchange (and testnet), so that restarts and every account of an
 * exchange share one load: `loadMarkets` is the heaviest call an exchange has (Binance: several MB).
 * A file older than `maxAgeMs` is refreshed; a failed refresh falls back to the file it has.
 */
export class MarketsCache {
  readonly #dir: string;
  readonly #maxAgeMs: number;
  readonly #loading = new Map<string, Promise<Dictionary<Market>>>();

  constructor(dir: string, maxAgeMs = 6 * 60 * 60 * 1000) {
    this.#dir = dir;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The markets on disk for `client`'s exchange, whatever their age, without the network; undefined when there are none. */
  async cached(client: Exchange): Promise<Dictionary<Market> | undefined> {
    return (await this.#read(keyOf(client)))?.markets;
  }

  /** Gives `client` its markets, from memory, from disk, or from the exchange. */
  async load(client: Exchange, now = Date.now()): Promise<Dictionary<Market>> {
    const key = keyOf(client);
    let loading = this.#loading.get(key);
    if (!loading) {
      loading = this.#fetch(client, key, now);
      this.#loading.set(key, loading);
      loading.catch(() => this.#loading.delete(key));
    }
    const markets = await loading;
    if (client.markets !== markets) client.setMarkets(markets);
    return markets;
  }

  async #fetch(client: Exchange, key: string, now: number): Promise<Dictionary<Market>> {
    const file = this.#file(key);
    const cached = await this.#read(key);
    if (cached && now - cached.savedAt < this.#maxAgeMs) return client.setMarkets(cached.markets);
    try {
      const markets = await client.loadMarkets(true);
      await mkdir(this.#dir, { recursive: true });
      // Written whole, then renamed: a reader never sees half a file.
      await writeFile(`${file}.tmp`, JSON.stringify({ savedAt: now, markets }));
      await rename(`${file}.tmp`, file);
      return markets;
    } catch (error) {
      if (cached) return client.setMarkets(cached.markets);
      throw error;
    }
  }

  #file(key: string): string {
    return join(this.#dir, `${key}.markets.json`);
  }

  #read(key: string): Promise<{ savedAt: number; markets: Dictionary<Market> } | undefined> {
    return readFile(this.#file(key), 'utf8').then((text) => JSON.parse(text) as { savedAt: number; markets: Dictionary<Market> }, () => undefined);
  }
}

/** One file per exchange, per testnet (their markets differ), and per market types loaded (spot, or spot and perpetuals). */
function keyOf(client: Exchange): string {
  const types = JSON.stringify((client.options as { fetchMarkets?: { types?: unknown } }).fetchMarkets?.types ?? '');
  return `${client.id}${client.isSandboxModeEnabled ? '-testnet' : ''}${/"(linear|swap)"(?!:false)/.test(types) ? '-swaps' : ''}`;
}
