import { isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { parseConfig } from '../../adapters/config/load.js';
import type { Carrier } from '../data/open-positions.js';
import { MigrationError } from '../errors.js';

/**
 * Adds to a migrated `botv3.yaml` the traders that carry v2's open positions (`migrate run --config`),
 * keeping its comments: one per exchange, named as the database has it, on that exchange (or on the
 * paper exchange of a `--paper` config), shorts allowed, at 1x. A carrier already in the file gets the
 * symbols it lacks. The text written must load as v3's config, else nothing is written.
 *
 * @returns the new text, and a line per carrier added or changed
 */
export function addCarriers(text: string, file: string, carriers: readonly Carrier[]): { yaml: string; lines: string[] } {
  const doc = parseDocument(text);
  const exchanges = doc.get('exchanges') as YAMLMap | undefined;
  const traders = doc.get('traders');
  if (!isMap(exchanges) || !isSeq(traders)) throw new MigrationError('ERR_V2_CONFIG', `${file} has no exchanges and traders to add the carriers of v2's open positions to`);
  const paperOnly = exchanges.items.every((item) => (item.value as YAMLMap).get('type') === 'paper');
  const lines: string[] = [];
  for (const carrier of carriers) {
    const exchange = paperOnly ? String(exchanges.items[0]!.key) : carrier.exchange;
    if (!exchanges.has(exchange)) exchanges.set(exchange, doc.createNode({ type: 'ccxt' }));
    const existing = traders.items.find((t) => isMap(t) && t.get('id') === carrier.traderId) as YAMLMap | undefined;
    if (existing) {
      const symbols = new Set([...((existing.toJSON() as { symbols?: string[] }).symbols ?? []), ...carrier.symbols]);
      existing.set('symbols', doc.createNode([...symbols].sort(), { flow: true }));
      lines.push(`trader ${carrier.traderId}: symbols ${[...symbols].sort().join(', ')}`);
      continue;
    }
    const node = doc.createNode({ id: carrier.traderId, exchange, ...(paperOnly ? {} : { account: 'default' }), symbols: carrier.symbols, allowShort: true }) as YAMLMap;
    (node.get('symbols', true) as { flow?: boolean }).flow = true;
    node.commentBefore = ` Carries the positions v2 left open on ${carrier.exchange} (botv3 migrate run): no strategy; the risk limits and\n a CLOSE (API, Telegram) manage them. Set leverage and monitor limits as the account has them.`;
    traders.items.push(node);
    lines.push(`trader ${carrier.traderId} added on ${exchange}: ${carrier.symbols.join(', ')}`);
  }
  const yaml = doc.toString();
  try {
    parseConfig(doc.toJS(), file);
  } catch (cause) {
    throw new MigrationError('ERR_V2_CONFIG', `${file} with the carriers of v2's open positions does not load: ${(cause as Error).message}`, { cause });
  }
  return { yaml, lines };
}
