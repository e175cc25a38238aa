import type { User } from "@/lib/db/users.ts";
import type { TokenClaims } from "./jwt.ts";

/** What the database says of a session token: its user and the user's current session version. */
export interface SessionRow {
  user: User;
  sessionVersion: number;
}

export interface SessionCacheOptions {
  /** How long a verdict is believed, in ms: the bound on how late a change elsewhere is seen. */
  ttlMs: number;
  /** How many verdicts are kept at most. */
  maxEntries: number;
  /** The clock, in ms; injectable for tests. */
  now?: () => number;
}

interface Entry {
  userId: string;
  sessionVersion: number;
  /** The user the token signs in, or null when the token is refused (signed out, user gone…). */
  user: User | null;
  expiresAt: number;
}

/** Ten thousand live sessions in a few MB; more only costs a database read each. */
export const DEFAULT_SESSION_CACHE_ENTRIES = 10_000;

/**
 * The verdicts on session tokens of the last few seconds, so that an authenticated request costs
 * a signature check and no database read.
 *
 * A verdict is keyed by the token's `jti`. The signature binds a `jti` to one user and one
 * session version, so this is the key "user + session version" narrowed to one token — narrow
 * enough to hold a sign-out too, which revokes a single token. A verdict is believed for
 * `ttlMs` from the moment its read began: a user deleted, a session version bumped (a password
 * reset) or a token revoked by another instance is refused here at most `ttlMs` later. On this
 * instance `evict` and `evictUser` make it at once.
 *
 * Bounded by count: when full, the oldest verdict goes first, which with one fixed lifetime is
 * also the one that expires soonest (so, unlike an LRU, a hit costs no reordering).
 */
export class SessionCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<User | undefined>>();
  /** Bumped by every eviction: a read that began before one does not store its verdict. */
  #generation = 0;

  constructor(options: SessionCacheOptions) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries;
    this.#now = options.now ?? (() => performance.now());
  }

  /** How many verdicts are held (expired ones included until they are met or pushed out). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The user `claims` signs in, or undefined when the token is refused: from a verdict younger
   * than the bound, else from `load` (one read for concurrent requests with the same token).
   */
  userOf(
    claims: TokenClaims,
    load: () => Promise<SessionRow | undefined>,
  ): Promise<User | undefined> {
    if (this.#ttlMs <= 0) return this.#read(claims, load);
    const entry = this.#entries.get(claims.jti);
    if (entry) {
      if (
        entry.expiresAt > this.#now() && entry.userId === claims.userId &&
        entry.sessionVersion === claims.sessionVersion
      ) {
        return Promise.resolve(entry.user ?? undefined);
      }
      this.#entries.delete(claims.jti);
    }
    let loading = this.#loading.get(claims.jti);
    if (!loading) {
      const started: Promise<User | undefined> = this.#load(claims, load).finally(() => {
        if (this.#loading.get(claims.jti) === started) this.#loading.delete(claims.jti);
      });
      this.#loading.set(claims.jti, loading = started);
    }
    return loading;
  }

  /** Forgets the verdict on one token (it was just signed out here). */
  evict(jti: string): void {
    this.#generation++;
    this.#entries.delete(jti);
    this.#loading.delete(jti);
  }

  /** Forgets every verdict on the user's tokens (the user was deleted or signed out everywhere). */
  evictUser(userId: string): void {
    this.#generation++;
    for (const [jti, entry] of this.#entries) {
      if (entry.userId === userId) this.#entries.delete(jti);
    }
    this.#loading.clear();
  }

  async #load(
    claims: TokenClaims,
    load: () => Promise<SessionRow | undefined>,
  ): Promise<User | undefined> {
    const startedAt = this.#now();
    const generation = this.#generation;
    const user = await this.#read(claims, load);
    if (generation === this.#generation) {
      if (this.#entries.size >= this.#maxEntries) {
        this.#entries.delete(this.#entries.keys().next().value!);
      }
      this.#entries.set(claims.jti, {
        userId: claims.userId,
        sessionVersion: claims.sessionVersion,
        user: user ?? null,
        expiresAt: startedAt + this.#ttlMs,
      });
    }
    return user;
  }

  async #read(
    claims: TokenClaims,
    load: () => Promise<SessionRow | undefined>,
  ): Promise<User | undefined> {
    const row = await load();
    if (!row || row.sessionVersion !== claims.sessionVersion) return undefined;
    // One object serves many requests: none of them may change it for the others.
    return Object.freeze(row.user);
  }
}
