import assert from "node:assert/strict";
import { issueToken, verifyToken } from "./jwt.ts";
import { hashPassword, PASSWORD_ITERATIONS, verifyPassword } from "./password.ts";
import { FailureLimiter } from "./rate_limit.ts";
import { migrate } from "../db/migrate.ts";
import { openDb } from "../db/mod.ts";
import { testDatabaseUrl } from "@/tests/_helpers.ts";

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

Deno.test("FailureLimiter blocks a key after its limit until the window passes, on every instance", async () => {
  const db = await openDb(testDatabaseUrl());
  try {
    await migrate(db);
    let now = Date.now();
    // Two instances of the app: two limiters over one database.
    const here = new FailureLimiter(db, "email", 3, 60_000, () => now);
    const there = new FailureLimiter(db, "email", 3, 60_000, () => now);
    const key = `a-${crypto.randomUUID()}`;
    await here.fail(key);
    await there.fail(key);
    assert.equal(await here.retryAfter(key), 0);
    await there.fail(key);
    assert.equal(await here.retryAfter(key), 60, "failures on another instance count here");
    assert.equal(await here.retryAfter(`b-${crypto.randomUUID()}`), 0);
    assert.equal(
      await new FailureLimiter(db, "ip", 3, 60_000, () => now).retryAfter(key),
      0,
      "another scope counts apart",
    );
    now += 30_000;
    assert.equal(await there.retryAfter(key), 30);
    now += 30_001;
    assert.equal(await here.retryAfter(key), 0);
    await here.fail(key);
    assert.equal(await here.retryAfter(key), 0, "a new window starts again at one failure");
    await here.fail(key);
    await here.fail(key);
    assert.equal(await here.retryAfter(key), 60);
    await there.clear(key);
    assert.equal(await here.retryAfter(key), 0);
    const stored = await db.query<{ key: string }>("SELECT key FROM login_failures");
    assert.ok(stored.every((r) => /^[0-9a-f]{64}$/.test(r.key)), "keys are stored as digests");
  } finally {
    await db.close();
  }
});
