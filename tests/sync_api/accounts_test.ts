/**
 * Any number of Google accounts per person, over HTTP against the sandbox: syncs between any two
 * of their calendars, reconnects that never switch accounts, and disconnects that pause exactly
 * the syncs using the account.
 */
import assert from "node:assert/strict";
import { getGoogleAccount } from "@/lib/db/google_accounts.ts";
import { listDueSyncConfigs } from "@/lib/db/sync_configs.ts";
import { consent, sandboxRefresh } from "../connect/_helpers.ts";
import { closesTheFile } from "../_helpers.ts";
import {
  at,
  browserOf,
  type Calendar,
  call,
  type Client,
  connect,
  googleAs,
  type Json,
  listEvents,
  newGoogleAccount,
  newUser,
  openApp,
  openWorld,
} from "./_helpers.ts";

const world = await openWorld();
const app = await openApp(world.services);

interface Account {
  id: string;
  email: string;
  /** Calendar ids by name ("Main" is the primary, "Team" another). */
  cal: { Main: string; Team: string };
  google: Calendar;
}

/** Connects a new sandbox account through `POST /api/accounts/connect` and the consent page. */
async function connectAccount(browser: Client, label: string): Promise<Account> {
  const email = newGoogleAccount(world, label);
  const res = await callback(browser, await startUrl(browser, "/api/accounts/connect"), email);
  assert.equal(res.status, 303);
  const location = new URL(res.headers.get("location")!);
  assert.equal(location.searchParams.get("connect"), "connected");
  const id = location.searchParams.get("account_id")!;
  const list = await call(browser, "GET", `/api/accounts/${id}/calendars`);
  assert.equal(list.status, 200);
  const named = (name: string) => list.body.calendars.find((c: Json) => c.summary === name).id;
  return {
    id,
    email,
    cal: { Main: named("Main"), Team: named("Team") },
    google: googleAs(world, email),
  };
}

async function startUrl(browser: Client, path: string): Promise<string> {
  const res = await call(browser, "POST", path, undefined, { accept: "application/json" });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.authorization_url;
}

/** Picks `email` on the consent page of `url` and follows Google's redirect back to the app. */
async function callback(browser: Client, url: string, email: string): Promise<Response> {
  const back = await consent(url, email);
  return await browser(back.pathname + back.search);
}

