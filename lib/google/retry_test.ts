import assert from "node:assert/strict";
import { isRetryable, RateLimiter, withRetry } from "./retry.ts";

const httpError = (status: number, reason?: string) =>
  Object.assign(new Error(`HTTP ${status}`), {
    status,
    response: { status, data: { error: { code: status, errors: [{ reason }] } } },
  });

Deno.test("isRetryable() retries 429, 5xx, 403 rate limits and network errors only", () => {
  assert.ok(isRetryable(httpError(429)));
  assert.ok(isRetryable(httpError(503)));
  assert.ok(isRetryable(httpError(403, "rateLimitExceeded")));
  assert.ok(isRetryable(httpError(403, "userRateLimitExceeded")));
  assert.ok(isRetryable(new TypeError("connection reset")));
  assert.ok(!isRetryable(httpError(403, "forbidden")));
  assert.ok(!isRetryable(httpError(400, "invalid")));
  assert.ok(!isRetryable(httpError(409, "duplicate")));
  assert.ok(!isRetryable(new Error("invalid_grant")));
});

Deno.test("withRetry() backs off with full jitter and gives up after maxAttempts", async () => {
  let calls = 0;
  await assert.rejects(
    withRetry(() => {
      calls++;
      return Promise.reject(httpError(503));
    }, { maxAttempts: 4, baseDelayMs: 1, random: () => 0.5 }),
    /HTTP 503/,
  );
  assert.equal(calls, 4);
  calls = 0;
  const value = await withRetry(
    () => ++calls < 3 ? Promise.reject(httpError(429)) : Promise.resolve("ok"),
    {
      baseDelayMs: 1,
    },
  );
  assert.equal(value, "ok");
  assert.equal(calls, 3);
});

Deno.test("withRetry() does not retry a 400", async () => {
  let calls = 0;
  await assert.rejects(withRetry(() => {
    calls++;
    return Promise.reject(httpError(400, "invalid"));
  }, { baseDelayMs: 1 }));
  assert.equal(calls, 1);
});

Deno.test("RateLimiter keeps at most perMinute starts in a sliding window", async () => {
  const limiter = new RateLimiter(3, 200);
  const t0 = Date.now();
  for (let i = 0; i < 6; i++) await limiter.acquire();
  const elapsed = Date.now() - t0;
  assert.ok(elapsed >= 190, `6 starts at 3 per 200 ms took ${elapsed} ms`);
});
