import assert from "node:assert/strict";
import { SignJWT, UnsecuredJWT } from "jose";
import { SessionCache } from "@/lib/auth/session_cache.ts";
import { createServices } from "@/lib/services.ts";
import { createApp } from "@/main.ts";
import {
  bearer,
  fromAddress,
  openTestApp,
  registerAndSignIn,
  TEST_JWT_SECRET,
  uniqueAddress,
  uniqueEmail,
} from "../_helpers.ts";

const t = await openTestApp();
const { app } = t;

/** A JSON POST, from an address of its own unless told. */
const postJson = (path: string, body: unknown, address = uniqueAddress()) =>
  app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  }, fromAddress(address));

/** A form POST to a page, as a same-origin browser at `address`. */
const postForm = (path: string, form: Record<string, string>, address = uniqueAddress()) =>
  app.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://localhost" },
    body: new URLSearchParams(form),
  }, fromAddress(address));

async function errorOf(response: Response) {
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  return (await response.json()).error;
}

Deno.test("[http] POST /api/auth/register", async (step) => {
  await step.step("creates the account with a normalised email", async () => {
    const email = uniqueEmail("Ada").replace("ada", "ADA");
    const res = await postJson("/api/auth/register", {
      email: `  ${email} `,
      password: "12345678",
    });
    assert.equal(res.status, 201);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    const body = await res.json();
    assert.deepEqual(Object.keys(body).sort(), ["created_at", "email", "id"]);
    assert.equal(body.email, email.toLowerCase());
    assert.ok(!Number.isNaN(Date.parse(body.created_at)));
  });

  await step.step("answers 409 for an email taken in another case", async () => {
    const email = uniqueEmail();
    assert.equal(
      (await postJson("/api/auth/register", { email, password: "12345678" })).status,
      201,
    );
    const res = await postJson("/api/auth/register", {
      email: email.toUpperCase(),
      password: "abcdefgh",
    });
    assert.equal(res.status, 409);
    assert.equal((await errorOf(res)).code, 409);
  });

  await step.step("answers 422 naming the field for a short password", async () => {
    const res = await postJson("/api/auth/register", { email: uniqueEmail(), password: "1234567" });
    assert.equal(res.status, 422);
    const error = await errorOf(res);
    assert.equal(error.code, 422);
    assert.match(error.fields.password, /at least 8/);
  });

  await step.step("answers 422 for an invalid email and a missing field", async () => {
    const res = await postJson("/api/auth/register", { email: "not-an-email" });
    assert.equal(res.status, 422);
    const { fields } = await errorOf(res);
    assert.ok(fields.email);
    assert.ok(fields.password);
  });

  await step.step("answers 400 for malformed JSON", async () => {
    const res = await postJson("/api/auth/register", "{not json");
    assert.equal(res.status, 400);
    assert.equal((await errorOf(res)).code, 400);
  });

  await step.step("answers 422, never 500, for a NUL byte in the email", async () => {
    for (const email of ["a\u0000b@example.com", `${uniqueEmail()}\u0000`]) {
      const res = await postJson("/api/auth/register", { email, password: "12345678" });
      assert.equal(res.status, 422);
      assert.ok((await errorOf(res)).fields.email);
      const page = await postForm("/register", { email, password: "12345678" });
      assert.equal(page.status, 422);
      assert.match(await page.text(), /id="email-error"[^>]*>Enter a valid email address/);
    }
  });

  await step.step(
    "answers 429 with Retry-After once one address registered too often",
    async () => {
      const address = uniqueAddress();
      const limits = t.services.rateLimits;
      // The allowance spent but for one, without 19 slow hashes; the last one goes through HTTP.
      for (let i = 0; i < limits.rules.registration.free - 1; i++) {
        assert.equal(await limits.takeRegistration(address), 0);
      }
      const last = await postJson("/api/auth/register", {
        email: uniqueEmail(),
        password: "12345678",
      }, address);
      assert.equal(last.status, 201);
      const email = uniqueEmail();
      const limited = await postJson(
        "/api/auth/register",
        { email, password: "12345678" },
        address,
      );
      assert.equal(limited.status, 429);
      assert.equal(limited.headers.get("retry-after"), "30");
      const error = await errorOf(limited);
      assert.equal(error.code, 429);
      assert.match(error.message, /try again in 30 seconds/);

      const page = await postForm("/register", { email, password: "12345678" }, address);
      assert.equal(page.status, 429);
      assert.ok(Number(page.headers.get("retry-after")) > 0);
      assert.match(
        await page.text(),
        /role="alert">Too many accounts were created from your network/,
      );

      // Nothing was created, and another address is not held back.
      assert.equal(
        (await postJson("/api/auth/register", { email, password: "12345678" })).status,
        201,
      );
    },
  );

  await step.step("counts each client behind a trusted proxy apart", async () => {
    await using proxied = await openTestApp({ env: { TRUST_PROXY: "1" } });
    const client = uniqueAddress();
    for (let i = 0; i < proxied.services.rateLimits.rules.registration.free; i++) {
      await proxied.services.rateLimits.takeRegistration(client);
    }
    const register = (forwardedFor: string) =>
      proxied.app.request("/api/auth/register", {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
        body: JSON.stringify({ email: uniqueEmail(), password: "12345678" }),
      }, fromAddress("2001:db8::1"));
    assert.equal((await register(client)).status, 429);
    assert.equal((await register(uniqueAddress())).status, 201);
  });
});

