/**
 * Changing and resetting a password, with the reset email read off a real SMTP server: the link
 * works once and for 30 minutes, the answer never says whether an email is registered, and a
 * change or a reset signs every other session out — on another instance within
 * SESSION_CACHE_SECONDS.
 */
import assert from "node:assert/strict";
import { confirmPasswordReset, resetEmailsSent } from "@/lib/auth/password_reset.ts";
import { issueToken } from "@/lib/auth/jwt.ts";
import { openDb } from "@/lib/db/mod.ts";
import { createGoogleUser } from "@/lib/db/users.ts";
import { createServices } from "@/lib/services.ts";
import { createApp } from "@/main.ts";
import {
  bearer,
  closesTheFile,
  fromAddress,
  openTestApp,
  registerAndSignIn,
  TEST_JWT_SECRET,
  testDatabaseUrl,
  uniqueAddress,
  uniqueEmail,
} from "../_helpers.ts";
import { pathOf, startSmtp } from "./_smtp.ts";

const CACHE_SECONDS = 1;
const smtp = await startSmtp();
const t = await openTestApp({
  env: { SMTP_URL: smtp.url, SESSION_CACHE_SECONDS: String(CACHE_SECONDS) },
});
// A second instance on the same database: its own session cache, its own pool on PostgreSQL.
const db2 = testDatabaseUrl().startsWith("postgres") ? await openDb(testDatabaseUrl()) : t.db;
const other = await createApp(createServices(t.services.config, db2, undefined), {
  bundle: false,
});

const json = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

async function signInAgain(email: string, password: string): Promise<string> {
  const res = await t.app.request(
    "/api/auth/token",
    json({ email, password }),
    fromAddress(uniqueAddress()),
  );
  assert.equal(res.status, 200);
  return (await res.json()).access_token;
}

async function me(app: typeof t.app, token: string): Promise<number> {
  const res = await app.request("/api/auth/me", { headers: bearer(token) });
  await res.body?.cancel();
  return res.status;
}

async function askReset(email: string, address = uniqueAddress()): Promise<number> {
  const res = await t.app.request(
    "/api/auth/password-reset",
    json({ email }),
    fromAddress(address),
  );
  await res.body?.cancel();
  await resetEmailsSent();
  return res.status;
}

/** The reset link's token from the email just sent to `email`. */
async function resetToken(email: string): Promise<string> {
  const mail = await smtp.next(email);
  assert.match(mail.subject, /Reset your cal-sync password/);
  const link = mail.links.find((l) => l.includes("/password-reset/confirm?token="));
  assert.ok(link, mail.text);
  return new URL(link).searchParams.get("token")!;
}

Deno.test("a password change needs the current password and signs the other sessions out", async () => {
  const { email, token: first } = await registerAndSignIn(t.app);
  const second = await signInAgain(email, "correct horse battery");

  const wrong = await t.app.request("/api/auth/password", {
    ...json({ current_password: "not it", new_password: "a brand new password" }),
    headers: { "content-type": "application/json", ...bearer(first) },
  }, fromAddress(uniqueAddress()));
  assert.equal(wrong.status, 422);
  assert.equal(
    (await wrong.json()).error.fields.current_password,
    "The current password is not right",
  );
  assert.equal(await me(t.app, second), 200, "a refused change changes nothing");

  const changed = await t.app.request("/api/auth/password", {
    ...json({ current_password: "correct horse battery", new_password: "a brand new password" }),
    headers: { "content-type": "application/json", ...bearer(first) },
  }, fromAddress(uniqueAddress()));
  assert.equal(changed.status, 200);
  const { access_token: third } = await changed.json();
  assert.equal(await me(t.app, first), 401, "the session that changed it gets a new token");
  assert.equal(await me(t.app, second), 401, "other sessions are signed out");
  assert.equal(await me(t.app, third), 200);

  const old = await t.app.request(
    "/api/auth/token",
    json({ email, password: "correct horse battery" }),
    fromAddress(uniqueAddress()),
  );
  await old.body?.cancel();
  assert.equal(old.status, 401);
  assert.ok(await signInAgain(email, "a brand new password"));
});

Deno.test("the change-password page keeps the visitor signed in with a new cookie", async () => {
  const { email, token } = await registerAndSignIn(t.app);
  const other = await signInAgain(email, "correct horse battery");
  const form = new URLSearchParams({
    current_password: "correct horse battery",
    new_password: "changed on the page",
  });
  const res = await t.app.request("/account/password", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: `session=${token}`,
      origin: "http://localhost",
    },
    body: form,
  }, fromAddress(uniqueAddress()));
  await res.body?.cancel();
  assert.equal(res.status, 303);
  assert.equal(res.headers.get("location"), "/account?notice=password_changed");
  const cookie = res.headers.get("set-cookie")!.match(/session=([^;]+)/)![1];
  assert.equal(await me(t.app, cookie), 200);
  assert.equal(await me(t.app, other), 401);
  const page = await t.app.request("/account?notice=password_changed", {
    headers: { cookie: `session=${cookie}` },
  });
  assert.match(await page.text(), /Password changed/);
});

