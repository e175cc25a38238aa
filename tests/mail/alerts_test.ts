/**
 * Alerts end to end: real sync runs against the Google sandbox on two app instances sharing one
 * database (on PostgreSQL each with its own pool), mail delivered to a real SMTP server and
 * parsed. Each alert is sent once per incident, whichever instance notices it and however often,
 * never on recovery, not when turned off; its links work (the fix link for the signed-in user,
 * the unsubscribe link without signing in).
 */
import assert from "node:assert/strict";
import { noteAccountNeedsReconnect, noteRunOutcome, type RunOutcome } from "@/lib/alerts/mod.ts";
import { unsubscribeToken } from "@/lib/alerts/unsubscribe.ts";
import { listIncidents } from "@/lib/db/alert_incidents.ts";
import { openDb } from "@/lib/db/mod.ts";
import { getAccountByRole } from "@/lib/db/google_accounts.ts";
import { getSyncConfig, recordSyncOutcome } from "@/lib/db/sync_configs.ts";
import { createServices, type Services } from "@/lib/services.ts";
import { runConfig } from "@/lib/sync/run.ts";
import {
  addEvents,
  call,
  connect,
  createConfig,
  openApp,
  openWorld,
  type Tenant,
  tenant,
} from "../sync_api/_helpers.ts";
import { anonymousOf } from "../connect/_helpers.ts";
import { closesTheFile } from "../_helpers.ts";
import { freePort } from "../_main_process.ts";
import { pathOf, type Received, startSmtp } from "./_smtp.ts";

const HOUR = 3_600_000;
const smtp = await startSmtp();
const world = await openWorld({ SMTP_URL: smtp.url });
const app = await openApp(world.services);
const databaseUrl = Deno.env.get("DATABASE_URL");
// The second instance: its own services (mailer, caches) and, on PostgreSQL, its own pool.
const db2 = databaseUrl?.startsWith("postgres") ? await openDb(databaseUrl) : world.db;
const second = createServices(world.services.config, db2, world.sandboxUrl);
const instances: Services[] = [world.services, second];
const anonymous = anonymousOf(app, world);

