import assert from "node:assert/strict";
import { decryptToken, loadKeyRing } from "@/lib/crypto/tokens.ts";
import { deleteCalendars } from "@/lib/db/calendars.ts";
import { getAccountByRole } from "@/lib/db/google_accounts.ts";
import type { User } from "@/lib/db/users.ts";
import {
  anonymousOf,
  authorizationUrl,
  browserOf,
  type Client,
  connect,
  consent,
  newGoogleAccount,
  newUser,
  openApp,
  openWorld,
  sandboxRefresh,
} from "./_helpers.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openWorld();
const app = await openApp(world.services);

type AccountType = "source" | "destination";

async function storedRefreshToken(user: User, accountType: AccountType): Promise<string> {
  const row = (await getAccountByRole(world.db, user.id, accountType))!;
  const ring = await loadKeyRing(world.services.config.encryptionKeys);
  return await decryptToken(ring, row.refresh_token_enc, {
    userId: user.id,
    label: row.token_label,
    field: "refresh_token",
  });
}

async function status(browser: Client) {
  const res = await browser("/api/oauth/status");
  assert.equal(res.status, 200);
  return await res.json();
}

Deno.test("[http] GET /api/oauth/start/{account_type}", async (t) => {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);

  await t.step(
    "redirects a browser to Google's consent page with PKCE and offline access",
    async () => {
      const res = await browser("/api/oauth/start/source", { headers: { accept: "text/html" } });
      assert.equal(res.status, 302);
      const location = new URL(res.headers.get("location")!);
      assert.equal(location.origin + location.pathname, `${world.sandboxUrl}o/oauth2/v2/auth`);
      const q = location.searchParams;
      assert.equal(q.get("redirect_uri"), "http://app.test/api/oauth/callback");
      assert.equal(q.get("access_type"), "offline");
      assert.equal(q.get("prompt"), "consent");
      assert.equal(q.get("include_granted_scopes"), "true");
      assert.equal(q.get("code_challenge_method"), "S256");
      assert.ok(q.get("code_challenge"));
      assert.deepEqual(q.get("scope")!.split(" ").sort(), [
        "email",
        "https://www.googleapis.com/auth/calendar",
        "openid",
      ]);
      assert.ok(q.get("state")!.length > 20);
    },
  );

  await t.step("answers JSON to a client that asks for it", async () => {
    assert.match(await authorizationUrl(browser, "destination"), /^http:\/\/127\.0\.0\.1:\d+\/o\//);
  });

  await t.step("serves 422 for an unknown account type", async () => {
    const res = await browser("/api/oauth/start/calendar");
    assert.equal(res.status, 422);
    assert.match(res.headers.get("content-type")!, /application\/json/);
    assert.ok((await res.json()).error.fields.account_type);
  });

  await t.step("serves 401 if not signed in", async () => {
    const res = await anonymousOf(app, world)("/api/oauth/start/source");
    assert.equal(res.status, 401);
    await res.body?.cancel();
  });
});

Deno.test("[http] connecting both accounts stores them, shows them and lists their calendars", async () => {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);
  const source = newGoogleAccount(world, "src");
  const destination = newGoogleAccount(world, "dst");

  for (const [accountType, email] of [["source", source], ["destination", destination]] as const) {
    const dashboard = await connect(browser, accountType, email);
    assert.equal(dashboard.pathname, "/");
    assert.equal(dashboard.searchParams.get("connect"), "connected");
    assert.equal(dashboard.searchParams.get("account"), accountType);
  }

  const body = await status(browser);
  assert.equal(body.source.connected, true);
  assert.equal(body.source.email, source);
  assert.equal(body.source.status, "ok");
  assert.ok(!Number.isNaN(Date.parse(body.source.connected_at)));
  assert.equal(body.destination.email, destination);
  assert.ok(!JSON.stringify(body).includes("token"), "status never carries a token");

  const res = await browser("/api/calendars/destination/list");
  assert.equal(res.status, 200);
  const list = await res.json();
  assert.equal(list.stale, false);
  assert.deepEqual(list.calendars.map((c: { summary: string }) => c.summary).sort(), [
    "Main",
    "Team",
  ]);
  const main = list.calendars.find((c: { summary: string }) => c.summary === "Main");
  assert.equal(main.primary, true);
  assert.equal(main.access_role, "owner");
  assert.equal(main.writable, true);
  // Read through the calendar list's field mask: every field the pickers show came back.
  assert.ok(main.id);
  assert.match(main.background_color, /^#[0-9a-f]{6}$/i);
  assert.match(main.time_zone, /^[A-Za-z_]+\/[A-Za-z_]+$|^UTC$/);
});

