/**
 * The dashboard shows the calendar lists cached when the accounts were connected: a view asks
 * Google nothing; an old list is refreshed in the background, and "Refresh the calendar lists"
 * asks Google at once.
 */
import assert from "node:assert/strict";
import { getAccountByRole } from "@/lib/db/google_accounts.ts";
import { calendarRefreshesSettled } from "@/lib/google/calendar_list.ts";
import { browserOf, connect, newGoogleAccount, newUser, openApp, openWorld } from "./_helpers.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openWorld();
const app = await openApp(world.services);

const listCalls = () => world.sandbox.stats().requests["calendarList.list"] ?? 0;

/** A user with both accounts connected, and a browser signed in as them. */
async function connectedUser() {
  const user = await newUser(world);
  const browser = await browserOf(app, world, user);
  const source = newGoogleAccount(world, "src");
  const destination = newGoogleAccount(world, "dst");
  await connect(browser, "source", source);
  await connect(browser, "destination", destination);
  const dashboard = async () => {
    const res = await browser("/");
    assert.equal(res.status, 200);
    return await res.text();
  };
  return { user, browser, source, destination, dashboard };
}

/** The calendar names a picker of the page offers. */
function options(html: string, name: string): string[] {
  const select = html.match(new RegExp(`<select[^>]*name="${name}"[\\s\\S]*?</select>`))?.[0];
  assert.ok(select, `no ${name} picker`);
  return [...select.matchAll(/<option[^>]*value="[^"]+"[^>]*>([^<]*)</g)].map((m) => m[1]);
}

/** A picker's calendar names by `<optgroup>` label (one per connected account). */
function groups(html: string, name: string): Record<string, string[]> {
  const select = html.match(new RegExp(`<select[^>]*name="${name}"[\\s\\S]*?</select>`))?.[0];
  assert.ok(select, `no ${name} picker`);
  return Object.fromEntries(
    [...select.matchAll(/<optgroup\s+label="([^"]*)">([\s\S]*?)<\/optgroup>/g)].map((g) => [
      g[1],
      [...g[2].matchAll(/<option[^>]*>([^<]*)</g)].map((m) => m[1]).sort(),
    ]),
  );
}

Deno.test("[http] a dashboard view makes no Google request", async () => {
  const { dashboard, source, destination } = await connectedUser();
  const both = { [source]: ["Main (primary)", "Team"], [destination]: ["Main (primary)", "Team"] };
  const totalBefore = world.sandbox.stats().total;
  for (let i = 0; i < 3; i++) {
    const html = await dashboard();
    assert.deepEqual(groups(html, "source"), both, "one group per account");
    assert.deepEqual(groups(html, "dest"), both);
  }
  await calendarRefreshesSettled();
  assert.equal(world.sandbox.stats().total - totalBefore, 0);
});

Deno.test("[http] an old calendar list is refreshed in the background for the next view", async () => {
  const { user, source, dashboard } = await connectedUser();
  world.sandbox.addAccount(source, ["Added later"]);
  await world.db.query(
    "UPDATE calendars SET fetched_at = now() - interval '1 hour' WHERE account_id = $1",
    [(await getAccountByRole(world.db, user.id, "source"))!.id],
  );
  const before = listCalls();
  const html = await dashboard();
  assert.ok(!options(html, "source").includes("Added later"), "the cached list");
  await calendarRefreshesSettled();
  assert.equal(listCalls() - before, 1, "only the old list is read again");

  assert.ok(options(await dashboard(), "source").includes("Added later"));
  await calendarRefreshesSettled();
  assert.equal(listCalls() - before, 1, "a fresh list is not read again");
});

Deno.test("[http] Refresh the calendar lists asks Google at once", async (t) => {
  const { source, destination, browser, dashboard } = await connectedUser();
  assert.match(await dashboard(), /href="\/\?refresh=calendars"/);

  await t.step("and shows the new lists", async () => {
    world.sandbox.addAccount(source, ["Source extra"]);
    world.sandbox.addAccount(destination, ["Dest extra"]);
    const before = listCalls();
    const res = await browser("/?refresh=calendars");
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/?notice=calendars_refreshed#new-sync-title");
    assert.equal(listCalls() - before, 2);
    const html = await (await browser("/?notice=calendars_refreshed")).text();
    assert.match(html, /Calendar lists refreshed from Google\./);
    assert.ok(options(html, "source").includes("Source extra"));
    assert.ok(options(html, "dest").includes("Dest extra"));
  });

  await t.step("and says so when Google cannot be reached, keeping the lists", async () => {
    await fetch(`${world.sandboxUrl}_sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ error_rate: { rate: 1, status: 503, reason: "backendError" } }),
    }).then((r) => r.body?.cancel());
    try {
      const res = await browser("/?refresh=calendars");
      assert.equal(res.status, 303);
      assert.equal(res.headers.get("location"), "/?notice=calendars_unavailable#new-sync-title");
      const html = await (await browser("/?notice=calendars_unavailable")).text();
      assert.match(html, /Google could not be reached for the calendar lists/);
      assert.ok(options(html, "source").includes("Source extra"));
    } finally {
      await fetch(`${world.sandboxUrl}_sandbox/faults`, { method: "DELETE" }).then((r) =>
        r.body?.cancel()
      );
    }
  });
});

closesTheFile("[http] dashboard calendar tests close their world", () => world.close());
