/**
 * Sync options in Chromium: a new sync in busy mode with a prefix (preview first), its copies
 * titled "[Work] Busy"; the Edit dialog to full mode with a preview; the sync's page saying
 * why an event is or isn't copied; and the deletion guard's prompt on the card, answered both
 * ways once the source is emptied.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  connectAndConfirm,
  copiesIn,
  demoPair,
  hasChromium,
  literally,
  PASSWORD,
  type RunningApp,
  sandboxCalendar,
  shot,
  syncHeading,
  syncName,
  takeBrowserWorld,
} from "./_app.ts";

// The isolate's app and Chromium (takeBrowserWorld: hence no op or resource leak checks).
const shared = hasChromium ? takeBrowserWorld() : undefined;

/** The sync's copies in Bob's Main that stand as series or single events (what the guard counts). */
async function standingCopies(app: RunningApp, bob: string) {
  return (await copiesIn(app, bob, "Main")).filter((c) => !c.recurringEventId);
}

/** Clicks the card's Sync now (of the sync `syncRe` names) and waits for the run's result. */
async function syncNow(page: Page, syncRe: string) {
  await page.locator(".run-result").evaluateAll((els) => els.forEach((el) => el.remove()));
  await page.getByRole("button", { name: new RegExp(`^Sync now\\W+${syncRe}$`) }).click();
  await page.locator(".run-result").waitFor({ timeout: 30_000 });
}

/** Runs until the guard holds the removals, and returns the number the card's prompt names. */
async function heldRun(page: Page, syncRe: string) {
  await syncNow(page, syncRe);
  const prompt = page.getByRole("alert").filter({ hasText: /This run would remove \d+ copies/ });
  await prompt.waitFor();
  return Number((await prompt.innerText()).match(/This run would remove (\d+) copies/)![1]);
}

