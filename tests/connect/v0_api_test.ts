/**
 * `/api/v0` driven the way the original frontend drives it (its calls, payloads and the fields it
 * reads), end to end through the sandbox. The browser Google sends back is a cookie-less one that
 * holds only the cookie the bearer-started OAuth start set, as when the frontend keeps its token in
 * localStorage and navigates to Google.
 */
import assert from "node:assert/strict";
import { consent, newGoogleAccount, openApp, openWorld } from "./_helpers.ts";
import { jarBrowser } from "./_jar.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openWorld();
const app = await openApp(world.services);
const ORIGIN = world.services.config.apiUrl;
const PASSWORD = "correct horse battery";

/** A request as the frontend's axios makes it: JSON, with the bearer from localStorage. */
async function call(path: string, init: RequestInit & { token?: string } = {}) {
  const headers = new Headers(init.headers);
  headers.set("accept", "application/json, text/plain, */*");
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  return await app.request(`${ORIGIN}/api/v0${path}`, { ...init, headers });
}

async function json(res: Response, status: number) {
  assert.equal(res.status, status, `answered ${res.status}`);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  return await res.json();
}

/** Adds a timed event tomorrow to a sandbox calendar, through the Calendar API. */
async function addEvent(googleEmail: string, calendarId: string, summary: string) {
  const start = new Date(Date.now() + 86_400_000);
  const res = await fetch(
    `${world.sandboxUrl}calendar/v3/calendars/${encodeURIComponent(calendarId)}/events`,
    {
      method: "POST",
      headers: {
        authorization: `Bearer ${world.sandbox.issueAccessToken(googleEmail)}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        summary,
        start: { dateTime: start.toISOString() },
        end: { dateTime: new Date(start.getTime() + 3_600_000).toISOString() },
      }),
    },
  );
  assert.equal(res.status, 200);
  await res.body?.cancel();
}

Deno.test("[v0] the original frontend's session, end to end through the sandbox", async (t) => {
  const email = `v0-${crypto.randomUUID()}@cal-sync.test`;
  const sourceGoogle = newGoogleAccount(world, "v0-source");
  const destGoogle = newGoogleAccount(world, "v0-dest");
  let token = "";
  let configId = "";
  let logId = "";
  const calendars: Record<string, { id: string; is_primary: boolean }[]> = {};

  await t.step("register answers the new user", async () => {
    const res = await call("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD, full_name: "Ada" }),
    });
    const user = await json(res, 201);
    assert.deepEqual(Object.keys(user).sort(), ["email", "full_name", "id", "is_active"]);
    assert.equal(user.email, email);
    assert.equal(user.is_active, true);
  });

  await t.step("a taken email answers 400 with detail", async () => {
    const res = await call("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: PASSWORD }),
    });
    assert.deepEqual(await json(res, 400), { detail: "Email already registered" });
  });

  await t.step("token takes the OAuth2 password form", async () => {
    const wrong = await call("/auth/token", {
      method: "POST",
      body: new URLSearchParams({ username: email, password: "wrong password" }),
    });
    assert.deepEqual(await json(wrong, 401), { detail: "Incorrect email or password" });
    assert.equal(wrong.headers.get("www-authenticate"), "Bearer");
    const res = await call("/auth/token", {
      method: "POST",
      body: new URLSearchParams({ username: email, password: PASSWORD }),
    });
    const body = await json(res, 200);
    assert.equal(body.token_type, "bearer");
    token = body.access_token;
  });

  await t.step("me answers the user; without a token 401 with detail", async () => {
    assert.equal((await json(await call("/auth/me", { token }), 200)).email, email);
    assert.deepEqual(await json(await call("/auth/me"), 401), { detail: "Not authenticated" });
  });

  await t.step("status is flat, nothing connected", async () => {
    assert.deepEqual(await json(await call("/oauth/status", { token }), 200), {
      source_connected: false,
      source_email: null,
      destination_connected: false,
      destination_email: null,
    });
  });

  for (const [role, googleEmail] of [["source", sourceGoogle], ["destination", destGoogle]]) {
    await t.step(
      `connects ${role}: bearer start, then a cookie-less browser with its cookie`,
      async () => {
        const start = await call(`/oauth/start/${role}`, { token });
        const { authorization_url } = await json(start, 200);
        const cookie = start.headers.getSetCookie().find((c) => c.startsWith("session="))!;
        assert.match(cookie, /HttpOnly/);
        assert.match(cookie, /SameSite=Lax/);
        const back = await consent(authorization_url, googleEmail);
        const callback = back.pathname + back.search;

        // The state alone is never enough: a browser without the session stores nothing.
        const stranger = jarBrowser(app, ORIGIN);
        assert.equal((await stranger(callback)).status, 401);
        assert.equal(
          (await json(await call("/oauth/status", { token }), 200))[`${role}_connected`],
          false,
        );

        const browser = jarBrowser(app, ORIGIN);
        const [name, value] = cookie.split(";")[0].split("=");
        browser.cookies.set(name, value);
        const res = await browser(callback);
        assert.equal(res.status, 303);
        assert.match(res.headers.get("location")!, /connect=connected/);
      },
    );
  }

  await t.step("status names both accounts", async () => {
    assert.deepEqual(await json(await call("/oauth/status", { token }), 200), {
      source_connected: true,
      source_email: sourceGoogle,
      destination_connected: true,
      destination_email: destGoogle,
    });
  });

  await t.step("calendars list with is_primary", async () => {
    for (const role of ["source", "destination"]) {
      const body = await json(await call(`/calendars/${role}/list`, { token }), 200);
      assert.deepEqual(Object.keys(body), ["calendars"]);
      assert.equal(body.calendars.length, 2);
      assert.deepEqual(Object.keys(body.calendars[0]).sort(), [
        "access_role",
        "description",
        "id",
        "is_primary",
        "summary",
        "time_zone",
      ]);
      assert.equal(body.calendars.filter((c: { is_primary: boolean }) => c.is_primary).length, 1);
      calendars[role] = body.calendars;
    }
  });

  await t.step(
    "create answers the config with sync_direction; bad input 422 as a list",
    async () => {
      const bad = await call("/sync/config", {
        method: "POST",
        token,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ dest_calendar_id: "x" }),
      });
      const { detail } = await json(bad, 422);
      assert.ok(Array.isArray(detail));
      assert.deepEqual(detail[0].loc, ["body", "source_calendar_id"]);
      assert.equal(typeof detail[0].msg, "string");
      assert.equal(detail[0].type, "value_error");

      const source = calendars.source.find((c) => c.is_primary)!;
      const dest = calendars.destination.find((c) => c.is_primary)!;
      await addEvent(sourceGoogle, source.id, "Dentist");
      const res = await call("/sync/config", {
        method: "POST",
        token,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          source_calendar_id: source.id,
          dest_calendar_id: dest.id,
          sync_lookahead_days: 30,
          enable_bidirectional: false,
          privacy_mode_enabled: false,
        }),
      });
      const config = await json(res, 201);
      assert.equal(config.sync_direction, "one_way");
      assert.equal(config.sync_lookahead_days, 30);
      assert.equal(config.is_active, true);
      assert.equal(config.last_synced_at, null);
      configId = config.id;
    },
  );

  await t.step("list is a bare array", async () => {
    const list = await json(await call("/sync/config", { token }), 200);
    assert.ok(Array.isArray(list));
    assert.deepEqual(list.map((c: { id: string }) => c.id), [configId]);
  });

  await t.step("trigger runs it and names its log", async () => {
    const body = await json(
      await call(`/sync/trigger/${configId}`, { method: "POST", token }),
      200,
    );
    assert.equal(typeof body.message, "string");
    logId = body.sync_log_id;
  });

  await t.step("logs are a bare array with completed_at and error_message", async () => {
    const logs = await json(await call(`/sync/logs/${configId}`, { token }), 200);
    assert.ok(Array.isArray(logs));
    assert.equal(logs[0].id, logId);
    assert.equal(logs[0].status, "success");
    assert.equal(logs[0].events_created, 1);
    assert.equal(logs[0].error_message, null);
    assert.ok(Date.parse(logs[0].completed_at) >= Date.parse(logs[0].started_at));
  });

  await t.step("another user's config answers 404 with detail", async () => {
    const other = `v0-other-${crypto.randomUUID()}@cal-sync.test`;
    await call("/auth/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: other, password: PASSWORD }),
    });
    const otherToken = (await json(
      await call("/auth/token", {
        method: "POST",
        body: new URLSearchParams({ username: other, password: PASSWORD }),
      }),
      200,
    )).access_token;
    for (const [method, path] of [["GET", "logs"], ["POST", "trigger"], ["DELETE", "config"]]) {
      const res = await call(`/sync/${path}/${configId}`, { method, token: otherToken });
      assert.equal(typeof (await json(res, 404)).detail, "string");
    }
  });

  await t.step("delete answers 204, and the list is empty", async () => {
    const res = await call(`/sync/config/${configId}`, { method: "DELETE", token });
    assert.equal(res.status, 204);
    assert.equal(await res.text(), "");
    assert.deepEqual(await json(await call("/sync/config", { token }), 200), []);
  });
});

Deno.test("[v0] GET /oauth/start/register signs up with Google and hands the token on", async () => {
  const googleEmail = newGoogleAccount(world, "v0-signup");
  const browser = jarBrowser(app, ORIGIN);
  const start = await browser("/api/v0/oauth/start/register", {
    headers: { accept: "application/json, text/plain, */*" },
  });
  const { authorization_url } = await json(start, 200);
  assert.deepEqual(new URL(authorization_url).searchParams.get("scope")!.split(" ").sort(), [
    "email",
    "openid",
  ]);
  const back = await consent(authorization_url, googleEmail);
  const res = await browser(back.pathname + back.search);
  assert.equal(res.status, 303);
  const to = new URL(res.headers.get("location")!);
  assert.equal(`${to.origin}${to.pathname}`, `${world.services.config.frontendUrl}/dashboard`);
  const token = to.searchParams.get("token")!;
  assert.equal((await json(await call("/auth/me", { token }), 200)).email, googleEmail);
});

Deno.test("[v0] the OpenAPI document tags v0 as the compatibility API", async () => {
  const doc = await json(await app.request(`${ORIGIN}/api/openapi.json`), 200);
  const tag = doc.tags.find((t: { name: string }) => t.name.startsWith("v0"));
  assert.match(tag.description, /compatibility API/);
  const v0Paths = Object.keys(doc.paths).filter((p) => p.startsWith("/api/v0/"));
  assert.ok(v0Paths.length >= 10, `${v0Paths.length} v0 paths`);
  for (const path of v0Paths) {
    for (const op of Object.values(doc.paths[path]) as { tags: string[] }[]) {
      assert.deepEqual(op.tags, [tag.name], path);
    }
  }
  assert.ok(doc.paths["/api/sync/config"].get.tags.includes("sync"), "/api keeps its tags");
});

Deno.test("[v0] GET /oauth/callback passes Google's answer on to its flow's callback", async () => {
  const bad = await call("/oauth/callback?state=forged&code=x");
  assert.deepEqual(await json(bad, 400), { detail: "Invalid state token" });
  const signIn = await call(`/oauth/callback?state=${crypto.randomUUID()}&code=x`);
  assert.equal(signIn.status, 307);
  assert.match(signIn.headers.get("location")!, /^\/api\/auth\/google\/callback\?state=/);
  const connect = await call("/oauth/callback?state=aaaaaaaa.bbbbbbbb.cccc&code=x");
  assert.equal(connect.status, 307);
  assert.match(connect.headers.get("location")!, /^\/api\/oauth\/callback\?state=aaaaaaaa/);
});

closesTheFile("[v0] tests close their world", () => world.close());