Deno.test("[http] POST /api/auth/token", async (step) => {
  const email = uniqueEmail();
  await postJson("/api/auth/register", { email, password: "s3cret-pass" });

  await step.step("issues a bearer token for JSON credentials", async () => {
    const res = await postJson("/api/auth/token", { email, password: "s3cret-pass" });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.token_type, "bearer");
    const me = await app.request("/api/auth/me", { headers: bearer(body.access_token) });
    assert.equal((await me.json()).email, email);
  });

  await step.step("accepts the OAuth2 password form", async () => {
    const res = await app.request("/api/auth/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: email.toUpperCase(), password: "s3cret-pass" }),
    }, fromAddress(uniqueAddress()));
    assert.equal(res.status, 200);
    assert.ok((await res.json()).access_token);
  });

  await step.step("answers 401 alike for a wrong password and an unknown email", async () => {
    const wrong = await postJson("/api/auth/token", { email, password: "wrong-pass" });
    const unknown = await postJson("/api/auth/token", { email: uniqueEmail(), password: "x" });
    assert.equal(wrong.status, 401);
    assert.equal(unknown.status, 401);
    assert.deepEqual(await errorOf(wrong), await errorOf(unknown));
  });

  await step.step("answers 422, never 500, for a NUL byte in the email", async () => {
    const res = await postJson("/api/auth/token", {
      email: `${email}\u0000`,
      password: "s3cret-pass",
    });
    assert.equal(res.status, 422);
    assert.ok((await errorOf(res)).fields.email);
    const form = await app.request("/api/auth/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ username: "a\u0000b@example.com", password: "x" }),
    }, fromAddress(uniqueAddress()));
    assert.equal(form.status, 422);
    assert.ok((await errorOf(form)).fields.username);
  });

  await step.step("answers 429 per client address, read behind a trusted proxy only", async () => {
    await using proxied = await openTestApp({ env: { TRUST_PROXY: "1" } });
    const client = uniqueAddress();
    const proxy = uniqueAddress();
    for (let i = 0; i < proxied.services.rateLimits.rules.address.free; i++) {
      await proxied.services.rateLimits.beginSignIn(client, uniqueEmail());
    }
    const tryFrom = (app: typeof proxied.app, forwardedFor: string) =>
      app.request("/api/auth/token", {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
        body: JSON.stringify({ email: uniqueEmail(), password: "x" }),
      }, fromAddress(proxy));
    // The proxy appends the address it saw; whatever the client put before it is ignored.
    const limited = await tryFrom(proxied.app, `${uniqueAddress()}, ${client}`);
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get("retry-after")) > 0);
    assert.equal((await tryFrom(proxied.app, `${client}, ${uniqueAddress()}`)).status, 401);
    // Without a trusted proxy the header is the client's word, and counts for nothing.
    assert.equal((await tryFrom(app, client)).status, 401);
  });
});

