import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  connectAndConfirm,
  copiesIn,
  demoPair,
  hasChromium,
  literally,
  register,
  type RunningApp,
  sandboxCalendar,
  shot,
  strictSteps,
  takeBrowserWorld,
  watchProblems,
} from "./_app.ts";

// The isolate's app and Chromium (takeBrowserWorld: hence no op or resource leak checks).
const shared = hasChromium ? takeBrowserWorld() : undefined;
const CAROL = "carol-accounts@example.com";

/** Adds a one-hour event tomorrow to a sandbox calendar, as its owner would in Google. */
async function addEvent(app: RunningApp, email: string, calendarSummary: string, summary: string) {
  const events = await sandboxCalendar(app.sandboxUrl, email, calendarSummary);
  const start = new Date(Date.now() + 86_400_000);
  start.setUTCMinutes(0, 0, 0);
  await events("", {
    method: "POST",
    body: JSON.stringify({
      summary,
      start: { dateTime: start.toISOString() },
      end: { dateTime: new Date(start.getTime() + 3_600_000).toISOString() },
    }),
  });
}

/** The `<optgroup>` labels of a picker and, for each, its options' labels and whether enabled. */
function pickerGroups(page: Page, label: string) {
  return page.getByLabel(label).evaluate((select) =>
    [...select.querySelectorAll("optgroup")].map((g) => ({
      label: g.label,
      options: [...g.querySelectorAll("option")].map((o) =>
        `${o.textContent}${o.disabled ? " [disabled]" : ""}`
      ),
    }))
  );
}