Deno.test("[http] GET /api/oauth/callback refuses a bad state with a 400 page and stores nothing", async (t) => {
  const alice = await newUser(world, "alice");
  const mallory = await newUser(world, "mallory");
  const asAlice = await browserOf(app, world, alice);
  const asMallory = await browserOf(app, world, mallory);
  const google = newGoogleAccount(world, "src");

  async function assertRefused(browser: Client, path: string, message: RegExp) {
    const res = await browser(path);
    assert.equal(res.status, 400);
    assert.match(res.headers.get("content-type")!, /text\/html/);
    assert.match(await res.text(), message);
  }
  const callbackPath = (back: URL, state: string | null) => {
    const q = new URLSearchParams(back.search);
    if (state === null) q.delete("state");
    else q.set("state", state);
    return `/api/oauth/callback?${q}`;
  };

  await t.step("tampered", async () => {
    const back = await consent(await authorizationUrl(asAlice, "source"), google);
    const state = back.searchParams.get("state")!;
    const [header, payload, signature] = state.split(".");
    const forged = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    forged.act = "destination";
    const forgedPayload = btoa(JSON.stringify(forged)).replace(/=+$/, "").replace(/\+/g, "-")
      .replace(/\//g, "_");
    await assertRefused(
      asAlice,
      callbackPath(back, `${header}.${forgedPayload}.${signature}`),
      /not valid/,
    );
    await assertRefused(asAlice, callbackPath(back, `${state}x`), /not valid/);
    await assertRefused(asAlice, callbackPath(back, null), /missing/);
  });

  await t.step("another user's", async () => {
    const back = await consent(await authorizationUrl(asAlice, "destination"), google);
    await assertRefused(asMallory, back.pathname + back.search, /another user/);
    assert.equal((await status(asMallory)).destination.connected, false);
    // The state still belongs to Alice, who can finish.
    const res = await asAlice(back.pathname + back.search);
    assert.equal(res.status, 303);
    assert.equal((await status(asAlice)).destination.email, google);
  });

  await t.step("replayed", async () => {
    const back = await consent(await authorizationUrl(asMallory, "source"), google);
    const first = await asMallory(back.pathname + back.search);
    assert.equal(first.status, 303);
    await asMallory("/api/oauth/source", { method: "DELETE" }).then((r) => r.body?.cancel());
    await assertRefused(asMallory, back.pathname + back.search, /already used or has expired/);
    assert.equal((await status(asMallory)).source.connected, false);
  });

  await t.step("expired", async () => {
    const back = await consent(await authorizationUrl(asMallory, "source"), google);
    await world.db.query(
      "UPDATE oauth_states SET expires_at = now() - interval '1 second' WHERE user_id = $1",
      [mallory.id],
    );
    await assertRefused(asMallory, back.pathname + back.search, /already used or has expired/);
    assert.equal((await status(asMallory)).source.connected, false);
  });

  await t.step("without a session: 401 page", async () => {
    const back = await consent(await authorizationUrl(asMallory, "source"), google);
    const res = await anonymousOf(app, world)(back.pathname + back.search);
    assert.equal(res.status, 401);
    assert.match(await res.text(), /Sign in to finish connecting/);
  });
});

Deno.test("[http] access_denied comes back as a cancelled notice", async () => {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);
  const back = await consent(await authorizationUrl(browser, "destination"), "cancel");
  assert.equal(back.searchParams.get("error"), "access_denied");
  const res = await browser(back.pathname + back.search);
  assert.equal(res.status, 303);
  const dashboard = new URL(res.headers.get("location")!);
  assert.equal(dashboard.searchParams.get("connect"), "cancelled");
  assert.equal(dashboard.searchParams.get("account"), "destination");
  assert.equal((await status(browser)).destination.connected, false);
  const page = await (await browser(dashboard.pathname + dashboard.search)).text();
  assert.match(page, /Connecting the destination account was cancelled; nothing changed\./);
  for (const query of ["?connect=bogus&account=destination", "?connect=cancelled&account=x"]) {
    const edited = await browser(`/${query}`);
    assert.equal(edited.status, 200, query);
    assert.doesNotMatch(await edited.text(), /was cancelled/, query);
  }
});

/** A sync config of the user's two primary calendars, made through the API. */
async function createSync(browser: Client): Promise<string> {
  const calendarOf = async (side: AccountType) => {
    const list = await (await browser(`/api/calendars/${side}/list`)).json();
    return list.calendars.find((c: { primary: boolean }) => c.primary).id;
  };
  const res = await browser("/api/sync/config", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      source_calendar_id: await calendarOf("source"),
      dest_calendar_id: await calendarOf("destination"),
    }),
  });
  assert.equal(res.status, 201);
  return (await res.json()).id;
}

