/**
 * The one retry layer for Google calls: 429, 403 rate limits, 5xx and network errors are retried
 * with exponential backoff and full jitter, a bounded number of times. gaxios's own retry must be
 * off (`retry: false` per call, see `NO_CLIENT_RETRY`) so that two layers never stack.
 *
 * Also the per-account sliding-minute limiter that keeps an account under Google's quota.
 */

import { googleErrorReason, googleErrorStatus, isAbortError } from "./errors.ts";

/** Per-call options that turn gaxios's built-in retry off. */
export const NO_CLIENT_RETRY = { retry: false } as const;

const RATE_LIMIT_REASONS = new Set(["rateLimitExceeded", "userRateLimitExceeded"]);

/** Whether an error is temporary: worth waiting and trying again. */
export function isRetryable(err: unknown): boolean {
  if (isAbortError(err)) return false;
  const status = googleErrorStatus(err);
  if (status === undefined) {
    // No HTTP answer: a network failure, unless it is an OAuth refresh refusal.
    return googleErrorReason(err) !== "invalid_grant";
  }
  if (status === 429 || status >= 500) return true;
  if (status === 403) {
    const reason = googleErrorReason(err);
    return reason !== undefined && (RATE_LIMIT_REASONS.has(reason) || reason === "quotaExceeded");
  }
  return false;
}

export interface RetryOptions {
  /** Attempts in all, first included. */
  maxAttempts?: number;
  /** Base delay of the exponential backoff, in ms. */
  baseDelayMs?: number;
  /** Upper bound of one delay, in ms. */
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called before every attempt (counting requests, rate limiting). */
  beforeAttempt?: () => Promise<void> | void;
  /** Random source in [0, 1), for tests. */
  random?: () => number;
}

export const DEFAULT_RETRY: Required<Omit<RetryOptions, "signal" | "beforeAttempt" | "random">> = {
  maxAttempts: 6,
  baseDelayMs: 250,
  maxDelayMs: 16_000,
};

/**
 * Runs `fn`, retrying temporary Google errors with full-jitter exponential backoff:
 * the n-th wait is uniform in [0, min(maxDelay, base·2ⁿ)]. `quotaExceeded` waits four times longer.
 * Throws the last error when attempts run out, or at once for a permanent error.
 */
export async function withRetry<T>(fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  const base = options.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const cap = options.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  const random = options.random ?? Math.random;
  for (let attempt = 0;; attempt++) {
    options.signal?.throwIfAborted();
    await options.beforeAttempt?.();
    try {
      return await fn();
    } catch (err) {
      if (attempt + 1 >= maxAttempts || !isRetryable(err)) throw err;
      const longer = googleErrorReason(err) === "quotaExceeded" ? 4 : 1;
      const ceiling = Math.min(cap * longer, base * longer * 2 ** attempt);
      await sleep(random() * ceiling, options.signal);
    }
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A sliding-window limiter: at most `perMinute` starts in any 60 s. `acquire()` waits for a slot.
 * One per Google account (see `rateLimiterFor`), shared by every run in the process.
 */
export class RateLimiter {
  #starts: number[] = [];
  #head = 0;
  #queue: Promise<void> = Promise.resolve();

  constructor(public perMinute: number, private windowMs = 60_000) {}

  /** Waits until one more request fits in the window, then records it. */
  acquire(signal?: AbortSignal): Promise<void> {
    const next = this.#queue.then(() => this.#take(signal));
    // Keep the chain alive after an aborted waiter.
    this.#queue = next.catch(() => {});
    return next;
  }

  async #take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      while (this.#head < this.#starts.length && this.#starts[this.#head] <= now - this.windowMs) {
        this.#head++;
      }
      if (this.#head > 1024) {
        this.#starts = this.#starts.slice(this.#head);
        this.#head = 0;
      }
      if (this.#starts.length - this.#head < this.perMinute) {
        this.#starts.push(now);
        return;
      }
      await sleep(this.#starts[this.#head] + this.windowMs - now + 1, signal);
    }
  }

  /** Requests started in the current window. */
  get inWindow(): number {
    const now = Date.now();
    return this.#starts.slice(this.#head).filter((t) => t > now - this.windowMs).length;
  }
}

const limiters = new Map<string, RateLimiter>();

/** The process-wide limiter of one Google account; `perMinute` updates an existing one. */
export function rateLimiterFor(accountKey: string, perMinute: number): RateLimiter {
  let limiter = limiters.get(accountKey);
  if (!limiter) {
    limiter = new RateLimiter(perMinute);
    limiters.set(accountKey, limiter);
  }
  limiter.perMinute = perMinute;
  return limiter;
}
