import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { issueToken, verifyToken } from "./jwt.ts";
import { hashPassword, PASSWORD_ITERATIONS, verifyPassword } from "./password.ts";
import { addressKey, delayAfter, RateLimits, SIGN_IN_RULES } from "./rate_limit.ts";
import { sharedTestDb } from "@/tests/_db.ts";

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
  const userId = crypto.randomUUID();
  const token = await issueToken(userId, secret);
  const claims = await verifyToken(token, secret);
  assert.equal(claims?.userId, userId);
  assert.match(claims?.jti ?? "", /^[0-9a-f-]{36}$/);
  assert.ok(Math.abs(claims!.expiresAt.getTime() - Date.now() - 7 * 86_400_000) < 60_000);
  assert.notEqual((await verifyToken(await issueToken(userId, secret), secret))?.jti, claims?.jti);
  assert.equal(await verifyToken(token, "j".repeat(40)), null);
  assert.equal(await verifyToken("not.a.token", secret), null);
  assert.equal(
    await verifyToken(await issueToken(userId, secret, { lifetimeSeconds: -10 }), secret),
    null,
  );
});

Deno.test("verifyToken() refuses a well-signed token whose sub or jti is not a uuid", async () => {
  const secret = "k".repeat(40);
  const sign = (sub: string, jti?: string) => {
    const jwt = new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub)
      .setIssuedAt().setExpirationTime("1h");
    return (jti ? jwt.setJti(jti) : jwt).sign(new TextEncoder().encode(secret));
  };
  const uuid = crypto.randomUUID();
  assert.equal((await verifyToken(await sign(uuid, uuid), secret))?.userId, uuid);
  assert.equal(await verifyToken(await sign("user-1", uuid), secret), null);
  assert.equal(await verifyToken(await sign(`${uuid}\u0000`, uuid), secret), null);
  assert.equal(await verifyToken(await sign(uuid, "abc"), secret), null);
  assert.equal(await verifyToken(await sign(uuid), secret), null, "no jti: cannot be revoked");
});

Deno.test("verifyToken() reads the session version, 0 for a token issued without one", async () => {
  const secret = "k".repeat(40);
  const userId = crypto.randomUUID();
  const claims = await verifyToken(await issueToken(userId, secret, { sessionVersion: 3 }), secret);
  assert.equal(claims?.sessionVersion, 3);
  const sign = (payload: Record<string, unknown>) =>
    new SignJWT(payload).setProtectedHeader({ alg: "HS256" }).setSubject(userId)
      .setJti(crypto.randomUUID()).setIssuedAt().setExpirationTime("1h")
      .sign(new TextEncoder().encode(secret));
  assert.equal((await verifyToken(await sign({}), secret))?.sessionVersion, 0);
  assert.equal(await verifyToken(await sign({ sv: "1" }), secret), null);
  assert.equal(await verifyToken(await sign({ sv: -1 }), secret), null);
  assert.equal(await verifyToken(await sign({ sv: 1.5 }), secret), null);
});

Deno.test("delayAfter() waits nothing within the allowance, then doubles up to the cap", () => {
  const rule = SIGN_IN_RULES.pair;
  assert.equal(delayAfter(rule, rule.free - 1), 0);
  assert.equal(delayAfter(rule, rule.free), 30_000);
  assert.equal(delayAfter(rule, rule.free + 1), 60_000);
  assert.equal(delayAfter(rule, rule.free + 2), 120_000);
  assert.equal(delayAfter(rule, rule.free + 50), 15 * 60_000);
});