async function createSync(
  browser: Client,
  source: Account,
  sourceCal: string,
  dest: Account,
  destCal: string,
): Promise<string> {
  const res = await call(browser, "POST", "/api/sync/config", {
    source_account_id: source.id,
    source_calendar_id: sourceCal,
    dest_account_id: dest.id,
    dest_calendar_id: destCal,
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id;
}

async function run(browser: Client, configId: string): Promise<Json> {
  const res = await call(browser, "POST", `/api/sync/trigger/${configId}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function addEvent(account: Account, calendarId: string, summary: string, day: number) {
  const { data } = await account.google.events.insert({
    calendarId,
    requestBody: {
      summary,
      start: { dateTime: at(day), timeZone: "UTC" },
      end: { dateTime: at(day + 1 / 24), timeZone: "UTC" },
    },
  });
  return data;
}

/** What a calendar holds, as "summary@start", sorted: the mirror is compared on this. */
async function contents(account: Account, calendarId: string): Promise<string[]> {
  return (await listEvents(account.google, calendarId))
    .filter((e) => e.status !== "cancelled")
    .map((e) => `${e.summary}@${e.start?.dateTime}`)
    .sort();
}

/** A new user with a browser, and a new Google account connected for each label, in order. */
async function personWith(...labels: string[]) {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);
  const accounts: Account[] = [];
  for (const label of labels) accounts.push(await connectAccount(browser, label));
  return { user, browser, accounts };
}

async function configState(browser: Client, id: string) {
  const res = await call(browser, "GET", `/api/sync/config/${id}`);
  assert.equal(res.status, 200);
  return res.body;
}

Deno.test(
  "[http] three accounts, A→B, C→B and A→C: each destination an exact mirror, no cross-talk",
  async (t) => {
    const { browser, accounts: [a, b, c] } = await personWith("a", "b", "c");
    const listed = await call(browser, "GET", "/api/accounts");
    assert.deepEqual(
      listed.body.accounts.map((x: Json) => x.email).sort(),
      [a.email, b.email, c.email].sort(),
    );
    assert.ok(
      listed.body.accounts.every((x: Json) => x.status === "ok" && x.calendars_refreshed_at),
    );

    // A→B and C→B write into the same calendar; A→C reads the same source as A→B.
    const aToB = await createSync(browser, a, a.cal.Main, b, b.cal.Main);
    const cToB = await createSync(browser, c, c.cal.Main, b, b.cal.Main);
    const aToC = await createSync(browser, a, a.cal.Main, c, c.cal.Team);
    const shown = await configState(browser, cToB);
    assert.equal(shown.source_account_email, c.email);
    assert.equal(shown.dest_account_email, b.email);
    assert.equal(shown.source_calendar_name, "Main");

    const a1 = await addEvent(a, a.cal.Main, "A one", 1);
    await addEvent(a, a.cal.Main, "A two", 2);
    await addEvent(c, c.cal.Main, "C one", 3);
    const fromA = await contents(a, a.cal.Main);
    const fromC = await contents(c, c.cal.Main);

    await t.step("the first runs copy each source once into each of its destinations", async () => {
      for (const id of [aToB, cToB, aToC]) assert.equal((await run(browser, id)).status, "success");
      assert.deepEqual(await contents(b, b.cal.Main), [...fromA, ...fromC].sort());
      assert.deepEqual(await contents(c, c.cal.Team), fromA);
      assert.deepEqual(await contents(c, c.cal.Main), fromC, "C's source is not written to");
    });

    await t.step("changes follow, each sync only its own copies", async () => {
      await a.google.events.delete({ calendarId: a.cal.Main, eventId: a1.id! });
      await addEvent(c, c.cal.Main, "C two", 4);
      for (const id of [aToB, cToB, aToC]) assert.equal((await run(browser, id)).status, "success");
      const nowA = await contents(a, a.cal.Main);
      const nowC = await contents(c, c.cal.Main);
      assert.equal(nowA.length, 1);
      assert.deepEqual(await contents(b, b.cal.Main), [...nowA, ...nowC].sort());
      assert.deepEqual(await contents(c, c.cal.Team), nowA);
      const again = await run(browser, cToB);
      assert.equal(again.events_created + again.events_updated + again.events_deleted, 0);
    });

    await t.step(
      "deleting C→B with its copies leaves A→B's copies in the same calendar",
      async () => {
        const res = await call(
          browser,
          "DELETE",
          `/api/sync/config/${cToB}?remove_synced_events=true`,
        );
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.events_removed, 2);
        assert.deepEqual(await contents(b, b.cal.Main), await contents(a, a.cal.Main));
        assert.equal((await run(browser, aToB)).events_created, 0);
      },
    );
  },
);

Deno.test("[http] a sync between two calendars of one account", async () => {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);
  const a = await connectAccount(browser, "solo");
  const id = await createSync(browser, a, a.cal.Main, a, a.cal.Team);
  await addEvent(a, a.cal.Main, "Solo", 1);
  const result = await run(browser, id);
  assert.equal(result.status, "success");
  assert.equal(result.events_created, 1);
  assert.deepEqual(await contents(a, a.cal.Team), await contents(a, a.cal.Main));
  const same = await call(browser, "POST", "/api/sync/config", {
    source_account_id: a.id,
    source_calendar_id: a.cal.Main,
    dest_account_id: a.id,
    dest_calendar_id: a.cal.Main,
  });
  assert.equal(same.status, 422);
  assert.match(same.body.error.fields.dest_calendar_id, /different calendar/);
});

Deno.test("[http] POST /api/sync/config names the field that is wrong", async (t) => {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);
  const a = await connectAccount(browser, "mine");
  const stranger = await browserOf(app, world, await newUser(world));
  const theirs = await connectAccount(stranger, "theirs");
  const body = (extra: Record<string, unknown>) => ({
    source_account_id: a.id,
    source_calendar_id: a.cal.Main,
    dest_account_id: a.id,
    dest_calendar_id: a.cal.Team,
    ...extra,
  });
  const post = (extra: Record<string, unknown>) =>
    call(browser, "POST", "/api/sync/config", body(extra));

  await t.step("another user's account", async () => {
    const res = await post({ dest_account_id: theirs.id, dest_calendar_id: theirs.cal.Main });
    assert.equal(res.status, 422);
    assert.match(
      res.body.error.fields.dest_account_id,
      /Not one of your connected Google accounts/,
    );
    assert.ok(!JSON.stringify(res.body).includes(theirs.email));
  });
  await t.step("a calendar of another account", async () => {
    const res = await post({ source_calendar_id: theirs.cal.Team });
    assert.equal(res.status, 422);
    assert.match(res.body.error.fields.source_calendar_id, /not in the source account's/);
  });
  await t.step("only one of the two account ids", async () => {
    const res = await post({ dest_account_id: undefined });
    assert.equal(res.status, 422);
    assert.ok(res.body.error.fields.dest_account_id);
  });
  await t.step("an account that needs reconnecting", async () => {
    await world.db.query("UPDATE google_accounts SET status = 'needs_reconnect' WHERE id = $1", [
      a.id,
    ]);
    const res = await post({});
    assert.equal(res.status, 422);
    assert.match(res.body.error.fields.source_account_id, /Reconnect the Google account/);
  });
});

Deno.test(
  "[http] a reconnect with another Google account adds that one and leaves the account untouched",
  async (t) => {
    const user = await newUser(world);
    const browser = await browserOf(app, world, user);
    const a = await connectAccount(browser, "a");
    const b = await connectAccount(browser, "b");
    const sync = await createSync(browser, a, a.cal.Main, b, b.cal.Main);
    await addEvent(a, a.cal.Main, "Kept", 1);
    const before = await getGoogleAccount(world.db, b.id, user.id);
    const other = newGoogleAccount(world, "other");

    await t.step("the consent page is asked for the reconnected account", async () => {
      const url = await startUrl(browser, `/api/accounts/${b.id}/reconnect`);
      assert.equal(new URL(url).searchParams.get("login_hint"), b.email);
      const page = await (await fetch(url)).text();
      assert.match(
        page,
        new RegExp(`Reconnecting <b>${b.email.replace(/[.]/g, "\\.")}</b> to <b>cal-sync</b>`),
      );
    });

    await t.step("signing in as another account says so, and adds it", async () => {
      const url = await startUrl(browser, `/api/accounts/${b.id}/reconnect`);
      const res = await callback(browser, url, other);
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.ok(
        html.includes(
          `You signed in as ${other}, not ${b.email}; ${b.email} still needs reconnecting.`,
        ),
        html,
      );
      assert.ok(html.includes(`href="/accounts/${b.id}/reconnect"`), "offers the right one");
      const { accounts } = (await call(browser, "GET", "/api/accounts")).body;
      assert.deepEqual(accounts.map((x: Json) => x.email).sort(), [a.email, b.email, other].sort());
    });

    await t.step("the account, its grant and its sync are untouched", async () => {
      assert.deepEqual(await getGoogleAccount(world.db, b.id, user.id), before);
      assert.equal((await configState(browser, sync)).dest_account_id, b.id);
      assert.equal((await run(browser, sync)).status, "success");
      assert.deepEqual(await contents(b, b.cal.Main), await contents(a, a.cal.Main));
    });

    await t.step(
      "signing in as one of the person's other accounts renews that one only",
      async () => {
        const aBefore = await getGoogleAccount(world.db, a.id, user.id);
        const url = await startUrl(browser, `/api/accounts/${b.id}/reconnect`);
        const res = await callback(browser, url, a.email);
        assert.equal(res.status, 200);
        assert.match(await res.text(), /was renewed/);
        const aAfter = await getGoogleAccount(world.db, a.id, user.id);
        assert.notEqual(aAfter!.refresh_token_enc, aBefore!.refresh_token_enc);
        assert.deepEqual(await getGoogleAccount(world.db, b.id, user.id), before);
        assert.equal((await call(browser, "GET", "/api/accounts")).body.accounts.length, 3);
      },
    );
  },
);

Deno.test(
  "[http] a reconnect of the right account resumes the syncs its failure held back",
  async () => {
    const user = await newUser(world);
    const browser = await browserOf(app, world, user);
    const a = await connectAccount(browser, "a");
    const b = await connectAccount(browser, "b");
    const sync = await createSync(browser, a, a.cal.Main, b, b.cal.Main);
    await addEvent(a, a.cal.Main, "After the fix", 1);
    await fetch(`${world.sandboxUrl}_sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ revoke: a.email }),
    }).then((r) => r.body?.cancel());
    assert.equal((await run(browser, sync)).status, "needs_reconnect");
    const listed = (await call(browser, "GET", "/api/accounts")).body.accounts;
    assert.equal(listed.find((x: Json) => x.id === a.id).status, "needs_reconnect");
    assert.equal(listed.find((x: Json) => x.id === b.id).status, "ok");
    const due = async () => (await listDueSyncConfigs(world.db, {})).some((c) => c.id === sync);
    assert.equal(await due(), false, "the scheduler leaves it alone meanwhile");

    const url = await startUrl(browser, `/api/accounts/${a.id}/reconnect`);
    const res = await callback(browser, url, a.email);
    assert.equal(res.status, 303);
    assert.equal(new URL(res.headers.get("location")!).searchParams.get("account_id"), a.id);
    const after = (await call(browser, "GET", "/api/accounts")).body.accounts;
    assert.equal(after.length, 2, "renewed, not added");
    assert.equal(after.find((x: Json) => x.id === a.id).status, "ok");
    assert.equal(await due(), true, "due at once");
    const result = await run(browser, sync);
    assert.equal(result.status, "success");
    assert.equal(result.events_created, 1);
  },
);