Deno.test({
  name: "[e2e] three Google accounts: two syncs from one source, reconnect, delete with removal",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(context) {
    let current: Page | undefined;
    const t = strictSteps(context, { page: () => current, shot: "accounts-failed-step" });
    const { app, chromium } = await shared!.ready;
    const { alice, bob } = await demoPair(app, "accounts");
    const browser = await chromium.newContext();
    try {
      const page = await browser.context.newPage();
      current = page;
      await page.setViewportSize({ width: 1100, height: 900 });
      const problems = watchProblems(page);
      const added = await fetch(`${app.sandboxUrl}/_sandbox/accounts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: CAROL, calendars: ["Projects", "Home"] }),
      });
      assert.equal(added.status, 201);
      await added.body?.cancel();

      await register(page, app, `accounts-${crypto.randomUUID().slice(0, 8)}@x.test`);

      await t.step("connects three accounts, each listed with its state", async () => {
        await page.getByText("No Google account is connected yet").waitFor();
        for (const email of [alice, bob, CAROL]) {
          await connectAndConfirm(page, email);
        }
        const rows = page.locator(".account-list article");
        assert.equal(await rows.count(), 3);
        assert.deepEqual(await rows.locator(".account__email").allInnerTexts(), [
          alice,
          bob,
          CAROL,
        ]);
        assert.equal(await rows.getByText("Connected").count(), 3);
        await shot(page.locator("section[aria-labelledby=accounts-title]"), "accounts-01-list");
      });

      await t.step("the pickers group every account's calendars by email", async () => {
        const source = await pickerGroups(page, "Source calendar");
        assert.deepEqual(source.map((g) => g.label), [alice, bob, CAROL]);
        const dest = await pickerGroups(page, "Destination calendar");
        assert.ok(
          dest[0].options.includes("Holidays in United States [disabled]") ||
            dest[0].options.some((o) => /Holidays.*read-only.*\[disabled\]/.test(o)),
          `read-only calendars cannot be destinations: ${dest[0].options}`,
        );
        // A native drop-down is not in a screenshot: open each as a list box to show the groups.
        await page.evaluate(() => {
          for (const s of document.querySelectorAll<HTMLSelectElement>(".picker select")) {
            s.size = s.options.length + s.querySelectorAll("optgroup").length;
          }
        });
        await shot(
          page.locator("section[aria-labelledby=new-sync-title]"),
          "accounts-02-grouped-pickers",
        );
        await page.evaluate(() => {
          for (const s of document.querySelectorAll<HTMLSelectElement>(".picker select")) {
            s.size = 0;
          }
        });
      });

      await t.step(
        "creates two syncs from Alice's Work into Bob's Main and Carol's Projects",
        async () => {
          for (const target of ["Main (primary)", "Projects (primary)"]) {
            await page.getByLabel("Source calendar").selectOption({ label: "Work (primary)" });
            await page.getByLabel("Destination calendar").selectOption({ label: target });
            await page.getByRole("button", { name: "Create sync" }).click();
            await page.getByText(new RegExp(`^Sync created: Work \\(${literally(alice)}\\) → `))
              .waitFor();
          }
          await page.getByRole("heading", {
            name: new RegExp(`Work \\(${literally(alice)}\\).*Main \\(${literally(bob)}\\)`),
          })
            .waitFor();
          await page.getByRole("heading", {
            name: new RegExp(
              `Work \\(${literally(alice)}\\).*Projects \\(${literally(CAROL)}\\)`,
            ),
          })
            .waitFor();
        },
      );

      await t.step("syncs both: each destination holds its own copies", async () => {
        for (const [dest, email] of [["Main", bob], ["Projects", CAROL]]) {
          const card = page.locator("article.sync", { hasText: `${dest} (${email})` });
          await card.getByRole("button", { name: /^Sync now/ }).click();
          await card.locator(".run-result").waitFor({ timeout: 30_000 });
          assert.match(await card.locator(".run-result").innerText(), /^Succeeded/);
        }
        const intoBob = await copiesIn(app, bob, "Main");
        const intoCarol = await copiesIn(app, CAROL, "Projects");
        assert.ok(intoBob.length > 0);
        assert.equal(intoCarol.length, intoBob.length, "the same source, mirrored twice");
        await shot(page, "accounts-03-two-syncs");
      });

      await t.step(
        "a revoked account says so on its card, and Reconnect there fixes it",
        async () => {
          await fetch(`${app.sandboxUrl}/_sandbox/faults`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ revoke: bob }),
          }).then((r) => r.body?.cancel());
          // A change to copy, so that the run must write as Bob.
          await addEvent(app, alice, "Work", "Added after the revoke");
          const before = page.locator("article.sync", { hasText: `Main (${bob})` });
          await before.getByRole("button", { name: /^Sync now/ }).click();
          await before.locator(".run-result").waitFor({ timeout: 30_000 });
          await page.reload();
          const card = page.locator("article.sync", { hasText: bob });
          await card.getByText("needs reconnecting: this sync waits until it is").waitFor();
          // A mark on this page's window: a reload would wipe it.
          await page.evaluate(() => Object.assign(globalThis, { notReloaded: true }));
          assert.ok(await page.locator(".account-list").getByText("Reconnect needed").isVisible());
          await shot(page, "accounts-04-needs-reconnect");
          const [popup] = await Promise.all([
            page.waitForEvent("popup"),
            card.getByRole("link", { name: /^Reconnect/ }).click(),
          ]);
          await popup.getByText(`Reconnecting ${bob} to cal-sync`).waitFor();
          await popup.setViewportSize({ width: 520, height: 720 });
          await shot(popup, "accounts-05-consent-hint");
          await popup.getByRole("button", { name: `Continue as ${bob}` }).click();
          await popup.waitForEvent("close", { timeout: 15_000 });
          // The page behind was not reloaded: the card and the list learn of it in place.
          assert.equal(await page.evaluate(() => "notReloaded" in globalThis), true);
          await card.getByText("this sync waits until it is").waitFor({ state: "detached" });
          await page.getByText(`The Google account ${bob} is connected.`).waitFor();
          assert.equal(
            await page.locator(".account-list").getByText("Reconnect needed").count(),
            0,
          );
          const fixed = card;
          await fixed.getByRole("button", { name: /^Sync now/ }).click();
          await fixed.locator(".run-result").waitFor({ timeout: 30_000 });
          assert.match(await fixed.locator(".run-result").innerText(), /^Succeeded/);
        },
      );

      await t.step("deletes the sync into Carol with its copies; Bob's stay", async () => {
        const bobBefore = (await copiesIn(app, bob, "Main")).length;
        await page.getByRole("link", { name: /^Delete.*Projects/ }).click();
        const dialog = page.getByRole("dialog", { name: /Delete the sync .*Projects/ });
        await dialog.waitFor();
        await dialog.getByLabel("Also remove synced events from the destination").check();
        await dialog.getByRole("button", { name: "Delete sync" }).click();
        await page.getByText(/synced event\(s\) removed from the destination/).waitFor();
        assert.equal((await copiesIn(app, CAROL, "Projects")).length, 0);
        assert.equal((await copiesIn(app, bob, "Main")).length, bobBefore);
      });

      await t.step("disconnecting Bob names the sync it pauses, in a styled dialog", async () => {
        const row = page.locator(".account-list article", { hasText: bob });
        await row.getByRole("link", { name: /^Disconnect/ }).click();
        const dialog = page.getByRole("dialog", { name: `Disconnect ${bob}?` });
        await dialog.waitFor();
        assert.match(await dialog.innerText(), /Work → Main/);
        await shot(page, "accounts-06-disconnect-dialog", false);
        await dialog.getByRole("button", { name: "Disconnect", exact: true }).click();
        await page.getByText(`Disconnected ${bob}. 1 sync(s) paused.`).waitFor();
        assert.equal(await page.locator(".account-list article").count(), 2);
        const card = page.locator("article.sync", { hasText: bob });
        await card.getByText(`Paused: The Google account ${bob} was disconnected`)
          .waitFor();
        await shot(page, "accounts-07-disconnected");
      });

      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "[e2e] the accounts test lets go of its app and Chromium",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => shared!.release(),
});
