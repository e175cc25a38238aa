import type { User } from "@/lib/db/users.ts";
import type { TokenClaims } from "./jwt.ts";

/** What the database says of a session token: its user and the user's current session version. */
export interface SessionRow {
  user: User;
  sessionVersion: number;
}

/** A signed-in request: the user and the claims of the token that signed it in. */
export interface Session {
  user: User;
  claims: TokenClaims;
}

export interface SessionCacheOptions {
  /** How long a verdict is believed, in ms: the bound on how late a change elsewhere is seen. */
  ttlMs: number;
  /** How many verdicts are kept at most. */
  maxEntries: number;
  /** The clock of the bound, in ms; injectable for tests. */
  now?: () => number;
}

interface Entry {
  claims: TokenClaims;
  /** The session the token opens, or null when it is refused (signed out, user gone…). */
  session: Session | null;
  /** Until when this verdict is believed (the clock of `now`). */
  believedUntil: number;
  /** When the token itself expires (wall clock, ms). */
  tokenExpiresAt: number;
}

/** Ten thousand live sessions in a few MB; more only costs a verification and a read each. */
export const DEFAULT_SESSION_CACHE_ENTRIES = 10_000;

/**
 * The verdicts on session tokens of the last few seconds, so that an authenticated request costs
 * a map lookup instead of an HMAC verification and a database read.
 *
 * A verdict is keyed by the token itself: only a token that verified gets one, and the token's
 * signed claims bind it to one user, one session version and one `jti` — the key "user +
 * session version" narrowed to one token, narrow enough to hold a sign-out, which revokes a
 * single token. A verdict is believed for `ttlMs` from the moment its database read began (and
 * never past the token's own expiry): a user deleted, a session version bumped (a password
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
  readonly #loading = new Map<string, Promise<Session | undefined>>();
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
   * The session `token` opens, or undefined when it is refused: from a verdict younger than the
   * bound, else by `verify` (null: not a valid token) and `load` (its database row), once for
   * concurrent requests with the same token.
   */
  sessionOf(
    token: string,
    verify: (token: string) => Promise<TokenClaims | null>,
    load: (claims: TokenClaims) => Promise<SessionRow | undefined>,
  ): Promise<Session | undefined> {
    if (this.#ttlMs <= 0) return this.#resolve(token, verify, load).then((v) => v?.session);
    const entry = this.#entries.get(token);
    if (entry) {
      if (entry.believedUntil > this.#now() && entry.tokenExpiresAt > Date.now()) {
        return Promise.resolve(entry.session ?? undefined);
      }
      this.#entries.delete(token);
    }
    let loading = this.#loading.get(token);
    if (!loading) {
      const started: Promise<Session | undefined> = this.#load(token, verify, load).finally(() => {
        if (this.#loading.get(token) === started) this.#loading.delete(token);
      });
      this.#loading.set(token, loading = started);
    }
    return loading;
  }

  /** Forgets the verdict on the token with this `jti` (it was just signed out here). */
  evict(jti: string): void {
    this.#forget((claims) => claims.jti === jti);
  }

  /** Forgets every verdict on the user's tokens (the user was deleted or signed out everywhere). */
  evictUser(userId: string): void {
    this.#forget((claims) => claims.userId === userId);
  }

  #forget(matches: (claims: TokenClaims) => boolean): void {
    // Rare (a sign-out), so a scan of at most maxEntries beats keeping a second index in step.
    this.#generation++;
    for (const [token, entry] of this.#entries) {
      if (matches(entry.claims)) this.#entries.delete(token);
    }
    this.#loading.clear();
  }

  async #load(
    token: string,
    verify: (token: string) => Promise<TokenClaims | null>,
    load: (claims: TokenClaims) => Promise<SessionRow | undefined>,
  ): Promise<Session | undefined> {
    const startedAt = this.#now();
    const generation = this.#generation;
    const verdict = await this.#resolve(token, verify, load);
    if (verdict && generation === this.#generation) {
      if (this.#entries.size >= this.#maxEntries) {
        this.#entries.delete(this.#entries.keys().next().value!);
      }
      this.#entries.set(token, {
        claims: verdict.claims,
        session: verdict.session ?? null,
        believedUntil: startedAt + this.#ttlMs,
        tokenExpiresAt: verdict.claims.expiresAt.getTime(),
      });
    }
    return verdict?.session;
  }

  /** Verifies and reads; undefined for a token that does not verify (never kept). */
  async #resolve(
    token: string,
    verify: (token: string) => Promise<TokenClaims | null>,
    load: (claims: TokenClaims) => Promise<SessionRow | undefined>,
  ): Promise<{ claims: TokenClaims; session: Session | undefined } | undefined> {
    const claims = await verify(token);
    if (!claims) return undefined;
    const row = await load(claims);
    if (!row || row.sessionVersion !== claims.sessionVersion) return { claims, session: undefined };
    // One object serves many requests: none of them may change it for the others.
    return {
      claims,
      session: Object.freeze({ user: Object.freeze(row.user), claims: Object.freeze(claims) }),
    };
  }
}