Deno.test("[http] sign-in limits slow guessers without locking the owner out", async (step) => {
  const owner = uniqueEmail("owner");
  const password = "owner-pass-1";
  assert.equal((await postJson("/api/auth/register", { email: owner, password })).status, 201);
  const attacker = uniqueAddress();

  await step.step(
    "the guessing address waits: 429 with Retry-After, right password or not",
    async () => {
      for (let i = 0; i < 5; i++) {
        const res = await postJson(
          "/api/auth/token",
          { email: owner, password: `guess-${i}` },
          attacker,
        );
        assert.equal(res.status, 401, `guess ${i}`);
        await res.body?.cancel();
      }
      for (const guess of ["guess-5", password]) {
        const limited = await postJson(
          "/api/auth/token",
          { email: owner, password: guess },
          attacker,
        );
        assert.equal(limited.status, 429);
        assert.ok(Number(limited.headers.get("retry-after")) >= 29);
        assert.match((await errorOf(limited)).message, /^Too many failed sign-ins: try again in/);
      }
      const page = await postForm("/login", { email: owner, password }, attacker);
      assert.equal(page.status, 429);
      assert.ok(Number(page.headers.get("retry-after")) > 0);
      assert.match(await page.text(), /role="alert">Too many failed sign-ins/);
    },
  );

  await step.step("the owner, at another address, signs in on the API and the page", async () => {
    const res = await postJson("/api/auth/token", { email: owner, password });
    assert.equal(res.status, 200);
    assert.ok((await res.json()).access_token);
    const page = await postForm("/login", { email: owner, password });
    assert.equal(page.status, 303);
    assert.match(page.headers.get("set-cookie") ?? "", /^session=/);
  });

  await step.step("a botnet's failures from many addresses do not stop the owner", async () => {
    const limits = t.services.rateLimits;
    for (let i = 0; i < 3 * limits.rules.account.free; i++) {
      await limits.beginSignIn(uniqueAddress(), owner);
    }
    const owners = uniqueAddress();
    // Even after one typo of their own.
    const typo = await postJson("/api/auth/token", { email: owner, password: "typo" }, owners);
    assert.equal(typo.status, 401);
    await typo.body?.cancel();
    assert.equal(
      (await postJson("/api/auth/token", { email: owner, password }, owners)).status,
      200,
    );
  });

  await step.step(
    "an address failing on many accounts waits, except for accounts known there",
    async () => {
      const office = uniqueAddress();
      const colleague = await postJson("/api/auth/token", { email: owner, password }, office);
      assert.equal(colleague.status, 200);
      const limits = t.services.rateLimits;
      for (let i = 0; i < limits.rules.address.free; i++) {
        await limits.beginSignIn(office, uniqueEmail());
      }
      const stranger = await postJson(
        "/api/auth/token",
        { email: uniqueEmail(), password: "x" },
        office,
      );
      assert.equal(stranger.status, 429);
      assert.ok(Number(stranger.headers.get("retry-after")) > 0);
      assert.equal(
        (await postJson("/api/auth/token", { email: owner, password }, office)).status,
        200,
      );
    },
  );
});

Deno.test("[http] GET /api/auth/me", async (step) => {
  const ada = await registerAndSignIn(app);
  const bob = await registerAndSignIn(app);

  await step.step("answers the caller's own account, never another's", async () => {
    const forAda = await (await app.request("/api/auth/me", { headers: bearer(ada.token) })).json();
    const forBob = await (await app.request("/api/auth/me", { headers: bearer(bob.token) })).json();
    assert.equal(forAda.email, ada.email);
    assert.equal(forBob.email, bob.email);
    assert.notEqual(forAda.id, forBob.id);
  });

  await step.step("answers 401 without a token", async () => {
    const res = await app.request("/api/auth/me");
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("www-authenticate"), "Bearer");
    assert.equal((await errorOf(res)).code, 401);
  });

  const refused = async (token: string) =>
    (await app.request("/api/auth/me", { headers: bearer(token) })).status;

  await step.step("refuses a tampered, unsigned, foreign-key or expired token", async () => {
    const [head, body, sig] = ada.token.split(".");
    const claims = JSON.parse(atob(body.replace(/-/g, "+").replace(/_/g, "/")));
    const forged = btoa(JSON.stringify({ ...claims, sub: bob.id })).replace(/=+$/, "");
    assert.equal(await refused(`${head}.${forged}.${sig}`), 401);

    const none = new UnsecuredJWT({}).setSubject(ada.id).setIssuedAt().setExpirationTime("1h")
      .encode();
    assert.equal(await refused(none), 401);

    const otherKey = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(ada.id)
      .setIssuedAt().setExpirationTime("1h").sign(new TextEncoder().encode("x".repeat(40)));
    assert.equal(await refused(otherKey), 401);

    const { privateKey } = await crypto.subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    );
    const rs = await new SignJWT({}).setProtectedHeader({ alg: "RS256" }).setSubject(ada.id)
      .setIssuedAt().setExpirationTime("1h").sign(privateKey);
    assert.equal(await refused(rs), 401);

    const expired = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(ada.id)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(
        Math.floor(Date.now() / 1000) - 3600,
      ).sign(new TextEncoder().encode(TEST_JWT_SECRET));
    assert.equal(await refused(expired), 401);
  });

  await step.step(
    "answers 401, never 500, to a well-signed token whose sub is no uuid",
    async () => {
      const sign = (sub: string) =>
        new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(sub)
          .setJti(crypto.randomUUID()).setIssuedAt().setExpirationTime("1h")
          .sign(new TextEncoder().encode(TEST_JWT_SECRET));
      for (const sub of ["not-a-uuid", `${ada.id}\u0000`, ""]) {
        const token = await sign(sub);
        assert.equal(await refused(token), 401, JSON.stringify(sub));
        const page = await app.request("/", { headers: { cookie: `session=${token}` } });
        assert.equal(page.status, 303, "the dashboard sends the visitor to sign in");
        assert.match(page.headers.get("location") ?? "", /^\/login/);
      }
    },
  );
});

