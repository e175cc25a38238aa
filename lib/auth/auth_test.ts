import assert from "node:assert/strict";
import { issueToken, verifyToken } from "./jwt.ts";
import { hashPassword, PASSWORD_ITERATIONS, verifyPassword } from "./password.ts";
import { FailureLimiter } from "./rate_limit.ts";

Deno.test("hashPassword() salts each hash and uses at least 600,000 PBKDF2 iterations", async () => {
  const a = await hashPassword("same password");
  const b = await hashPassword("same password");
  assert.notEqual(a, b);
  const [scheme, iterations] = a.split("$");
  assert.equal(scheme, "pbkdf2-sha256");
  assert.ok(Number(iterations) >= 600_000);
  assert.equal(Number(iterations), PASSWORD_ITERATIONS);
  assert.equal(await verifyPassword("same password", a), true);
  assert.equal(await verifyPassword("same passwore", a), false);
  assert.equal(await verifyPassword("same password", "md5$x"), false);
});

Deno.test("verifyToken() accepts its own tokens and refuses another secret's", async () => {
  const secret = "k".repeat(40);
  const token = await issueToken("user-1", secret);
  assert.equal(await verifyToken(token, secret), "user-1");
  assert.equal(await verifyToken(token, "j".repeat(40)), null);
  assert.equal(await verifyToken("not.a.token", secret), null);
  assert.equal(await verifyToken(await issueToken("user-1", secret, -10), secret), null);
});

Deno.test("FailureLimiter blocks a key after its limit until the window passes", () => {
  let now = 0;
  const limiter = new FailureLimiter(3, 60_000, () => now);
  for (let i = 0; i < 2; i++) limiter.fail("a");
  assert.equal(limiter.retryAfter("a"), 0);
  limiter.fail("a");
  assert.equal(limiter.retryAfter("a"), 60);
  assert.equal(limiter.retryAfter("b"), 0);
  now = 30_000;
  assert.equal(limiter.retryAfter("a"), 30);
  now = 60_001;
  assert.equal(limiter.retryAfter("a"), 0);
  limiter.fail("a");
  limiter.clear("a");
  assert.equal(limiter.retryAfter("a"), 0);
});