Deno.test(
  "[http] DELETE /api/accounts/{id} pauses exactly the syncs using it on either side",
  async (t) => {
    const { user, browser, accounts: [a, b, c] } = await personWith("a", "b", "c");
    const aToB = await createSync(browser, a, a.cal.Main, b, b.cal.Main);
    const cToB = await createSync(browser, c, c.cal.Main, b, b.cal.Team);
    const aToC = await createSync(browser, a, a.cal.Main, c, c.cal.Team);
    await addEvent(a, a.cal.Main, "From A", 1);
    await addEvent(c, c.cal.Main, "From C", 2);
    for (const id of [aToB, cToB, aToC]) assert.equal((await run(browser, id)).status, "success");
    const cRow = await getGoogleAccount(world.db, c.id, user.id);
    const refresh = async () => {
      const { decryptToken, loadKeyRing } = await import("@/lib/crypto/tokens.ts");
      const ring = await loadKeyRing(world.services.config.encryptionKeys);
      return await decryptToken(ring, cRow!.refresh_token_enc, {
        userId: user.id,
        label: cRow!.token_label,
        field: "refresh_token",
      });
    };
    const cRefresh = await refresh();

    await t.step("with remove_synced_events, the copies written into it go first", async () => {
      const res = await call(browser, "DELETE", `/api/accounts/${c.id}?remove_synced_events=true`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.disconnected, true);
      assert.deepEqual(res.body.paused_syncs.map((p: Json) => p.id).sort(), [cToB, aToC].sort());
      assert.equal(res.body.events_removed, 1);
      assert.deepEqual(await contents(c, c.cal.Team), [], "A→C's copy removed from C");
      assert.deepEqual(
        await contents(b, b.cal.Team),
        await contents(c, c.cal.Main),
        "C→B's copies in B stay: it only read C",
      );
    });

    await t.step("the syncs using it are paused, the other runs on", async () => {
      for (const id of [cToB, aToC]) {
        const state = await configState(browser, id);
        assert.equal(state.is_active, false);
        assert.equal(state.paused_reason, `The Google account ${c.email} was disconnected`);
      }
      assert.equal((await configState(browser, aToB)).is_active, true);
      assert.equal((await run(browser, aToB)).status, "success");
      const listed = (await call(browser, "GET", "/api/accounts")).body.accounts;
      assert.deepEqual(listed.map((x: Json) => x.id).sort(), [a.id, b.id].sort());
      const refused = await sandboxRefresh(world, cRefresh);
      assert.equal(refused.status, 400, "the grant is revoked at Google");
      await refused.body?.cancel();
    });

    await t.step("connecting the same account again resumes them", async () => {
      const res = await callback(
        browser,
        await startUrl(browser, "/api/accounts/connect"),
        c.email,
      );
      assert.equal(res.status, 303);
      assert.equal(new URL(res.headers.get("location")!).searchParams.get("account_id"), c.id);
      for (const id of [cToB, aToC]) assert.equal((await configState(browser, id)).is_active, true);
      assert.equal((await run(browser, aToC)).events_created, 1, "the removed copy is made again");
      assert.deepEqual(await contents(c, c.cal.Team), await contents(a, a.cal.Main));
    });
  },
);