async function syncState(id: string) {
  const [row] = await world.db.query<{ is_active: boolean; paused_reason: string | null }>(
    "SELECT is_active, paused_reason FROM sync_configs WHERE id = $1",
    [id],
  );
  return row;
}

async function trigger(browser: Client, id: string): Promise<string> {
  const res = await browser(`/api/sync/trigger/${id}`, { method: "POST" });
  assert.equal(res.status, 200);
  return (await res.json()).status;
}

const revokeCalls = () => world.sandbox.stats().oauth["POST /revoke"] ?? 0;

Deno.test("[http] a seed connect with another Google account adds it and leaves the connected one untouched", async (t) => {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);
  const source = newGoogleAccount(world, "src");
  const destination = newGoogleAccount(world, "dst");
  const other = newGoogleAccount(world, "other");
  await connect(browser, "source", source);
  await connect(browser, "destination", destination);
  const sync = await createSync(browser);
  const before = (await getAccountByRole(world.db, user.id, "destination"))!;
  assert.match(before.google_sub ?? "", /^\d+$/, "the id_token's sub is stored");

  await t.step("the other account is added; the role now names it", async () => {
    const revokes = revokeCalls();
    const back = await consent(await authorizationUrl(browser, "destination"), other);
    const res = await browser(back.pathname + back.search);
    assert.equal(res.status, 303);
    assert.equal(new URL(res.headers.get("location")!).searchParams.get("connect"), "connected");
    assert.equal(revokeCalls(), revokes, "no grant is given back");
    assert.equal((await status(browser)).destination.email, other);
    const { accounts } = await (await browser("/api/accounts")).json();
    assert.deepEqual(
      accounts.map((a: { email: string }) => a.email).sort(),
      [source, destination, other].sort(),
    );
  });

  await t.step("the connected account, its grant and the sync are untouched", async () => {
    const [row] = await world.db.query("SELECT * FROM google_accounts WHERE id = $1", [before.id]);
    assert.deepEqual(row, before);
    const [mine] = await world.db.query<
      { id: string; user_id: string; token_label: string; refresh_token_enc: string }
    >(
      "SELECT id, user_id, token_label, refresh_token_enc FROM google_accounts WHERE id = $1",
      [before.id],
    );
    const ring = await loadKeyRing(world.services.config.encryptionKeys);
    const refresh = await decryptToken(ring, mine.refresh_token_enc, {
      userId: user.id,
      label: mine.token_label,
      field: "refresh_token",
    });
    const alive = await sandboxRefresh(world, refresh);
    assert.equal(alive.status, 200);
    await alive.body?.cancel();
    assert.deepEqual(await syncState(sync), { is_active: true, paused_reason: null });
    assert.equal(await trigger(browser, sync), "success");
  });

  await t.step("a row connected before subs were stored is found by email", async () => {
    await world.db.query("UPDATE google_accounts SET google_sub = NULL WHERE id = $1", [before.id]);
    assert.equal(
      (await connect(browser, "destination", destination)).searchParams.get("connect"),
      "connected",
    );
    const row = await getAccountByRole(world.db, user.id, "destination");
    assert.equal(row?.id, before.id, "renewed, not added again");
    assert.equal(row?.google_sub, before.google_sub);
  });

  await t.step(
    "disconnect, then connect another, keeps the sync paused",
    async () => {
      const res = await browser("/api/oauth/destination", { method: "DELETE" });
      assert.deepEqual(await res.json(), { disconnected: true, paused_sync_configs: 1 });
      const dashboard = await connect(browser, "destination", other);
      assert.equal(dashboard.searchParams.get("connect"), "connected");
      const body = await status(browser);
      assert.equal(body.destination.email, other);
      assert.equal(body.destination.status, "ok");
      assert.deepEqual(await syncState(sync), {
        is_active: false,
        paused_reason: `The destination Google account (${destination}) was disconnected`,
      });
    },
  );
});