Deno.test("addressKey() counts an IPv6 client by its /64 and a mapped IPv4 as IPv4", () => {
  assert.equal(addressKey("203.0.113.9"), "203.0.113.9");
  assert.equal(addressKey("::ffff:203.0.113.9"), "203.0.113.9");
  assert.equal(addressKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(addressKey("2001:0db8:0001:0002:ffff:1:2:3"), "2001:db8:1:2::/64");
  assert.equal(addressKey("[2001:db8::1]"), "2001:db8:0:0::/64");
  assert.equal(addressKey("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.notEqual(addressKey("2001:db8:1:3::1"), addressKey("2001:db8:1:2::1"));
});

const db = await sharedTestDb();

/** Two instances' limits over one database, on a clock the test moves. */
async function withLimits(
  fn: (limits: { here: RateLimits; there: RateLimits }, clock: { now: number }) => Promise<void>,
) {
  const clock = { now: Date.now() };
  const make = () => new RateLimits(db, undefined, () => clock.now);
  await fn({ here: make(), there: make() }, clock);
}

const someAddress = () =>
  `198.18.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}`;
const someAccount = () => `owner-${crypto.randomUUID()}@cal-sync.test`;

Deno.test("RateLimits slows one address guessing one account, on every instance", async () => {
  await withLimits(async ({ here, there }, clock) => {
    const address = someAddress();
    const account = someAccount();
    for (let i = 0; i < SIGN_IN_RULES.pair.free; i++) {
      const limits = i % 2 ? here : there;
      assert.equal((await limits.beginSignIn(address, account)).allowed, true, `attempt ${i}`);
    }
    assert.deepEqual(await here.beginSignIn(address, account), {
      allowed: false,
      retryAfterSeconds: 30,
    });
    clock.now += 30_000;
    assert.equal((await there.beginSignIn(address, account)).allowed, true);
    assert.deepEqual(await here.beginSignIn(address, account), {
      allowed: false,
      retryAfterSeconds: 60,
    }, "the next wait is twice as long");
    const stored = await db.query<{ key: string }>("SELECT key FROM rate_limits");
    assert.ok(stored.every((r) => /^[0-9a-f]{64}$/.test(r.key)), "keys are stored as digests");

    clock.now += 60 * 60_000 + 60_000;
    assert.equal((await here.beginSignIn(address, account)).allowed, true, "forgotten after 1 h");
  });
});

Deno.test("RateLimits never holds back the owner's address for a stranger's failures", async () => {
  await withLimits(async ({ here }) => {
    const account = someAccount();
    const attacker = someAddress();
    // One address past its allowance, and a botnet past the account's.
    for (let i = 0; i < 12; i++) await here.beginSignIn(attacker, account);
    for (let i = 0; i < 30; i++) {
      const bot = someAddress();
      await here.beginSignIn(bot, account);
      await here.beginSignIn(bot, account);
    }
    const blocked = await here.beginSignIn(attacker, account);
    assert.equal(blocked.allowed, false);
    assert.ok(!blocked.allowed && blocked.retryAfterSeconds >= 15 * 60 - 1, "at the cap");

    const owner = someAddress();
    const first = await here.beginSignIn(owner, account);
    assert.equal(first.allowed, true, "a fresh address gets its attempt");
    // One typo still does not make the owner's address a failing one.
    const second = await here.beginSignIn(owner, account);
    assert.equal(second.allowed, true);
    if (second.allowed) await second.succeeded();

    // A bot address that failed twice waits the account's wait.
    const bot = someAddress();
    await here.beginSignIn(bot, account);
    await here.beginSignIn(bot, account);
    assert.equal((await here.beginSignIn(bot, account)).allowed, false);
  });
});

Deno.test("RateLimits slows one address trying many accounts", async () => {
  await withLimits(async ({ here }) => {
    const address = someAddress();
    for (let i = 0; i < SIGN_IN_RULES.address.free; i++) {
      assert.equal((await here.beginSignIn(address, someAccount())).allowed, true, `attempt ${i}`);
    }
    const refused = await here.beginSignIn(address, someAccount());
    assert.deepEqual(refused, { allowed: false, retryAfterSeconds: 30 });
    assert.equal((await here.beginSignIn(someAddress(), someAccount())).allowed, true);
  });
});

Deno.test("RateLimits lets accounts known at a guesser's address through its wait", async () => {
  await withLimits(async ({ here }) => {
    const office = someAddress();
    const colleague = someAccount();
    const signedIn = await here.beginSignIn(office, colleague);
    assert.ok(signedIn.allowed);
    await signedIn.succeeded();
    // Someone in the same office guesses many accounts, until the office address waits.
    for (let i = 0; i < SIGN_IN_RULES.address.free; i++) {
      await here.beginSignIn(office, someAccount());
    }
    assert.equal((await here.beginSignIn(office, someAccount())).allowed, false);
    assert.equal((await here.beginSignIn(office, colleague)).allowed, true, "known here");
  });
});

Deno.test("RateLimits gives back what a correct password spent", async () => {
  await withLimits(async ({ here }) => {
    const address = someAddress();
    const account = someAccount();
    // Many correct sign-ins from one address (an office) never add up to a wait.
    for (let i = 0; i < SIGN_IN_RULES.address.free + 5; i++) {
      const attempt = await here.beginSignIn(address, account);
      assert.equal(attempt.allowed, true, `sign-in ${i}`);
      if (attempt.allowed) await attempt.succeeded();
    }
    // The owner's typos are forgiven by a correct password.
    for (let i = 0; i < SIGN_IN_RULES.pair.free - 1; i++) await here.beginSignIn(address, account);
    const right = await here.beginSignIn(address, account);
    assert.equal(right.allowed, true);
    if (right.allowed) await right.succeeded();
    for (let i = 0; i < SIGN_IN_RULES.pair.free; i++) {
      assert.equal((await here.beginSignIn(address, account)).allowed, true, `typo ${i}`);
    }
  });
});

Deno.test("RateLimits lets concurrent guesses through only as far as the allowance", async () => {
  await withLimits(async ({ here, there }) => {
    const address = someAddress();
    const account = someAccount();
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? here : there).beginSignIn(address, account)),
    );
    assert.equal(attempts.filter((a) => a.allowed).length, SIGN_IN_RULES.pair.free);
  });
});

Deno.test("RateLimits.takeRegistration() slows one address after its allowance", async () => {
  await withLimits(async ({ here, there }, clock) => {
    const address = someAddress();
    for (let i = 0; i < here.rules.registration.free; i++) {
      assert.equal(await (i % 2 ? here : there).takeRegistration(address), 0, `registration ${i}`);
    }
    assert.equal(await here.takeRegistration(address), 30);
    assert.equal(await there.takeRegistration(someAddress()), 0, "another address is not held");
    clock.now += 30_000;
    assert.equal(await here.takeRegistration(address), 0);
    assert.equal(await there.takeRegistration(address), 60);
  });
});