Deno.test("[http] every accounts route answers 404 for another user's account", async () => {
  const owner = await browserOf(app, world, await newUser(world));
  const other = await browserOf(app, world, await newUser(world));
  const a = await connectAccount(owner, "private");
  const paths: [string, string][] = [
    ["GET", `/api/accounts/${a.id}/calendars`],
    ["GET", `/api/accounts/${a.id}/calendars?refresh=true`],
    ["POST", `/api/accounts/${a.id}/reconnect`],
    ["DELETE", `/api/accounts/${a.id}`],
    ["DELETE", `/api/accounts/${a.id}?remove_synced_events=true`],
    ["GET", `/accounts/${a.id}/disconnect`],
    ["GET", `/accounts/${a.id}/reconnect`],
  ];
  for (const [method, path] of paths) {
    const res = await other(path, { method, headers: { accept: "application/json" } });
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.ok(!(await res.text()).includes(a.email), `${method} ${path} names nothing`);
  }
  const post = await other(`/accounts/${a.id}/disconnect`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "",
  });
  assert.equal(post.status, 404);
  await post.body?.cancel();
  assert.deepEqual((await call(other, "GET", "/api/accounts")).body, { accounts: [] });
  assert.equal((await call(owner, "GET", "/api/accounts")).body.accounts[0].status, "ok");
  for (const bad of ["notauuid", crypto.randomUUID()]) {
    const res = await owner(`/api/accounts/${bad}/calendars`);
    assert.equal(res.status, 404, bad);
    await res.body?.cancel();
  }
});