Deno.test("[http] a reconnect with the same Google account renews its tokens and its syncs run", async () => {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);
  const source = newGoogleAccount(world, "src");
  const destination = newGoogleAccount(world, "dst");
  await connect(browser, "source", source);
  await connect(browser, "destination", destination);
  const sync = await createSync(browser);
  const oldRefresh = await storedRefreshToken(user, "source");

  // Google stops honouring the source's grant: runs stop at needs_reconnect.
  await fetch(`${world.sandboxUrl}_sandbox/faults`, {
    method: "POST",
    body: JSON.stringify({ revoke: source }),
  }).then((r) => r.body?.cancel());
  assert.equal(await trigger(browser, sync), "needs_reconnect");
  assert.equal((await status(browser)).source.status, "needs_reconnect");

  const dashboard = await connect(browser, "source", source);
  assert.equal(dashboard.searchParams.get("connect"), "connected");
  const newRefresh = await storedRefreshToken(user, "source");
  assert.notEqual(newRefresh, oldRefresh);
  const alive = await sandboxRefresh(world, newRefresh);
  assert.equal(alive.status, 200);
  await alive.body?.cancel();
  assert.equal((await status(browser)).source.status, "ok");
  assert.equal(await trigger(browser, sync), "success");

  // The same account again while healthy: new tokens, and the grant they belong to lives on.
  await connect(browser, "source", source);
  const again = await sandboxRefresh(world, await storedRefreshToken(user, "source"));
  assert.equal(again.status, 200);
  await again.body?.cancel();
  assert.equal(await trigger(browser, sync), "success");
});

Deno.test("[http] DELETE /api/oauth/{account_type}", async (t) => {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);
  const sourceAccount = newGoogleAccount(world, "src");
  await connect(browser, "source", sourceAccount);
  await connect(browser, "destination", newGoogleAccount(world, "dst"));
  const [config] = await world.db.query<{ id: string }>(
    `INSERT INTO sync_configs (user_id, source_calendar_id, dest_calendar_id, source_account_id,
       dest_account_id)
     VALUES ($1, 'a', 'b', $2, $3) RETURNING id`,
    [
      user.id,
      (await getAccountByRole(world.db, user.id, "source"))!.id,
      (await getAccountByRole(world.db, user.id, "destination"))!.id,
    ],
  );
  const refresh = await storedRefreshToken(user, "source");

  await t.step("revokes at Google, deletes the tokens and pauses sync configs", async () => {
    const res = await browser("/api/oauth/source", { method: "DELETE" });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { disconnected: true, paused_sync_configs: 1 });
    const refused = await sandboxRefresh(world, refresh);
    assert.equal(refused.status, 400);
    assert.equal((await refused.json()).error, "invalid_grant");
    assert.equal(await getAccountByRole(world.db, user.id, "source"), undefined);
    const [row] = await world.db.query<{ is_active: boolean; paused_reason: string }>(
      "SELECT is_active, paused_reason FROM sync_configs WHERE id = $1",
      [config.id],
    );
    assert.equal(row.is_active, false);
    assert.equal(
      row.paused_reason,
      `The source Google account (${sourceAccount}) was disconnected`,
    );
    const body = await status(browser);
    assert.equal(body.source.connected, false);
    assert.equal(body.destination.connected, true);
  });

  const configState = async () =>
    (await world.db.query<{ is_active: boolean; paused_reason: string | null }>(
      "SELECT is_active, paused_reason FROM sync_configs WHERE id = $1",
      [config.id],
    ))[0];

  await t.step("reconnecting another Google account leaves the sync paused", async () => {
    await connect(browser, "source", newGoogleAccount(world, "other"));
    assert.equal((await configState()).is_active, false);
    await browser("/api/oauth/source", { method: "DELETE" }).then((r) => r.body?.cancel());
  });

  await t.step("reconnecting the same Google account resumes the sync", async () => {
    await connect(browser, "source", sourceAccount);
    assert.deepEqual(await configState(), { is_active: true, paused_reason: null });
    await browser("/api/oauth/source", { method: "DELETE" }).then((r) => r.body?.cancel());
  });

  await t.step("serves 404 when nothing is connected, 409 for its calendars", async () => {
    const res = await browser("/api/oauth/source", { method: "DELETE" });
    assert.equal(res.status, 404);
    await res.body?.cancel();
    const list = await browser("/api/calendars/source/list");
    assert.equal(list.status, 409);
    await list.body?.cancel();
  });

  await t.step("serves 422 for an unknown account type", async () => {
    const res = await browser("/api/oauth/everything", { method: "DELETE" });
    assert.equal(res.status, 422);
    await res.body?.cancel();
  });
});