Deno.test("[http] POST /api/auth/logout revokes the token on every instance", async (step) => {
  const ada = await registerAndSignIn(app);
  const other = await postJson("/api/auth/token", {
    email: ada.email,
    password: "correct horse battery",
  });
  const otherToken = (await other.json()).access_token;
  // A second instance of the app over the same database, whose session cache runs on a clock
  // the test moves.
  let now = 0;
  const ttlMs = t.services.config.sessionCacheSeconds * 1000;
  const instance2 = await createApp({
    ...createServices(t.services.config, t.db, undefined),
    sessions: new SessionCache({ ttlMs, maxEntries: 100, now: () => now }),
  }, { bundle: false });

  await step.step(
    "a signed-out bearer answers 401 here at once, and on the other instance within the cache bound",
    async () => {
      const before = await instance2.request("/api/auth/me", { headers: bearer(ada.token) });
      assert.equal(before.status, 200, "the other instance knows the user");
      await before.body?.cancel();
      const res = await app.request("/api/auth/logout", {
        method: "POST",
        headers: bearer(ada.token),
      });
      assert.equal(res.status, 204);
      const here = await app.request("/api/auth/me", { headers: bearer(ada.token) });
      assert.equal(here.status, 401);
      assert.equal((await errorOf(here)).code, 401);
      now += ttlMs;
      const there = await instance2.request("/api/auth/me", { headers: bearer(ada.token) });
      assert.equal(there.status, 401);
      assert.equal((await errorOf(there)).code, 401);
    },
  );

  await step.step("the user's other sessions go on", async () => {
    const me = await app.request("/api/auth/me", { headers: bearer(otherToken) });
    assert.equal(me.status, 200);
    assert.equal((await me.json()).email, ada.email);
  });

  await step.step(
    "the denylist keeps a row until the token's expiry, and sweeps expired ones",
    async () => {
      await t.db.query(
        "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, now() - interval '1 second')",
        [crypto.randomUUID()],
      );
      const res = await app.request("/api/auth/logout", {
        method: "POST",
        headers: bearer(otherToken),
      });
      assert.equal(res.status, 204);
      const [{ expired }] = await t.db.query<{ expired: number }>(
        "SELECT count(*)::int AS expired FROM revoked_tokens WHERE expires_at <= now()",
      );
      assert.equal(expired, 0);
      const payload = JSON.parse(
        atob(otherToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")),
      );
      const [row] = await t.db.query<{ expires_at: Date }>(
        "SELECT expires_at FROM revoked_tokens WHERE jti = $1",
        [payload.jti],
      );
      assert.equal(new Date(row.expires_at).getTime(), payload.exp * 1000);
    },
  );

  await step.step("signing out without a session is not an error", async () => {
    const res = await app.request("/api/auth/logout", { method: "POST" });
    assert.equal(res.status, 204);
  });
});

Deno.test("[http] browser sessions", async (step) => {
  const email = uniqueEmail();
  await postJson("/api/auth/register", { email, password: "browser-pass" });
  let cookie = "";

  await step.step("the login form sets an HttpOnly SameSite=Lax session cookie", async () => {
    const res = await postForm("/login?next=/somewhere", { email, password: "browser-pass" });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/somewhere");
    const setCookie = res.headers.get("set-cookie") ?? "";
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    assert.doesNotMatch(setCookie, /Secure/);
    cookie = setCookie.split(";")[0];
  });

  await step.step("the cookie authenticates API reads", async () => {
    const res = await app.request("/api/auth/me", { headers: { cookie } });
    assert.equal((await res.json()).email, email);
  });

  await step.step("a cross-site write riding on the cookie is refused", async () => {
    const res = await app.request("/api/auth/logout", {
      method: "POST",
      headers: { cookie, origin: "https://evil.example" },
    });
    assert.equal(res.status, 403);
    assert.equal((await errorOf(res)).code, 403);
  });

  await step.step("a wrong password re-renders the form with a message", async () => {
    const res = await postForm("/login", { email, password: "nope" });
    assert.equal(res.status, 401);
    assert.match(await res.text(), /Incorrect email or password/);
  });

  await step.step("a NUL byte in the email re-renders the form with a 422, never 500", async () => {
    const res = await postForm("/login", { email: `${email}\u0000`, password: "browser-pass" });
    assert.equal(res.status, 422);
    const html = await res.text();
    assert.match(html, /id="email-error"[^>]*>Enter a valid email address/);
    assert.ok(html.includes(`value="${email}"`), "the typed email is shown again, cleaned");
  });

  await step.step(
    "the sign-in and registration pages pass a safe next= on, never another",
    async () => {
      for (const [page, other] of [["/login", "/register"], ["/register", "/login"]]) {
        const kept = await (await app.request(`${page}?next=%2Fsyncs%2Fx`)).text();
        assert.ok(kept.includes(`href="${other}?next=%2Fsyncs%2Fx"`), page);
        const dropped = await (await app.request(`${page}?next=%2F%2Fevil.example`)).text();
        assert.ok(dropped.includes(`href="${other}"`), page);
        assert.doesNotMatch(dropped, /evil\.example/);
        const again = await postForm(`${page}?next=%2Fsyncs%2Fx`, { email: "x", password: "" });
        assert.equal(again.status, 422);
        assert.ok((await again.text()).includes(`href="${other}?next=%2Fsyncs%2Fx"`), page);
      }
    },
  );

  await step.step("the register form shows a field error next to the field", async () => {
    const res = await postForm("/register", { email: uniqueEmail(), password: "short" });
    assert.equal(res.status, 422);
    assert.match(await res.text(), /id="password-error"[^>]*>Password must be at least 8/);
  });

  await step.step("sign-out from a page clears the cookie and goes to /login", async () => {
    const res = await app.request("/api/auth/logout", {
      method: "POST",
      headers: { cookie, origin: "http://localhost", accept: "text/html" },
    });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/login");
    assert.match(res.headers.get("set-cookie") ?? "", /Max-Age=0/);
  });

  await step.step("the signed-out cookie, replayed, signs nobody in", async () => {
    const me = await app.request("/api/auth/me", { headers: { cookie } });
    assert.equal(me.status, 401);
    await me.body?.cancel();
    const page = await app.request("/", { headers: { cookie } });
    assert.equal(page.status, 303);
    assert.match(page.headers.get("location") ?? "", /^\/login/);
  });

  await step.step("an HTTPS deployment marks the cookie Secure and __Host-", async () => {
    const res = await app.request("https://localhost/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, password: "browser-pass" }),
    }, fromAddress(uniqueAddress()));
    const setCookie = res.headers.get("set-cookie") ?? "";
    assert.match(setCookie, /^__Host-session=/);
    assert.match(setCookie, /Secure/);
  });
});

Deno.test("[http] pages", async (step) => {
  await step.step("the login page renders for anonymous visitors", async () => {
    const res = await app.request("/login");
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<label for="email">Email<\/label>/);
    assert.match(html, /Password/);
    assert.match(html, /Sign in<\/button>/);
  });

  await step.step("the dashboard sends anonymous visitors to /login", async () => {
    const res = await app.request("/");
    assert.equal(res.status, 303);
    assert.match(res.headers.get("location") ?? "", /^\/login/);
  });
});