Deno.test(
  "[http] a seed role names the account last connected through it, and none after its disconnect",
  async () => {
    const browser = await browserOf(app, world, await newUser(world));
    const first = newGoogleAccount(world, "first");
    const second = newGoogleAccount(world, "second");
    await connect(browser, "source", first);
    await connect(browser, "source", second);
    const status = async () => (await call(browser, "GET", "/api/oauth/status")).body;
    assert.equal((await status()).source.email, second);
    assert.equal((await status()).destination.connected, false);
    const listed = async () =>
      (await call(browser, "GET", "/api/accounts")).body.accounts.map((x: Json) => x.email).sort();
    assert.deepEqual(await listed(), [first, second].sort());
    const res = await call(browser, "DELETE", "/api/oauth/source");
    assert.deepEqual(res.body, { disconnected: true, paused_sync_configs: 0 });
    assert.equal((await status()).source.connected, false, "the slot is empty, as in the seed");
    assert.deepEqual(await listed(), [first], "the other account stays connected");
    const gone = await call(browser, "DELETE", "/api/oauth/source");
    assert.equal(gone.status, 404);
  },
);

Deno.test(
  "[http] /api/openapi.json and /api/docs describe the accounts API first, the seed-compatible endpoints after",
  async () => {
    const anonymous = (path: string) => app.request(`${world.services.config.apiUrl}${path}`);
    const doc = await (await anonymous("/api/openapi.json")).json();
    const tags = doc.tags.map((t: Json) => t.name);
    assert.equal(tags[0], "accounts");
    assert.ok(tags.indexOf("seed-compatible") > tags.indexOf("sync"));
    const order = Object.entries(doc.paths).map(([, ops]) =>
      (Object.values(ops as Json)[0] as Json).tags[0]
    );
    assert.ok(order.lastIndexOf("accounts") < order.indexOf("seed-compatible"), `${order}`);
    for (const path of ["/api/accounts", "/api/accounts/{id}/reconnect", "/api/oauth/status"]) {
      assert.ok(doc.paths[path], path);
    }
    assert.deepEqual(doc.paths["/api/oauth/status"].get.tags, ["seed-compatible"]);
    const html = await (await anonymous("/api/docs")).text();
    const accounts = html.indexOf('id="tag-accounts"');
    assert.ok(accounts >= 0 && accounts < html.indexOf('id="tag-seed-compatible"'));
  },
);

closesTheFile("[http] accounts tests close their world", () => world.close());
