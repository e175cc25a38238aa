/**
 * The signed-in user comes from the verified token and a verdict of the last few seconds
 * (lib/auth/session_cache.ts): what that spares, and how late each way of ending a session is
 * seen, on the instance that ended it and on another one over the same database.
 */
import assert from "node:assert/strict";
import { signOutEverywhere } from "@/lib/auth/accounts.ts";
import { SessionCache } from "@/lib/auth/session_cache.ts";
import type { Db } from "@/lib/db/mod.ts";
import { bumpSessionVersion } from "@/lib/db/users.ts";
import { createServices, type Services } from "@/lib/services.ts";
import { createApp } from "@/main.ts";
import { bearer, fromAddress, openTestApp, registerAndSignIn, uniqueAddress } from "../_helpers.ts";

const t = await openTestApp();
const TTL_MS = t.services.config.sessionCacheSeconds * 1000;

/**
 * One instance of the app over the test database, with its own session cache on a clock the
 * test moves, and a count of the session reads it makes.
 */
async function instance() {
  const clock = { now: 0 };
  const counts = { sessionReads: 0 };
  const db: Db = {
    ...t.db,
    query(sql, params) {
      if (sql.includes("FROM revoked_tokens WHERE jti")) counts.sessionReads++;
      return t.db.query(sql, params);
    },
  };
  const services: Services = {
    ...createServices(t.services.config, db, undefined),
    sessions: new SessionCache({ ttlMs: TTL_MS, maxEntries: 100, now: () => clock.now }),
  };
  const app = await createApp(services, { bundle: false });
  const me = async (token: string) => {
    const res = await app.request("/api/auth/me", { headers: bearer(token) });
    await res.body?.cancel();
    return res.status;
  };
  return { app, services, clock, counts, me };
}

Deno.test("[http] the session cache is on by default, for a few seconds", () => {
  assert.ok(TTL_MS >= 1000 && TTL_MS <= 10_000, `${TTL_MS} ms`);
});

Deno.test("[http] GET /api/auth/me reads the user once per token within the cache bound", async () => {
  const a = await instance();
  const ada = await registerAndSignIn(a.app);
  const before = a.counts.sessionReads;
  for (let i = 0; i < 10; i++) assert.equal(await a.me(ada.token), 200);
  const statuses = await Promise.all(Array.from({ length: 10 }, () => a.me(ada.token)));
  assert.deepEqual(new Set(statuses), new Set([200]));
  assert.equal(a.counts.sessionReads - before, 1);

  a.clock.now += TTL_MS;
  assert.equal(await a.me(ada.token), 200);
  assert.equal(a.counts.sessionReads - before, 2, "a verdict past the bound is read again");

  const body = await (await a.app.request("/api/auth/me", { headers: bearer(ada.token) })).json();
  assert.deepEqual(Object.keys(body).sort(), ["created_at", "email", "id"], "no session version");
  assert.equal(body.id, ada.id);
  assert.equal(body.email, ada.email);
});

Deno.test("[http] a deleted user is refused within the cache bound", async () => {
  const [a, b] = [await instance(), await instance()];
  const ada = await registerAndSignIn(a.app);
  assert.equal(await a.me(ada.token), 200);
  await t.db.query("DELETE FROM users WHERE id = $1", [ada.id]);

  assert.equal(await b.me(ada.token), 401, "an instance without a verdict refuses at once");
  a.clock.now += TTL_MS - 1;
  assert.equal(await a.me(ada.token), 200, "a verdict is believed until the bound");
  a.clock.now += 1;
  assert.equal(await a.me(ada.token), 401);
});

Deno.test("[http] a session-version bump (a password reset) refuses older tokens", async (step) => {
  const [a, b] = [await instance(), await instance()];
  const ada = await registerAndSignIn(a.app);
  assert.equal(await a.me(ada.token), 200);
  assert.equal(await b.me(ada.token), 200);

  await step.step("on another instance within the cache bound", async () => {
    assert.equal(await bumpSessionVersion(t.db, ada.id), 1);
    a.clock.now += TTL_MS;
    assert.equal(await a.me(ada.token), 401);
  });

  let token = "";
  await step.step("a new sign-in carries the new version and is accepted", async () => {
    const res = await a.app.request("/api/auth/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: ada.email, password: "correct horse battery" }),
    }, fromAddress(uniqueAddress()));
    token = (await res.json()).access_token;
    assert.equal(await a.me(token), 200);
    assert.equal(await b.me(token), 200);
  });

  await step.step("signOutEverywhere() ends it at once on its own instance", async () => {
    assert.equal(await signOutEverywhere(b.services, ada.id), 2);
    assert.equal(await b.me(token), 401);
    a.clock.now += TTL_MS;
    assert.equal(await a.me(token), 401);
  });
});

Deno.test("[http] POST /api/auth/logout revokes at once on the same instance", async () => {
  const [a, b] = [await instance(), await instance()];
  const ada = await registerAndSignIn(a.app);
  const other = await registerAndSignIn(a.app, ada.email.replace("@", "+2@"));
  for (const i of [a, b]) {
    assert.equal(await i.me(ada.token), 200);
    assert.equal(await i.me(other.token), 200);
  }
  const res = await a.app.request("/api/auth/logout", {
    method: "POST",
    headers: bearer(ada.token),
  });
  assert.equal(res.status, 204);
  assert.equal(await a.me(ada.token), 401, "the instance that signed out forgets its verdict");
  assert.equal(await a.me(other.token), 200, "another user's session is untouched");
  b.clock.now += TTL_MS;
  assert.equal(await b.me(ada.token), 401, "another instance within the bound");
  assert.equal(await b.me(other.token), 200);
});