async function faults(body?: unknown) {
  const res = await fetch(`${world.sandboxUrl}_sandbox/faults`, {
    method: body ? "POST" : "DELETE",
    headers: { "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  await res.body?.cancel();
}

/** One run of the config on `services`, as the scheduler would start it (quick retries). */
async function run(services: Services, t: Tenant, configId: string) {
  const config = (await getSyncConfig(services.db, configId, t.user.id))!;
  return await runConfig(services, config, {
    trigger: "manual",
    retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
  });
}

/** Runs that fail (Google answers 500), on the instances given by index, in turn. */
async function failedRuns(t: Tenant, configId: string, order: number[]) {
  await faults({ error_rate: { rate: 1, status: 500 } });
  try {
    for (const i of order) assert.equal((await run(instances[i], t, configId)).status, "failed");
  } finally {
    await faults();
  }
}

/** Both instances note the same outcome at once, as two processes finishing near-together. */
async function noteOnBoth(t: Tenant, configId: string, outcome: RunOutcome, now?: Date) {
  const config = (await getSyncConfig(world.db, configId, t.user.id))!;
  await Promise.all(instances.map((s) => noteRunOutcome(s, config, outcome, now)));
}

/** Lets any mail in flight arrive, then says how many of the user's were not yet read. */
async function unread(t: Tenant): Promise<Received[]> {
  await new Promise((r) => setTimeout(r, 150));
  return smtp.pending(t.user.email);
}

/** Follows the email's link to `path` as the signed-in user; the page's HTML. */
async function assertFixLink(t: Tenant, mail: Received, path: string): Promise<string> {
  const link = mail.links.find((l) => pathOf(l) === path);
  assert.ok(link, `no link to ${path} in:\n${mail.text}`);
  const res = await t.browser(pathOf(link));
  assert.equal(res.status, 200, `the fix link ${link} answers`);
  return await res.text();
}

function unsubscribeLink(mail: Received): string {
  const link = mail.links.find((l) => l.includes("/notifications/unsubscribe?token="));
  assert.ok(link, mail.text);
  assert.equal(mail.headers.get("list-unsubscribe"), `<${link}>`);
  assert.equal(mail.headers.get("list-unsubscribe-post"), "List-Unsubscribe=One-Click");
  return link;
}

Deno.test({
  name:
    "a failing sync is told once after 3 failed runs, reminded once after a day, never on recovery",
  async fn() {
    const t = await tenant(app, world, "failing");
    const config = await createConfig(t);
    await addEvents(t, 2);
    await faults({ error_rate: { rate: 1, status: 500 } });
    try {
      assert.equal((await run(instances[0], t, config.id)).status, "failed");
      assert.equal((await run(instances[1], t, config.id)).status, "failed");
      assert.equal((await unread(t)).length, 0, "two failures are not an incident yet");
      assert.equal((await run(instances[0], t, config.id)).status, "failed");
      const mail = await smtp.next(t.user.email);
      assert.match(mail.subject, /^Failing: sync "Team" → "Team"/);
      assert.match(mail.text, /failed three runs in a row/);
      await assertFixLink(t, mail, `/syncs/${config.id}`);

      // The same incident noticed again, by either instance, at once or later: nothing more.
      const failed: RunOutcome = { status: "failed", error: "Google failed", failures: [] };
      await noteOnBoth(t, config.id, failed);
      await noteOnBoth(t, config.id, failed);
      assert.equal((await run(instances[1], t, config.id)).status, "failed");
      assert.equal((await unread(t)).length, 0);

      // A day on and still failing: one reminder, whichever instance sees it first.
      const dayLater = new Date(Date.now() + 25 * HOUR);
      await noteOnBoth(t, config.id, failed, dayLater);
      const reminder = await smtp.next(t.user.email);
      assert.match(reminder.subject, /^Still failing: sync/);
      await noteOnBoth(t, config.id, failed, new Date(Date.now() + 50 * HOUR));
      assert.equal((await unread(t)).length, 0, "one reminder, not one a day");
    } finally {
      await faults();
    }
    // Recovery sends nothing; failing again later is a new incident.
    assert.equal((await run(instances[0], t, config.id)).status, "success");
    assert.equal((await unread(t)).length, 0, "a recovery sends nothing");
    await failedRuns(t, config.id, [1, 0, 1]);
    assert.match((await smtp.next(t.user.email)).subject, /^Failing:/);
    assert.equal((await unread(t)).length, 0);
  },
});

Deno.test({
  name: "the unsubscribe link turns that kind off without signing in, and the settings are kept",
  async fn() {
    const t = await tenant(app, world, "unsub");
    const config = await createConfig(t);
    await failedRuns(t, config.id, [0, 1, 0]);
    const mail = await smtp.next(t.user.email);
    const link = unsubscribeLink(mail);
    const asked = await anonymous(pathOf(link));
    assert.equal(asked.status, 200);
    assert.match(await asked.text(), /Stop the emails that say a sync keeps failing/);
    const done = await anonymous(pathOf(link), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    assert.equal(done.status, 200);
    assert.match(await done.text(), /you will get no more emails when a sync keeps failing/);
    const settings = await call(t.browser, "GET", "/api/me/notifications");
    assert.deepEqual(settings.body, {
      account_reconnect: true,
      sync_failing: false,
      events_refused: true,
      needs_review: true,
    });

    // A new failing incident (after a recovery) is not told now.
    await run(instances[0], t, config.id);
    await failedRuns(t, config.id, [1, 0, 1]);
    assert.equal((await unread(t)).length, 0, "sync_failing is off");

    // A tampered token, or a session token, unsubscribes nobody.
    // A character changed at the signature's start: the last one can carry unused bits (when it
    // is "A", "B" decodes to the same bytes, and the forgery was accepted 1 time in 16).
    const path = pathOf(link);
    const at = path.lastIndexOf(".") + 1;
    const forged = await anonymous(
      path.slice(0, at) + (path[at] === "A" ? "B" : "A") + path.slice(at + 1),
    );
    assert.equal(forged.status, 400);
    await forged.body?.cancel();
  },
});

Deno.test({
  name: "a revoked Google account is told once per incident, and again after a reconnect breaks",
  async fn() {
    const t = await tenant(app, world, "revoked");
    const config = await createConfig(t);
    await addEvents(t, 1);
    assert.equal((await run(instances[0], t, config.id)).status, "success");
    await faults({ revoke: t.sourceEmail });
    await faults();
    assert.equal((await run(instances[1], t, config.id)).status, "needs_reconnect");
    const mail = await smtp.next(t.user.email);
    assert.equal(mail.subject, `Reconnect ${t.sourceEmail} to keep your calendars in sync`);
    await assertFixLink(t, mail, "/");

    // Further runs (each refused before it starts) and both instances noticing: nothing more.
    assert.equal((await run(instances[0], t, config.id)).status, "needs_reconnect");
    assert.equal((await run(instances[1], t, config.id)).status, "needs_reconnect");
    const token = (await getAccountByRole(world.db, t.user.id, "source"))!;
    await Promise.all(instances.map((s) =>
      noteAccountNeedsReconnect(s, {
        userId: t.user.id,
        accountId: token.id,
        googleEmail: token.google_email,
        connectedAt: token.connected_at,
      })
    ));
    assert.equal((await unread(t)).length, 0);

    // Reconnected, it syncs with nothing sent; revoked again, it is a new incident.
    await connect(t.browser, "source", t.sourceEmail);
    assert.equal((await run(instances[0], t, config.id)).status, "success");
    assert.equal((await unread(t)).length, 0, "a recovery sends nothing");
    await faults({ revoke: t.sourceEmail });
    await faults();
    assert.equal((await run(instances[1], t, config.id)).status, "needs_reconnect");
    assert.match((await smtp.next(t.user.email)).subject, /^Reconnect /);
    assert.equal((await unread(t)).length, 0);

    // The sync's history: runs that changed nothing show on the chart, which has a time axis,
    // and the table scrolls by keyboard too.
    const page = await (await t.browser(`/syncs/${config.id}`)).text();
    assert.match(page, /<circle class="chart__none"/);
    assert.match(page, /<text class="chart__label" x="28" y="116">\d+ \w+, \d\d:\d\d UTC<\/text>/);
    assert.match(
      page,
      /<div class="table-wrap" tabindex="0" role="region" aria-label="Runs, newest first">/,
    );
  },
});

Deno.test({
  name: "events refused for a day are told in one digest per sync per day",
  async fn() {
    const t = await tenant(app, world, "refused");
    const config = await createConfig(t);
    await addEvents(t, 2, "Fine");
    await addEvents(t, 2, "Refused");
    await faults({
      reject_writes: { summary_prefix: "Refused", status: 400, reason: "invalid" },
    });
    let refused: RunOutcome;
    try {
      const result = await run(instances[0], t, config.id);
      assert.equal(result.status, "partial");
      assert.equal(result.failures.length, 2);
      refused = result;
      // The dashboard's card says so in true words, with each event and why.
      const dashboard = await (await t.browser("/")).text();
      assert.match(dashboard, /badge--warn">Partly failed: 2 of 4 copied</);
      assert.match(dashboard, /Refused 1:<\/strong> Google refused this event as not valid/);
      assert.doesNotMatch(dashboard, />Last error|<p>2 events could not be copied/);
      assert.equal((await run(instances[1], t, config.id)).status, "partial");
      assert.equal((await unread(t)).length, 0, "refused for minutes, not a day");
      // The second run had only the refused events to do: it did nothing, and says so.
      assert.match(await (await t.browser("/")).text(), /badge--bad">Failed</);

      await noteOnBoth(t, config.id, refused, new Date(Date.now() + 25 * HOUR));
      const digest = await smtp.next(t.user.email);
      assert.match(digest.subject, /^2 events not copied for a day: "Team" → "Team"/);
      assert.match(digest.text, /- Refused 0: /);
      assert.match(digest.text, /- Refused 1: /);
      const page = await assertFixLink(t, digest, `/syncs/${config.id}`);
      // The sync's page says what happened in true words, and why, with Google's own beside.
      assert.match(page, /Partly failed: 2 of 4 copied/);
      assert.doesNotMatch(page, /0 failed|Failed: /);
      assert.match(page, /Refused 0:<\/strong> Google refused this event as not valid/);
      assert.match(
        page,
        /<details class="reason-original"><summary>Google&#39;s words<\/summary><code>400 invalid /,
      );
      await noteOnBoth(t, config.id, refused, new Date(Date.now() + 26 * HOUR));
      assert.equal((await unread(t)).length, 0, "one digest a day");
      await noteOnBoth(t, config.id, refused, new Date(Date.now() + 49 * HOUR));
      assert.match((await smtp.next(t.user.email)).subject, /^2 events not copied/);
    } finally {
      await faults();
    }
    // Copied at last: nothing is told, and nothing is left to tell later.
    assert.equal((await run(instances[0], t, config.id)).status, "success");
    const ok: RunOutcome = { status: "success", error: null, failures: [] };
    await noteOnBoth(t, config.id, ok, new Date(Date.now() + 73 * HOUR));
    assert.equal((await unread(t)).length, 0);
  },
});

Deno.test({
  name: "a sync stopped at needs_review is told once, and again only after it moved on",
  async fn() {
    const t = await tenant(app, world, "review");
    const config = await createConfig(t);
    const outcome: RunOutcome = { status: "partial", error: null, failures: [] };
    const setStatus = (status: string) =>
      recordSyncOutcome(world.db, config.id, { status, error: null, finished_at: new Date() });
    await setStatus("needs_review");
    await noteOnBoth(t, config.id, outcome);
    const mail = await smtp.next(t.user.email);
    assert.match(mail.subject, /^Waiting for you: sync "Team" → "Team"/);
    await assertFixLink(t, mail, `/syncs/${config.id}`);
    await noteOnBoth(t, config.id, outcome);
    assert.equal((await unread(t)).length, 0);
    // A run hands the alerts its config as it began: the previous run's status, needs_review.
    const began = (await getSyncConfig(world.db, config.id, t.user.id))!;
    await setStatus("success");
    const success = { ...outcome, status: "success" };
    await Promise.all(instances.map((s) => noteRunOutcome(s, began, success)));
    assert.equal((await unread(t)).length, 0, "moving on sends nothing");
    await noteOnBoth(t, config.id, { ...outcome, status: "needs_review" });
    assert.match((await smtp.next(t.user.email)).subject, /^Waiting for you/);
  },
});

Deno.test({
  name: "an alert the mail server refused is not counted as told: the next look sends it",
  async fn() {
    const t = await tenant(app, world, "smtp-down");
    const config = await createConfig(t);
    await recordSyncOutcome(world.db, config.id, {
      status: "needs_review",
      error: null,
      finished_at: new Date(),
    });
    const port = freePort(); // nobody listens there
    const down = createServices(
      { ...world.services.config, smtpUrl: `smtp://127.0.0.1:${port}` },
      world.db,
      world.sandboxUrl,
    );
    const row = (await getSyncConfig(world.db, config.id, t.user.id))!;
    const outcome: RunOutcome = { status: "partial", error: null, failures: [] };
    await noteRunOutcome(down, row, outcome);
    down.mailer.close();
    assert.deepEqual(await listIncidents(world.db, t.user.id), []);
    await noteRunOutcome(world.services, row, outcome);
    assert.match((await smtp.next(t.user.email)).subject, /^Waiting for you/);
    assert.equal((await listIncidents(world.db, t.user.id)).length, 1);
  },
});

Deno.test({
  name: "GET/PATCH /api/me/notifications: the user's own settings, validated",
  async fn() {
    const t = await tenant(app, world, "settings");
    const got = await call(t.browser, "GET", "/api/me/notifications");
    assert.equal(got.status, 200);
    assert.ok(Object.values(got.body).every((on) => on === true));
    const patched = await call(t.browser, "PATCH", "/api/me/notifications", {
      events_refused: false,
    });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.events_refused, false);
    assert.equal(patched.body.account_reconnect, true);
    assert.equal(
      (await call(t.browser, "PATCH", "/api/me/notifications", { bogus: true })).status,
      422,
    );
    assert.equal(
      (await call(t.browser, "PATCH", "/api/me/notifications", { sync_failing: "no" })).status,
      422,
    );
    const other = await tenant(app, world, "settings-other");
    assert.equal(
      (await call(other.browser, "GET", "/api/me/notifications")).body.events_refused,
      true,
    );
    const res = await anonymous("/api/me/notifications");
    await res.body?.cancel();
    assert.equal(res.status, 401);

    // An unsubscribe token is no session, and a session token unsubscribes nobody.
    const unsub = await unsubscribeToken(
      world.services.config.jwtSecret,
      t.user.id,
      "needs_review",
    );
    const asBearer = await anonymous("/api/auth/me", {
      headers: { authorization: `Bearer ${unsub}` },
    });
    await asBearer.body?.cancel();
    assert.equal(asBearer.status, 401);
    const page = await t.browser("/account");
    const html = await page.text();
    assert.match(html, /name="events_refused"(?![^>]*checked)/);
    assert.match(html, /name="sync_failing"[^>]*checked/);
    const saved = await t.browser("/account", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "needs_review=on",
    });
    await saved.body?.cancel();
    assert.equal(saved.status, 303);
    assert.deepEqual((await call(t.browser, "GET", "/api/me/notifications")).body, {
      account_reconnect: false,
      sync_failing: false,
      events_refused: false,
      needs_review: true,
    });
  },
});

closesTheFile("alert tests close their world and mail server", async () => {
  for (const s of instances) s.mailer.close();
  if (db2 !== world.db) await db2.close();
  await world.close();
  await smtp.close();
});
