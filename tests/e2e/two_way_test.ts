import assert from "node:assert/strict";
import {
  connectAccount,
  demoPair,
  hasChromium,
  register,
  sandboxCalendar,
  sandboxEvents,
  shot,
  syncHeading,
  takeBrowserWorld,
} from "./_app.ts";

// The isolate's app and Chromium (takeBrowserWorld: hence no op or resource leak checks).
const shared = hasChromium ? takeBrowserWorld() : undefined;

Deno.test({
  name: "[e2e] a two-way sync in Chromium: an edit to a copy moves its original",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { app, chromium } = await shared!.ready;
    const { alice, bob } = await demoPair(app, "2way");
    const browser = await chromium.newContext();
    try {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1100, height: 900 });
      await register(page, app, `e2e-2way-${crypto.randomUUID().slice(0, 8)}@cal-sync.test`);
      await connectAccount(page, alice);
      await connectAccount(page, bob);
      const work = await sandboxCalendar(app.sandboxUrl, alice, "Work");
      const start = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 86_400_000);
      const original = await work("", {
        method: "POST",
        body: JSON.stringify({
          summary: "Design review",
          start: { dateTime: start.toISOString() },
          end: { dateTime: new Date(start.getTime() + 3_600_000).toISOString() },
        }),
      });

      await page.getByLabel("Source calendar").selectOption({ label: "Work (primary)" });
      await page.getByLabel("Destination calendar").selectOption({ label: "Main (primary)" });
      await page.getByLabel("Both ways (A ↔ B)").check();
      await page.getByRole("button", { name: "Create sync" }).click();
      await page.getByRole("heading", { name: syncHeading(alice, "and") })
        .waitFor();
      assert.ok(await page.locator(".sync__arrow", { hasText: "↔" }).isVisible());
      await shot(page, "two-way-created");

      const syncNow = async () => {
        await page.getByRole("button", { name: /^Sync now\W+Work.* ↔ Main/ }).click();
        await page.locator(".run-result").waitFor({ timeout: 30_000 });
        assert.match(await page.locator(".run-result").innerText(), /^Succeeded/);
      };
      await syncNow();
      const copy = (await sandboxEvents(app.sandboxUrl, bob, "Main")).find((e) =>
        e.extendedProperties?.shared?.source_id === original.id
      ) as { id: string } | undefined;
      assert.ok(copy, "the original was copied into Bob's Main");

      // Bob moves the meeting in his calendar, through the Calendar API.
      const main = await sandboxCalendar(app.sandboxUrl, bob, "Main");
      const later = new Date(start.getTime() + 2 * 3_600_000);
      await main(`/${copy.id}`, {
        method: "PATCH",
        body: JSON.stringify({
          summary: "Design review (moved)",
          start: { dateTime: later.toISOString() },
          end: { dateTime: new Date(later.getTime() + 3_600_000).toISOString() },
        }),
      });
      await syncNow();
      const followed = await work(`/${original.id}`);
      assert.equal(followed.summary, "Design review (moved)");
      assert.equal(Date.parse(followed.start.dateTime), later.getTime());
      await shot(page, "two-way-followed");

      // The Edit dialog offers the same direction choice: back to one way, in place.
      await page.getByRole("link", { name: /^Edit\s+Work.* ↔ Main/ }).click();
      const dialog = page.getByRole("dialog", { name: /^Edit the sync Work/ });
      assert.ok(await dialog.getByLabel("Both ways (A ↔ B)").isChecked());
      await dialog.getByLabel("One way (A → B)").check();
      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "hidden" });
      await page.locator(".sync__arrow", { hasText: "→" }).waitFor();
      assert.equal(await page.locator(".sync__arrow", { hasText: "↔" }).count(), 0);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "[e2e] the two-way test lets go of its app and Chromium",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => shared!.release(),
});
