import assert from "node:assert/strict";
import { SignJWT, UnsecuredJWT } from "jose";
import {
  bearer,
  openTestApp,
  registerAndSignIn,
  TEST_JWT_SECRET,
  uniqueEmail,
} from "../_helpers.ts";

const t = await openTestApp();
const { app } = t;

const postJson = (path: string, body: unknown, headers: HeadersInit = {}) =>
  app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

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
    });
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

  await step.step(
    "answers 429 with Retry-After after repeated failures for one email",
    async () => {
      const target = uniqueEmail();
      await postJson("/api/auth/register", { email: target, password: "right-pass" });
      for (let i = 0; i < 5; i++) {
        assert.equal(
          (await postJson("/api/auth/token", { email: target, password: "no" })).status,
          401,
        );
      }
      const limited = await postJson("/api/auth/token", { email: target, password: "right-pass" });
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get("retry-after")) > 0);
      assert.equal((await errorOf(limited)).code, 429);
    },
  );

  await step.step("answers 429 per client address, read behind a trusted proxy only", async () => {
    const proxied = await openTestApp({ env: { TRUST_PROXY: "1" } });
    try {
      const limiter = proxied.services.loginFailuresByIp;
      const client = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
      for (let i = 0; i < limiter.maxFailures; i++) await limiter.fail(client);
      const tryFrom = (app: typeof proxied.app, forwardedFor: string) =>
        app.request("/api/auth/token", {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor },
          body: JSON.stringify({ email: uniqueEmail(), password: "x" }),
        });
      // The proxy appends the address it saw; whatever the client put before it is ignored.
      assert.equal((await tryFrom(proxied.app, `198.51.100.7, ${client}`)).status, 429);
      assert.equal((await tryFrom(proxied.app, `${client}, 198.51.100.7`)).status, 401);
      // Without a trusted proxy the header is the client's word, and counts for nothing.
      assert.equal((await tryFrom(app, client)).status, 401);
      await limiter.clear(client);
      await limiter.clear("198.51.100.7");
    } finally {
      await proxied.close();
    }
  });
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
});

Deno.test("[http] browser sessions", async (step) => {
  const email = uniqueEmail();
  await postJson("/api/auth/register", { email, password: "browser-pass" });
  let cookie = "";

  await step.step("the login form sets an HttpOnly SameSite=Lax session cookie", async () => {
    const res = await app.request("/login?next=/somewhere", {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "http://localhost",
      },
      body: new URLSearchParams({ email, password: "browser-pass" }),
    });
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
    const res = await app.request("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, password: "nope" }),
    });
    assert.equal(res.status, 401);
    assert.match(await res.text(), /Incorrect email or password/);
  });

  await step.step("the register form shows a field error next to the field", async () => {
    const res = await app.request("/register", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: uniqueEmail(), password: "short" }),
    });
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

  await step.step("an HTTPS deployment marks the cookie Secure and __Host-", async () => {
    const res = await app.request("https://localhost/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, password: "browser-pass" }),
    });
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

Deno.test({
  name: "[http] close",
  fn: () => t.close(),
  sanitizeResources: false,
  sanitizeOps: false,
});