Deno.test({
  name: "[e2e] sync options: busy with a prefix, edit to full with a preview, why, review prompt",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const { app, chromium } = await shared!.ready;
    const { alice, bob } = await demoPair(app, "options");
    /** The sync as its card names it, and as a pattern. */
    const SYNC = syncName({ alice, bob });
    const SYNC_RE = literally(SYNC);
    const browser = await chromium.newContext();
    try {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1100, height: 900 });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`${app.url}/register`);
      await page.getByLabel("Email").fill(`opt-${crypto.randomUUID().slice(0, 8)}@cal-sync.test`);
      await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(`${app.url}/`);
      await connectAndConfirm(page, alice);
      await connectAndConfirm(page, bob);

      const ok = await t.step("a new sync in busy mode with a prefix, previewed", async () => {
        await page.getByLabel("Source calendar").selectOption({ label: "Work (primary)" });
        await page.getByLabel("Destination calendar").selectOption({ label: "Main (primary)" });
        const bothWays = page.locator("#direction-two_way-hint");
        assert.match(await bothWays.innerText(), /an edit to a copy moves its original too/);
        await page.getByLabel(/^Busy only/).check();
        // Busy copies are read-only: the direction's sentence says so.
        await bothWays.getByText(/copies are read-only: an edit to a copy is undone/).waitFor();
        await page.getByLabel("Put before every copy's title").fill("[Work] ");
        const preview = page.getByTestId("new-preview");
        await preview.getByText(/^This will create [1-9]\d*, update \d+ and remove 0 copies\.$/)
          .waitFor();
        assert.match(await preview.innerText(), /Copies will look like: “\[Work\] Busy”/);
        await shot(page, "options-01-new-preview");
        await page.getByRole("button", { name: "Create sync" }).click();
        await page.getByRole("heading", { name: syncHeading(alice) })
          .waitFor();
        await page.getByRole("button", { name: new RegExp(`^Sync now\\W+${SYNC_RE}$`) }).click();
        await page.locator(".run-result").waitFor({ timeout: 30_000 });
        const copies = await copiesIn(app, bob, "Main");
        assert.ok(copies.length > 0);
        assert.deepEqual([...new Set(copies.map((c) => c.summary))], ["[Work] Busy"]);
      });
      if (!ok) throw new Error("the new sync failed");

      await t.step("Edit: full mode, with a preview, then the copies carry titles", async () => {
        await page.getByRole("link", { name: new RegExp(`^Edit\\s+${SYNC_RE}$`) }).click();
        const dialog = page.getByRole("dialog", { name: `Edit the sync ${SYNC}` });
        await dialog.waitFor();
        const bothWays = dialog.locator("[id$='-direction-two_way-hint']");
        assert.match(await bothWays.innerText(), /copies are read-only/);
        await dialog.getByLabel(/^Full details/).check();
        await bothWays.getByText(/an edit to a copy moves its original too/).waitFor();
        const preview = dialog.getByTestId("preview");
        await preview.getByText(/^This will create 0, update [1-9]\d* and remove 0 copies\.$/)
          .waitFor();
        assert.match(await preview.innerText(), /Copies will look like: “\[Work\] (?!Busy)/);
        await shot(page, "options-02-edit-preview", false);
        await dialog.getByRole("button", { name: "Save" }).click();
        await dialog.waitFor({ state: "hidden" });
        await page.locator(".run-result").first().evaluate((el) => el.remove());
        await page.getByRole("button", { name: new RegExp(`^Sync now\\W+${SYNC_RE}$`) }).click();
        await page.locator(".run-result").waitFor({ timeout: 30_000 });
        const titles = (await copiesIn(app, bob, "Main")).map((c) => c.summary);
        assert.ok(titles.includes("[Work] Design review"), titles.join(", "));
      });

      await t.step("the sync's page says why an event is or isn't there", async () => {
        const card = await page.locator("article.sync").first().getAttribute("id");
        await page.goto(`${app.url}/syncs/${card!.replace(/^sync-/, "")}`);
        await page.getByLabel("Find an event of the source calendar").fill("Quarterly planning");
        await page.getByRole("button", { name: "Search" }).click();
        const reasons = page.getByTestId("event-reasons");
        await reasons.waitFor();
        assert.match(await reasons.innerText(), /Quarterly planning.*Outside the window/s);
        await page.getByLabel("Find an event of the source calendar").fill("Design review");
        await page.getByRole("button", { name: "Search" }).click();
        await page.getByTestId("event-reasons").getByText("Copied", { exact: true }).waitFor();
        assert.match(await page.getByTestId("event-reasons").innerText(), /Design review.*Copied/s);
        await shot(page, "options-03-why");
      });

      await t.step(
        "the source emptied: the card asks; Keep them and pause keeps them",
        async () => {
          const work = await sandboxCalendar(app.sandboxUrl, alice, "Work");
          for (let i = 0; i < 12; i++) {
            const start = new Date(Date.now() + (2 + i) * 86_400_000).toISOString();
            const end = new Date(Date.now() + (2 + i) * 86_400_000 + 3_600_000).toISOString();
            await work("", {
              method: "POST",
              body: JSON.stringify({
                summary: `Client call ${i}`,
                start: { dateTime: start },
                end: { dateTime: end },
              }),
            });
          }
          await page.goto(`${app.url}/`);
          await syncNow(page, SYNC_RE);
          const before = await standingCopies(app, bob);
          assert.ok(before.length > 12, `${before.length} copies`);
          // The wrong calendar shared, say: every source event is gone at once. Paused meanwhile:
          // push would run the sync between the deletions, each run removing ten or fewer.
          const active = page.getByRole("button", { name: new RegExp(`^Active\\W+${SYNC_RE}$`) });
          await active.click();
          await page.getByText("Next run").locator("..").getByText("Paused").waitFor();
          const listed: { id: string; recurringEventId?: string }[] =
            (await work("?maxResults=2500")).items;
          // A series goes with its exceptions.
          for (const e of listed.filter((e) => !e.recurringEventId)) {
            await work(`/${e.id}`, { method: "DELETE" });
          }
          await active.click();
          await page.getByRole("button", { name: new RegExp(`^Sync now\\W+${SYNC_RE}$`) })
            .and(page.locator(":enabled")).waitFor();
          assert.equal(await heldRun(page, SYNC_RE), before.length);
          await shot(page, "options-04-review", false);
          await page.getByRole("button", { name: "Keep them and pause" }).click();
          await page.getByText("Paused: Paused to review removals.").waitFor();
          await page.getByRole("alert").filter({ hasText: /This run would remove/ })
            .waitFor({ state: "detached" });
          const card = page.locator("article.sync").first();
          assert.match(await card.innerText(), /Next run\s*Paused/);
          assert.deepEqual(
            (await standingCopies(app, bob)).map((c) => c.id).sort(),
            before.map((c) => c.id).sort(),
            "nothing removed",
          );
        },
      );

      await t.step("resumed, asked again: Remove them removes the copies", async () => {
        const before = await standingCopies(app, bob);
        await page.getByRole("button", { name: new RegExp(`^Active\\W+${SYNC_RE}$`) }).click();
        await page.getByText("Paused: Paused to review removals.").waitFor({ state: "detached" });
        assert.equal(await heldRun(page, SYNC_RE), before.length);
        assert.equal((await standingCopies(app, bob)).length, before.length, "held, not removed");
        await page.getByRole("button", { name: "Remove them" }).click();
        // Approved: the next run (due now, or this one) removes them.
        await page.getByRole("status").getByText(`The next run removes ${before.length} copies`)
          .waitFor();
        assert.equal(await page.getByRole("button", { name: "Remove them" }).count(), 0);
        await syncNow(page, SYNC_RE);
        await page.locator(".review").waitFor({ state: "detached" });
        assert.deepEqual(await copiesIn(app, bob, "Main"), []);
        await shot(page, "options-05-removed", false);
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "[e2e] the options test lets go of its app and Chromium",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => shared!.release(),
});
