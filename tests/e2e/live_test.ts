/**
 * The dashboard stays current without a reload (GET /api/events): a run triggered through the
 * API, not the page, shows on the open dashboard's card within 2 s, and a connection Google
 * revoked shows "reconnect needed" as soon as a run finds out.
 */
import assert from "node:assert/strict";
import {
  connectAccount,
  demoPair,
  hasChromium,
  PASSWORD,
  register,
  type RunningApp,
  shot,
  syncHeading,
  takeBrowserWorld,
} from "./_app.ts";

// The isolate's app and Chromium (takeBrowserWorld: hence no op or resource leak checks).
const shared = hasChromium ? takeBrowserWorld() : undefined;

async function apiToken(app: RunningApp, email: string): Promise<string> {
  const res = await fetch(`${app.url}/api/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(res.status, 200);
  return (await res.json()).access_token;
}

async function triggerThroughApi(app: RunningApp, token: string, id: string) {
  const res = await fetch(`${app.url}/api/sync/trigger/${id}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  await res.body?.cancel();
  return res.status;
}

Deno.test({
  name: "[e2e] the open dashboard follows runs and revokes made elsewhere, live",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const { app, chromium } = await shared!.ready;
    const { alice, bob } = await demoPair(app, "live");
    const browser = await chromium.newContext();
    try {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1100, height: 900 });
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      const email = `live-${crypto.randomUUID().slice(0, 8)}@cal-sync.test`;
      await t.step(
        "the signed-out landing says what it does and how to try the sandbox",
        async () => {
          await page.goto(`${app.url}/`);
          await page.waitForURL((url) => url.pathname === "/login");
          const intro = page.getByRole("region", { name: /Copy one Google Calendar/ });
          assert.match(await intro.innerText(), /copies the events of a Google Calendar/);
          const note = await page.locator("#sandbox-note").innerText();
          assert.match(note, /Google is simulated/);
          assert.match(note, /alice@example\.com/);
          assert.match(note, /bob@example\.com/);
        },
      );
      await register(page, app, email);
      await connectAccount(page, alice);
      await connectAccount(page, bob);
      await page.getByLabel("Source calendar").selectOption({ label: "Work (primary)" });
      await page.getByLabel("Destination calendar").selectOption({ label: "Main (primary)" });
      await page.getByRole("button", { name: "Create sync" }).click();
      await page.getByRole("heading", { name: syncHeading(alice) })
        .waitFor();
      const token = await apiToken(app, email);
      const { configs: [config] } = await (await fetch(`${app.url}/api/sync/config`, {
        headers: { authorization: `Bearer ${token}` },
      })).json();
      const lastRun = page.locator(`#sync-${config.id} .facts div`, { hasText: "Last run" })
        .locator("dd");
      assert.equal(await lastRun.innerText(), "Never");

      await t.step("a run triggered through the API shows within 2 s", async () => {
        assert.equal(await triggerThroughApi(app, token, config.id), 200);
        const finished = Date.now();
        await page.waitForFunction(
          (el) => el?.textContent !== "Never",
          await lastRun.elementHandle(),
          { timeout: 2_000 },
        );
        const badge = page.locator(`#sync-${config.id} .badge`);
        assert.match(await badge.innerText(), /succeeded|ok|working/i);
        console.log(`card updated ${Date.now() - finished} ms after the API answered`);
        await shot(page, "live-01-run-shown");
      });

      await t.step("a revoke shows 'reconnect needed' live", async () => {
        const revoked = await fetch(`${app.sandboxUrl}/_sandbox/faults`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ revoke: alice }),
        });
        assert.ok(revoked.ok, `revoke: ${revoked.status}`);
        await revoked.body?.cancel();
        assert.equal(await page.getByText("reconnect needed").count(), 0);
        await triggerThroughApi(app, token, config.id);
        await page.getByText("reconnect needed").first().waitFor({ timeout: 2_000 });
        // The card's Sync now is off until the account is reconnected.
        const syncNow = page.getByRole("button", { name: /^Sync now/ });
        await page.waitForFunction(
          (el) => (el as HTMLButtonElement).disabled,
          await syncNow
            .elementHandle(),
          { timeout: 2_000 },
        );
        await shot(page, "live-02-reconnect");
      });
      await t.step("at 390 px the history dialog shows every count within the width", async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        await page.getByRole("link", { name: /^History/ }).click();
        const dialog = page.getByRole("dialog");
        await dialog.locator(".runs tbody tr").first().waitFor();
        const cells = dialog.locator(".runs tbody tr").first().locator("td.num");
        assert.equal(await cells.count(), 7);
        for (let i = 0; i < 7; i++) {
          const cell = cells.nth(i);
          assert.ok(await cell.isVisible());
          const box = (await cell.boundingBox())!;
          assert.ok(box.x >= 0 && box.x + box.width <= 390, `count ${i} at ${JSON.stringify(box)}`);
          // Each count is labelled on a phone, the header row being out of sight.
          const label = await cell.evaluate((el) => getComputedStyle(el, "::before").content);
          assert.match(label, /^"(Created|Updated|Deleted|Skipped|Failed|Overwritten|Duration)"$/);
        }
        await shot(page, "live-03-history-390", false);
        const wrap = dialog.locator(".table-wrap");
        const sideways = await wrap.evaluate((el) => el.scrollWidth - el.clientWidth);
        assert.equal(sideways, 0, "no sideways scroll is needed");
      });
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "[e2e] the live test lets go of its app and Chromium",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => shared!.release(),
});
