import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
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
 * The API's bearer tokens, kept hashed in a JSON file (mode 0600) of the data directory, so neither the
 * file nor the database ever holds a usable token. A token is shown once, when created. Tokens made by
 * `botv3 tokens create` while the platform runs are seen at their first use (the file is read again
 * when an unknown token arrives and the file changed).
 */
export class TokenStore {
  readonly path: string;
  #tokens: StoredToken[] = [];
  #byHash = new Map<string, StoredToken>();
  #mtimeMs = 0;

  private constructor(path: string) {
    this.path = path;
  }

  static open(path: string): TokenStore {
    const store = new TokenStore(path);
    store.#load();
    return store;
  }

  get size(): number {
    return this.#tokens.length;
  }

  /** Creates a token; the returned `token` is the only time it is seen in clear. */
  create(name: string, scopes: readonly Scope[]): TokenInfo & { token: string } {
    this.#reloadIfChanged();
    const id = randomBytes(6).toString('hex');
    const token = `bv3_${id}_${randomBytes(32).toString('base64url')}`;
    const entry: StoredToken = { id, name, scopes: [...new Set(scopes)], createdAt: new Date().toISOString(), hash: hashOf(token) };
    this.#tokens.push(entry);
    this.#save();
    return { ...info(entry), token };
  }

  /** The token's info, or undefined when it is unknown or revoked. */
  verify(token: string): TokenInfo | undefined {
    const hash = hashOf(token);
    let entry = this.#byHash.get(hash);
    if (!entry && this.#reloadIfChanged()) entry = this.#byHash.get(hash);
    // The map lookup already matched; compare again in constant time so no timing tells how close a guess was.
    return entry && timingSafeEqual(Buffer.from(entry.hash, 'hex'), Buffer.from(hash, 'hex')) ? info(entry) : undefined;
  }

  list(): TokenInfo[] {
    this.#reloadIfChanged();
    return this.#tokens.map(info);
  }

  /** Revokes a token by id; false when there is none. */
  revoke(id: string): boolean {
    this.#reloadIfChanged();
    const before = this.#tokens.length;
    this.#tokens = this.#tokens.filter((t) => t.id !== id);
    if (this.#tokens.length === before) return false;
    this.#save();
    return true;
  }

  #load(): void {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
      this.#mtimeMs = statSync(this.path).mtimeMs;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return this.#index([]);
      throw error;
    }
    const parsed = file.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${this.path} is not a token file: ${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}`);
    this.#index(parsed.data.tokens);
  }

  #reloadIfChanged(): boolean {
    try {
      if (statSync(this.path).mtimeMs === this.#mtimeMs) return false;
    } catch {
      return false;
    }
    this.#load();
    return true;
  }

  #index(tokens: StoredToken[]): void {
    this.#tokens = tokens;
    this.#byHash = new Map(tokens.map((t) => [t.hash, t]));
  }

  #save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ version: 1, tokens: this.#tokens }, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, this.path);
    this.#mtimeMs = statSync(this.path).mtimeMs;
    this.#index(this.#tokens);
  }
}

function info({ id, name, scopes, createdAt }: StoredToken): TokenInfo {
  return { id, name, scopes, createdAt };
}