Deno.test("[http] a revoked grant shows needs_reconnect, and calendars come from the cache", async () => {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);
  const google = newGoogleAccount(world, "src");
  await connect(browser, "source", google);
  await fetch(`${world.sandboxUrl}_sandbox/faults`, {
    method: "POST",
    body: JSON.stringify({ revoke: google }),
  }).then((r) => r.body?.cancel());

  const res = await browser("/api/calendars/source/list");
  assert.equal(res.status, 200);
  const list = await res.json();
  assert.equal(list.stale, true);
  assert.equal(list.calendars.length, 2);
  const body = await status(browser);
  assert.equal(body.source.connected, true);
  assert.equal(body.source.status, "needs_reconnect");

  // Reconnecting heals it.
  await connect(browser, "source", google);
  assert.equal((await status(browser)).source.status, "ok");
});

Deno.test("[http] GET /api/calendars/{account_type}/list serves the cache when Google fails", async () => {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);
  await connect(browser, "destination", newGoogleAccount(world, "dst"));
  await fetch(`${world.sandboxUrl}_sandbox/faults`, {
    method: "POST",
    body: JSON.stringify({ error_rate: { rate: 1, status: 503, reason: "backendError" } }),
  }).then((r) => r.body?.cancel());
  try {
    const res = await browser("/api/calendars/destination/list");
    assert.equal(res.status, 200);
    const list = await res.json();
    assert.equal(list.stale, true);
    assert.equal(list.calendars.length, 2);
    assert.ok(list.calendars.every((c: { writable: boolean }) => c.writable));
  } finally {
    await fetch(`${world.sandboxUrl}_sandbox/faults`, { method: "DELETE" }).then((r) =>
      r.body?.cancel()
    );
  }
});

Deno.test("[http] GET /api/calendars/{account_type}/list answers 502 when Google fails and nothing is cached", async () => {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);
  await connect(browser, "destination", newGoogleAccount(world, "dst"));
  await deleteCalendars(
    world.db,
    user.id,
    (await getAccountByRole(world.db, user.id, "destination"))!.id,
  );
  await fetch(`${world.sandboxUrl}_sandbox/faults`, {
    method: "POST",
    body: JSON.stringify({ error_rate: { rate: 1, status: 503, reason: "backendError" } }),
  }).then((r) => r.body?.cancel());
  try {
    const res = await browser("/api/calendars/destination/list");
    assert.equal(res.status, 502);
    const { error } = await res.json();
    assert.equal(error.code, 502);
    assert.match(error.message, /^Google could not be reached for the destination account's/);
    assert.equal(error.request_id, res.headers.get("x-request-id"));
  } finally {
    await fetch(`${world.sandboxUrl}_sandbox/faults`, { method: "DELETE" }).then((r) =>
      r.body?.cancel()
    );
  }
});

Deno.test("[http] another user's connections and calendars are never visible", async () => {
  const owner = await newUser(world);
  const other = await newUser(world);
  const asOwner = await browserOf(app, world, owner);
  const asOther = await browserOf(app, world, other);
  const google = newGoogleAccount(world, "private");
  await connect(asOwner, "source", google);

  const body = await status(asOther);
  assert.deepEqual(body.source, {
    connected: false,
    email: null,
    status: null,
    connected_at: null,
  });
  const list = await asOther("/api/calendars/source/list");
  assert.equal(list.status, 409);
  assert.ok(!(await list.text()).includes(google));
  const del = await asOther("/api/oauth/source", { method: "DELETE" });
  assert.equal(del.status, 404);
  await del.body?.cancel();
  assert.equal((await status(asOwner)).source.email, google);

  for (const path of ["/api/oauth/status", "/api/calendars/source/list"]) {
    const res = await anonymousOf(app, world)(path);
    assert.equal(res.status, 401, path);
    await res.body?.cancel();
  }
});

Deno.test("[http] the dashboard lists the connected accounts in the AccountList island", async () => {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);
  const google = newGoogleAccount(world, "dash");
  const dashboard = await connect(browser, "destination", google);

  const res = await browser(dashboard.pathname + dashboard.search);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<!--frsh:island:AccountList:/);
  assert.match(html, /The Google account [^ ]+ is connected\./);
  assert.ok(html.includes(google));
  assert.match(html, /href="\/accounts\/connect"[^>]*>Connect a Google account</);
  const id = (await getAccountByRole(world.db, user.id, "destination"))!.id;
  assert.ok(html.includes(`href="/accounts/${id}/reconnect"`));
  assert.ok(!/refresh_token|access_token|1\/\/sandbox-/.test(html), "no token in the page");

  await world.db.query(
    "UPDATE google_accounts SET status = 'needs_reconnect' WHERE user_id = $1",
    [user.id],
  );
  assert.match(await (await browser("/")).text(), /Reconnect needed/);
});

closesTheFile("[http] connect tests close their world", () => world.close());
