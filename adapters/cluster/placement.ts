/**
 * Which traders node `self` should take and give up so that every trader runs on one node and the live
 * nodes hold nearly equal shares: with N traders over k nodes, the first N mod k nodes (by id) hold
 * ⌈N/k⌉ and the others ⌊N/k⌋, so the shares add up to N exactly and every node computes the same ones.
 * A node takes free traders (no live lease) up to its share, in an order of its own (rendezvous
 * hashing), so that nodes seldom race for one trader; it gives up one trader per step beyond its
 * share, so a node that joins gets its share one trader at a time and nothing stops all at once.
 */
export function placement(input: {
  self: string;
  /** Live nodes that take traders (not draining); `self` among them unless it drains. */
  nodes: readonly string[];
  traders: readonly string[];
  /** Each trader's owner under a live lease. */
  owners: ReadonlyMap<string, string>;
}): { take: string[]; give: string | undefined } {
  const { self, traders, owners } = input;
  const nodes = [...input.nodes].sort();
  const mine = traders.filter((t) => owners.get(t) === self);
  const at = nodes.indexOf(self);
  if (at < 0) return { take: [], give: mine[0] };
  const share = Math.floor(traders.length / nodes.length) + (at < traders.length % nodes.length ? 1 : 0);
  if (mine.length > share) return { take: [], give: [...mine].sort((a, b) => rank(a, self) - rank(b, self))[0] };
  const free = traders.filter((t) => !owners.has(t));
  const take = free.sort((a, b) => rank(b, self) - rank(a, self)).slice(0, share - mine.length);
  return { take, give: undefined };
}

/** Rendezvous weight of `node` for `trader`: each trader ranks the nodes in its own order. */
export function rank(trader: string, node: string): number {
  let h = 0x811c9dc5;
  const text = `${trader}\u0000${node}`;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