Deno.test("a reset link signs every session out, here at once and on another instance within the cache bound", async () => {
  const { email, token: old } = await registerAndSignIn(t.app);
  // The other instance has a fresh verdict on the old token: it believes it for up to the bound.
  assert.equal(await me(other, old), 200);

  assert.equal(await askReset(email), 202);
  const token = await resetToken(email);
  const res = await t.app.request(
    "/api/auth/password-reset/confirm",
    json({ token, password: "reset to something new" }),
  );
  assert.equal(res.status, 200);
  const resetAt = performance.now();
  const { access_token: fresh } = await res.json();

  assert.equal(await me(t.app, old), 401, "refused at once on the instance that reset");
  let refusedAfter = Infinity;
  while (performance.now() - resetAt < (CACHE_SECONDS + 2) * 1000) {
    if (await me(other, old) === 401) {
      refusedAfter = performance.now() - resetAt;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(
    refusedAfter <= CACHE_SECONDS * 1000 + 250,
    `the other instance refused the old session after ${refusedAfter} ms`,
  );
  assert.equal(await me(other, fresh), 200);
  assert.ok(await signInAgain(email, "reset to something new"));
});

Deno.test("a reset link works once", async () => {
  const { email } = await registerAndSignIn(t.app);
  assert.equal(await askReset(email), 202);
  const token = await resetToken(email);
  const first = await t.app.request(
    "/api/auth/password-reset/confirm",
    json({ token, password: "first new password" }),
  );
  await first.body?.cancel();
  assert.equal(first.status, 200);
  const again = await t.app.request(
    "/api/auth/password-reset/confirm",
    json({ token, password: "second new password" }),
  );
  assert.equal(again.status, 410);
  assert.match((await again.json()).error.message, /expired or was already used/);
  assert.ok(await signInAgain(email, "first new password"));
});

Deno.test("a reset link expires after 30 minutes, and a newer password ends older links", async () => {
  const { email } = await registerAndSignIn(t.app);
  assert.equal(await askReset(email), 202);
  const late = await resetToken(email);
  await assert.rejects(
    confirmPasswordReset(t.services, late, "too late now", new Date(Date.now() + 31 * 60_000)),
    /expired or was already used/,
  );
  // Just inside the 30 minutes it still works.
  assert.equal(await askReset(email), 202);
  const inTime = await resetToken(email);
  await confirmPasswordReset(
    t.services,
    inTime,
    "just in time",
    new Date(Date.now() + 29 * 60_000),
  );
  // Setting a password ends the links not yet used: the first one is spent now too.
  const res = await t.app.request(
    "/api/auth/password-reset/confirm",
    json({ token: late, password: "never this one" }),
  );
  await res.body?.cancel();
  assert.equal(res.status, 410);
});

Deno.test("a reset request answers 202 for an unknown email and sends nothing", async () => {
  const stranger = uniqueEmail("nobody");
  assert.equal(await askReset(stranger), 202);
  assert.equal(smtp.received.filter((m) => m.to === stranger).length, 0);
  const malformed = await t.app.request("/api/auth/password-reset", json({ email: "nope" }));
  await malformed.body?.cancel();
  assert.equal(malformed.status, 422);
});

Deno.test("reset requests are limited per email, registered or not, and per address", async () => {
  for (const email of [uniqueEmail("limited"), (await registerAndSignIn(t.app)).email]) {
    for (let i = 0; i < 3; i++) assert.equal(await askReset(email), 202);
    const res = await t.app.request(
      "/api/auth/password-reset",
      json({ email }),
      fromAddress(uniqueAddress()),
    );
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get("retry-after")) > 0);
    await res.body?.cancel();
  }
  const address = uniqueAddress();
  for (let i = 0; i < 20; i++) assert.equal(await askReset(uniqueEmail("spray"), address), 202);
  assert.equal(await askReset(uniqueEmail("spray"), address), 429);
});

Deno.test("the reset pages: sign-in links to them, the link's page sets the password and signs in", async () => {
  const login = await (await t.app.request("/login")).text();
  assert.match(login, /href="\/password-reset"/);
  const { email } = await registerAndSignIn(t.app);
  const ask = await t.app.request("/password-reset", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email }),
  }, fromAddress(uniqueAddress()));
  assert.equal(ask.status, 200);
  assert.match(await ask.text(), /a link to choose a new password is on its/);
  await resetEmailsSent();
  const mail = await smtp.next(email);
  const link = mail.links.find((l) => l.includes("/password-reset/confirm"))!;
  assert.ok(link.startsWith(t.services.config.apiUrl));

  const form = await (await t.app.request(pathOf(link))).text();
  const token = form.match(/name="token" value="([^"]+)"/)![1];
  const set = await t.app.request("/password-reset/confirm", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, password: "set on the page" }),
  });
  await set.body?.cancel();
  assert.equal(set.status, 303);
  assert.equal(set.headers.get("location"), "/account?notice=password_reset");
  const cookie = set.headers.get("set-cookie")!.match(/session=([^;]+)/)![1];
  assert.equal(await me(t.app, cookie), 200);

  const reused = await t.app.request("/password-reset/confirm", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, password: "set on the page again" }),
  });
  assert.equal(reused.status, 410);
  assert.match(await reused.text(), /expired or was already used/);
});

Deno.test("an account that signs in with Google only sets a password by a reset link, not by a change", async () => {
  const email = uniqueEmail("google");
  const user = (await createGoogleUser(t.db, email, crypto.randomUUID()))!;
  const token = await issueToken(user.id, TEST_JWT_SECRET);
  const change = await t.app.request("/api/auth/password", {
    ...json({ current_password: "anything at all", new_password: "a password at last" }),
    headers: { "content-type": "application/json", ...bearer(token) },
  }, fromAddress(uniqueAddress()));
  assert.equal(change.status, 422);
  await change.body?.cancel();
  assert.equal(await askReset(email), 202);
  const res = await t.app.request(
    "/api/auth/password-reset/confirm",
    json({ token: await resetToken(email), password: "a password at last" }),
  );
  await res.body?.cancel();
  assert.equal(res.status, 200);
  assert.ok(await signInAgain(email, "a password at last"));
});

closesTheFile("password reset tests close their app and mail server", async () => {
  t.services.mailer.close();
  if (db2 !== t.db) await db2.close();
  await t.close();
  await smtp.close();
});
