/**
 * Counts failures per key in a fixed window held in memory: enough to slow password guessing on
 * one instance. Each instance counts on its own.
 */
export class FailureLimiter {
  #failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    readonly maxFailures: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `key` may try again, or 0 when it may try now. */
  retryAfter(key: string): number {
    const entry = this.#failures.get(key);
    if (!entry) return 0;
    const left = entry.resetAt - this.now();
    if (left <= 0) {
      this.#failures.delete(key);
      return 0;
    }
    return entry.count >= this.maxFailures ? Math.ceil(left / 1000) : 0;
  }

  fail(key: string): void {
    const now = this.now();
    const entry = this.#failures.get(key);
    if (!entry || entry.resetAt <= now) {
      this.#failures.set(key, { count: 1, resetAt: now + this.windowMs });
      if (this.#failures.size > 100_000) this.#sweep(now);
    } else {
      entry.count++;
    }
  }

  clear(key: string): void {
    this.#failures.delete(key);
  }

  #sweep(now: number) {
    for (const [key, entry] of this.#failures) if (entry.resetAt <= now) this.#failures.delete(key);
  }
}
