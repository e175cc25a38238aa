import { sha256Hex } from "../crypto/hash.ts";
import type { Queryable } from "../db/mod.ts";

/**
 * Counts failures per key in a fixed window kept in the database, so that every instance of the
 * app counts together: a guesser gains nothing by landing on another one. `scope` keeps the
 * keys of two limiters apart ("email", "ip"); keys are stored as hex SHA-256 digests.
 */
export class FailureLimiter {
  constructor(
    readonly db: Queryable,
    readonly scope: string,
    readonly maxFailures: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `key` may try again, or 0 when it may try now. */
  async retryAfter(key: string): Promise<number> {
    const [row] = await this.db.query<{ failures: number; reset_at: Date | string }>(
      "SELECT failures, reset_at FROM login_failures WHERE key = $1",
      [await this.#digest(key)],
    );
    if (!row || row.failures < this.maxFailures) return 0;
    const left = new Date(row.reset_at).getTime() - this.now();
    return left > 0 ? Math.ceil(left / 1000) : 0;
  }

  /** Counts one failure of `key`; a window that has passed starts again at one. */
  async fail(key: string): Promise<void> {
    const now = new Date(this.now());
    await this.db.query("DELETE FROM login_failures WHERE reset_at <= $1", [now]);
    await this.db.query(
      `INSERT INTO login_failures AS f (key, failures, reset_at) VALUES ($1, 1, $3)
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN f.reset_at <= $2 THEN 1 ELSE f.failures + 1 END,
         reset_at = CASE WHEN f.reset_at <= $2 THEN EXCLUDED.reset_at ELSE f.reset_at END`,
      [await this.#digest(key), now, new Date(now.getTime() + this.windowMs)],
    );
  }

  async clear(key: string): Promise<void> {
    await this.db.query("DELETE FROM login_failures WHERE key = $1", [await this.#digest(key)]);
  }

  #digest(key: string): Promise<string> {
    return sha256Hex(`${this.scope}:${key}`);
  }
}
