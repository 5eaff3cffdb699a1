import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, watch, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname } from 'node:path';
import { z } from 'zod';

/** What a token may do: `read` the platform, `trade` (signals, manual orders; implies read), `admin` (everything). */
export const SCOPES = ['read', 'trade', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenInfo {
  id: string;
  name: string;
  scopes: Scope[];
  createdAt: string;
}

const stored = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  createdAt: z.string(),
  /** SHA-256 of the token, hex: tokens are 256-bit random, so a fast hash is as safe as a slow one. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
const file = z.object({ version: z.literal(1), tokens: z.array(stored) });
type StoredToken = z.infer<typeof stored>;

/** Does a token with `scopes` have `needed`? admin has every scope, trade includes read. */
export function hasScope(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.includes('admin') || scopes.includes(needed) || (needed === 'read' && scopes.includes('trade'));
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Which version of the file a store holds. The inode tells each atomic replacement (a new file renamed
 * over the old one) from the last even within one mtime tick; size and times tell an edit in place.
 */
const versionOf = (stat: Stats) => `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
const ABSENT = 'absent';

/** Told the ids of tokens that stopped being valid, whoever revoked them. */
export type RevokedListener = (ids: ReadonlySet<string>) => void;

/**
 * The API's bearer tokens, kept hashed in a JSON file (mode 0600) of the data directory, so neither the
 * file nor the database ever holds a usable token. A token is shown once, when created. The file is the
 * truth, and other processes write it (`botv3 tokens create`, `revoke`): every use checks first whether
 * it changed (one `stat`) and reads it again if so, so a revocation counts from the next request, and
 * `watch` re-reads it as soon as it changes, so listeners hear of revocations without waiting for one.
 */
export class TokenStore {
  readonly path: string;
  #tokens: StoredToken[] = [];
  #byHash = new Map<string, StoredToken>();
  /** The version of the file `#tokens` came from; undefined when it could not be read (see `refresh`). */
  #version: string | undefined;
  readonly #listeners = new Set<RevokedListener>();

  private constructor(path: string) {
    this.path = path;
  }

  /** Opens the store of `path`; a file that is not a token file is refused here, naming what is wrong. */
  static open(path: string): TokenStore {
    const store = new TokenStore(path);
    store.#hold(store.#read());
    return store;
  }

  get size(): number {
    return this.#tokens.length;
  }

  /** Creates a token; the returned `token` is the only time it is seen in clear. */
  create(name: string, scopes: readonly Scope[]): TokenInfo & { token: string } {
    this.#hold(this.#read());
    const id = randomBytes(6).toString('hex');
    const token = `bv3_${id}_${randomBytes(32).toString('base64url')}`;
    const entry: StoredToken = { id, name, scopes: [...new Set(scopes)], createdAt: new Date().toISOString(), hash: hashOf(token) };
    this.#save([...this.#tokens, entry]);
    return { ...info(entry), token };
  }

  /** The token's info, or undefined when it is unknown or revoked. */
  verify(token: string): TokenInfo | undefined {
    this.refresh();
    const hash = hashOf(token);
    const entry = this.#byHash.get(hash);
    // The map lookup already matched; compare again in constant time so no timing tells how close a guess was.
    return entry && timingSafeEqual(Buffer.from(entry.hash, 'hex'), Buffer.from(hash, 'hex')) ? info(entry) : undefined;
  }

  list(): TokenInfo[] {
    this.refresh();
    return this.#tokens.map(info);
  }

  /** Whether the token `id` is still valid: a connection authenticated earlier asks before each action. */
  isValid(id: string): boolean {
    this.refresh();
    return this.#tokens.some((t) => t.id === id);
  }

  /** Revokes a token by id; false when there is none. */
  revoke(id: string): boolean {
    this.#hold(this.#read());
    const rest = this.#tokens.filter((t) => t.id !== id);
    if (rest.length === this.#tokens.length) return false;
    this.#save(rest);
    return true;
  }

  /** Calls `listener` with the ids of tokens revoked from now on, here or in the file; returns its removal. */
  onRevoked(listener: RevokedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Reads the file again if it changed since it was read. Never throws: a file that cannot be read or
   * parsed (an edit by hand) leaves no token valid until it reads again, since the tokens it revoked
   * cannot be told from the others.
   */
  refresh(): void {
    let current: string | undefined;
    try {
      current = versionOf(statSync(this.path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') current = ABSENT;
    }
    if (current !== undefined && current === this.#version) return;
    let read: { version: string | undefined; tokens: StoredToken[] };
    try {
      read = this.#read();
    } catch {
      read = { version: undefined, tokens: [] };
    }
    this.#hold(read);
  }

  /**
   * Re-reads the file as soon as it changes, until closed. The watch is on the directory, not the
   * file: writers replace the file by renaming a new one over it, and a watch on the file would stay
   * with the old one.
   */
  watch(): { close(): void } {
    mkdirSync(dirname(this.path), { recursive: true });
    const name = basename(this.path);
    const watcher = watch(dirname(this.path), (_event, filename) => {
      if (filename === null || filename === name) this.refresh();
    });
    // Without the watch every use still checks the file: it only makes listeners hear sooner.
    watcher.on('error', () => watcher.close());
    return watcher.unref();
  }

  /** The file's tokens and version; throws, naming what is wrong, when it is not a token file. */
  #read(): { version: string; tokens: StoredToken[] } {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: ABSENT, tokens: [] };
      throw error;
    }
    try {
      // The version of the very file read: a stat by path could see a newer file than the text.
      const version = versionOf(fstatSync(fd));
      const parsed = file.safeParse(JSON.parse(readFileSync(fd, 'utf8')));
      if (!parsed.success) throw new Error(`${this.path} is not a token file: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
      return { version, tokens: parsed.data.tokens };
    } finally {
      closeSync(fd);
    }
  }

  /** Holds what was read, and tells the listeners of every token held before that is not among it. */
  #hold({ version, tokens }: { version: string | undefined; tokens: StoredToken[] }): void {
    const byHash = new Map(tokens.map((t) => [t.hash, t]));
    const revoked = new Set([...this.#byHash.values()].filter((t) => !byHash.has(t.hash)).map((t) => t.id));
    this.#version = version;
    this.#tokens = tokens;
    this.#byHash = byHash;
    if (revoked.size > 0) for (const listener of this.#listeners) listener(revoked);
  }

  /** Replaces the file with `tokens`; create and revoke read it just before, keeping what other processes wrote. */
  #save(tokens: StoredToken[]): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ version: 1, tokens }, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.path);
    // Held as the file now is, so that what is held and the version recorded always agree.
    this.refresh();
  }
}

function info({ id, name, scopes, createdAt }: StoredToken): TokenInfo {
  return { id, name, scopes, createdAt };
}
