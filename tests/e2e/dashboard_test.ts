import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import {
  connectAccount,
  copiesIn,
  demoPair,
  hasChromium,
  literally,
  PASSWORD,
  register,
  shot,
  strictSteps,
  syncHeading,
  syncName,
  takeBrowserWorld,
  watchProblems,
} from "./_app.ts";

// The isolate's app and Chromium (takeBrowserWorld: hence no op or resource leak checks); each
// test has a browser context, a user and a demo pair of its own.
const shared = hasChromium ? takeBrowserWorld() : undefined;

/** Reconnect opens Google's consent in a popup; the page behind learns of it without a reload. */
async function reconnect(page: Page, email: string) {
  const [popup] = await Promise.all([
    page.waitForEvent("popup"),
    page.getByRole("link", { name: `Reconnect ${email}` }).click(),
  ]);
  await popup.getByRole("button", { name: `Continue as ${email}` }).click();
  await popup.waitForEvent("close", { timeout: 15_000 });
}

Deno.test({
  name: "[e2e] the dashboard in Chromium: connect, create, sync now, history, delete",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(context) {
    const t = strictSteps(context);
    const { app, chromium } = await shared!.ready;
    const { alice, bob } = await demoPair(app, "dash");
    const SYNC = syncName({ alice, bob });
    const SYNC_RE = literally(SYNC);
    const browser = await chromium.newContext();
    try {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1100, height: 900 });
      const problems = watchProblems(page);
      const email = `e2e-${crypto.randomUUID().slice(0, 8)}@cal-sync.test`;

      await t.step("registration shows a 422 field error next to its field", async () => {
        await page.goto(`${app.url}/register`);
        await page.getByLabel("Email").fill(email);
        await page.getByLabel("Password", { exact: true }).fill("short");
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === "POST"),
          page.getByRole("button", { name: "Create account" }).click(),
        ]);
        assert.equal(response.status(), 422);
        const password = page.getByLabel("Password", { exact: true });
        assert.equal(await password.getAttribute("aria-invalid"), "true");
        const describedBy = await password.getAttribute("aria-describedby") ?? "";
        const error = page.locator(`#${describedBy.split(" ").find((id) => id.endsWith("error"))}`);
        assert.match(await error.innerText(), /8/);
        await shot(page, "01-register-422");
      });

      await t.step("registers and lands on an empty dashboard", async () => {
        await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
        await page.getByRole("button", { name: "Create account" }).click();
        await page.waitForURL(`${app.url}/`);
        await page.getByRole("heading", { name: "Dashboard" }).waitFor();
        assert.ok(await page.getByText("No syncs yet").isVisible());
        assert.ok(await page.getByRole("button", { name: "Create sync" }).isDisabled());
        await shot(page, "02-dashboard-empty");
      });

      await t.step("at 127.0.0.1, a wrong password is refused with a message", async () => {
        await page.getByRole("button", { name: "Sign out" }).click();
        // Opened under another name for the host: the session must still reach the OAuth
        // callback, which Google sends to API_URL (localhost), in the connect step below.
        await page.goto(`${app.otherUrl}/login`);
        await page.getByLabel("Email").fill(email);
        await page.getByLabel("Password", { exact: true }).fill("not the password");
        await page.getByRole("button", { name: "Sign in" }).click();
        const alert = page.getByRole("alert");
        await alert.waitFor();
        assert.match(await alert.innerText(), /password/i);
        await shot(page, "03-login-wrong-password");
        await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
        await page.getByRole("button", { name: "Sign in" }).click();
        await page.waitForURL((url) => url.pathname === "/");
      });

      await t.step(
        "signed in at 127.0.0.1, connects Alice as source and Bob as destination",
        async () => {
          await connectAccount(page, alice);
          assert.equal(new URL(page.url()).origin, app.url, "127.0.0.1 was sent to localhost");
          await page.getByText(`The Google account ${alice} is connected.`).waitFor();
          await connectAccount(page, bob);
          await page.getByText(`The Google account ${bob} is connected.`).waitFor();
          assert.ok(await page.getByText(alice).first().isVisible());
          assert.ok(await page.getByText(bob).first().isVisible());
          await shot(page, "04-connected");
        },
      );

      await t.step("a bad window is a 422 shown next to Days ahead", async () => {
        await page.getByLabel("Source calendar").selectOption({ label: "Work (primary)" });
        await page.getByLabel("Destination calendar").selectOption({ label: "Main (primary)" });
        await page.getByLabel("Days ahead").fill("400");
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith("/api/sync/config")),
          page.getByRole("button", { name: "Create sync" }).click(),
        ]);
        assert.equal(response.status(), 422);
        const days = page.getByLabel("Days ahead");
        await page.locator("#sync_lookahead_days-error").waitFor();
        assert.equal(await days.getAttribute("aria-invalid"), "true");
        assert.match(
          await days.getAttribute("aria-describedby") ?? "",
          /sync_lookahead_days-error/,
        );
        await shot(page, "05-create-422");
      });

      await t.step("creates the sync Work → Main", async () => {
        await page.getByLabel("Days ahead").fill("90");
        await page.getByRole("button", { name: "Create sync" }).click();
        await page.getByRole("heading", { name: syncHeading(alice) })
          .waitFor();
        assert.equal(await page.getByText("No syncs yet").count(), 0);
        await shot(page, "06-created");
      });

      await t.step("Sync now shows progress, then the created events", async () => {
        assert.equal((await copiesIn(app, bob, "Main")).length, 0);
        await page.evaluate(() => {
          const seen: string[] = [];
          Object.assign(globalThis, { progressSeen: seen });
          new MutationObserver(() => {
            const label = document.querySelector(".run-progress label")?.textContent;
            if (label && seen.at(-1) !== label) seen.push(label);
          }).observe(document.body, { subtree: true, childList: true, characterData: true });
        });
        await page.getByRole("button", { name: new RegExp(`^Sync now\\W+${SYNC_RE}$`) }).click();
        const result = page.locator(".run-result");
        await result.waitFor({ timeout: 30_000 });
        const text = await result.innerText();
        const created = Number(/(\d+) created/.exec(text)?.[1]);
        assert.ok(created > 0, `created events in "${text}"`);
        // Counts without zeros: a run that refused nothing says nothing of failures.
        assert.match(text, /^Succeeded — \d+ created/);
        assert.doesNotMatch(text, /failed|not copied|\b0 /);
        const seen = await page.evaluate(() =>
          (globalThis as unknown as { progressSeen: string[] }).progressSeen
        );
        assert.ok(seen.some((label) => / of \d+ events/.test(label)), `progress: ${seen}`);
        const copies = await copiesIn(app, bob, "Main");
        assert.ok(copies.length >= created, "the copies are in Bob's Main calendar");
        // The run restarted the schedule, and the card says so without a reload.
        const nextRun = page.locator(".facts div", { hasText: "Next run" }).locator("dd");
        await page.waitForFunction(
          (el) => el?.textContent !== "Due now",
          await nextRun.elementHandle(),
          { timeout: 5_000 },
        );
        await shot(page, "07-sync-result");
      });

      await t.step(
        "History shows the run in a dialog that traps focus and closes on Escape",
        async () => {
          const opener = page.getByRole("link", { name: new RegExp(`^History\\s+of ${SYNC_RE}$`) });
          await opener.click();
          const dialog = page.getByRole("dialog", { name: `History: ${SYNC}` });
          await dialog.waitFor();
          await dialog.locator("table.runs tbody tr").first().waitFor();
          assert.equal(await dialog.locator("table.runs tbody tr").count(), 1);
          assert.match(await dialog.locator("tbody tr").first().innerText(), /Manual/);
          assert.ok(await dialog.locator("svg[role=img] rect.chart__bar").count() >= 3);
          await shot(page, "08-history", false);
          for (let i = 0; i < 4; i++) {
            await page.keyboard.press("Tab");
            assert.ok(
              await dialog.evaluate((d) => d.contains(document.activeElement)),
              "focus stays in the dialog",
            );
          }
          await page.keyboard.press("Escape");
          await dialog.waitFor({ state: "hidden" });
          assert.ok(await opener.evaluate((el) => el === document.activeElement));
        },
      );

      await t.step("disconnects and reconnects the source account", async () => {
        await page.getByRole("link", { name: new RegExp(`^Disconnect\\s+${literally(alice)}$`) })
          .click();
        const dialog = page.getByRole("dialog", { name: `Disconnect ${alice}?` });
        await dialog.waitFor();
        await dialog.getByText("Work → Main").waitFor(); // the sync it pauses, made after the page loaded
        await dialog.getByRole("button", { name: "Disconnect", exact: true }).click();
        await page.getByText(`Disconnected ${alice}`).waitFor();
        await shot(page, "09-disconnected");
        await connectAccount(page, alice);
        await page.getByText(`The Google account ${alice} is connected.`).waitFor();
        await reconnect(page, alice);
        await page.getByText(`The Google account ${alice} is connected.`).waitFor();
        await shot(page, "10-reconnected");
      });

      await t.step("deletes the sync and its copies after a confirmation", async () => {
        await page.getByRole("link", { name: new RegExp(`^Delete\\s+${SYNC_RE}$`) }).click();
        const dialog = page.getByRole("dialog", { name: `Delete the sync ${SYNC}?` });
        await dialog.waitFor();
        await dialog.getByLabel("Also remove synced events from the destination").check();
        await shot(page, "11-delete-confirm", false);
        await dialog.getByRole("button", { name: "Delete sync" }).click();
        await page.getByText(`Deleted the sync ${SYNC}`).waitFor();
        assert.ok(await page.getByText("No syncs yet").isVisible());
        assert.equal((await copiesIn(app, bob, "Main")).length, 0, "no copy is left in Bob's Main");
        await shot(page, "12-deleted");
      });

      await t.step("a phone-width dashboard in the dark", async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        await page.emulateMedia({ colorScheme: "dark" });
        await page.reload();
        await shot(page, "13-phone-dark");
        const overflow = await page.evaluate(() =>
          document.documentElement.scrollWidth - document.documentElement.clientWidth
        );
        assert.equal(overflow, 0, "nothing overflows sideways at phone width");
      });

      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "[e2e] the dashboard without JavaScript: pages render and forms post",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(context) {
    const t = strictSteps(context);
    const { app, chromium } = await shared!.ready;
    const { alice, bob } = await demoPair(app, "nojs");
    const browser = await chromium.newContext({ javaScriptEnabled: false });
    try {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1100, height: 900 });
      const email = `nojs-${crypto.randomUUID().slice(0, 8)}@cal-sync.test`;

      await t.step(
        "registers and connects both accounts through plain links and forms",
        async () => {
          await register(page, app, email);
          assert.equal(await page.locator("script").count(), 1, "only the islands' boot module");
          await connectAccount(page, alice);
          await connectAccount(page, bob);
          assert.deepEqual(await page.locator(".account__email").allInnerTexts(), [alice, bob]);
        },
      );

      await t.step("a bad window posts back a 422 with the error next to Days ahead", async () => {
        await page.getByLabel("Source calendar").selectOption({ label: "Work (primary)" });
        await page.getByLabel("Destination calendar").selectOption({ label: "Main (primary)" });
        await page.getByLabel("Days ahead").fill("0");
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === "POST"),
          page.getByRole("button", { name: "Create sync" }).click(),
        ]);
        assert.equal(response.status(), 422);
        assert.match(await page.locator("#sync_lookahead_days-error").innerText(), /1-365/);
        assert.equal(await page.getByLabel("Days ahead").getAttribute("aria-invalid"), "true");
        assert.equal(await page.getByLabel("Source calendar").inputValue() !== "", true);
        await shot(page, "nojs-01-create-422");
      });

      await t.step("creates the sync and runs it with a form post", async () => {
        await page.getByLabel("Days ahead").fill("30");
        await page.getByRole("button", { name: "Create sync" }).click();
        await page.getByText("Sync created.").waitFor();
        await page.getByRole("heading", { name: syncHeading(alice) })
          .waitFor();
        await page.getByRole("button", { name: /^Sync now/ }).click();
        await page.waitForURL(/ran=/);
        const text = await page.locator(".run-result").innerText();
        assert.ok(Number(/(\d+) created/.exec(text)?.[1]) > 0, text);
        assert.ok((await copiesIn(app, bob, "Main")).length > 0);
        await shot(page, "nojs-02-sync-result");
      });

      await t.step("History is a page with the run", async () => {
        await page.getByRole("link", { name: /^History/ }).click();
        await page.getByRole("heading", { name: "Work → Main" }).waitFor();
        assert.equal(await page.locator("table.runs tbody tr").count(), 1);
        assert.ok(await page.locator("svg[role=img]").isVisible());
        await shot(page, "nojs-03-history");
        await page.getByRole("link", { name: "← Dashboard" }).click();
      });

      await t.step("pauses and resumes with the toggle", async () => {
        await page.getByRole("button", { name: /^Active/ }).click();
        await page.getByText("Sync paused").waitFor();
        assert.equal(
          await page.getByRole("button", { name: /^Active/ }).getAttribute("aria-pressed"),
          "false",
        );
        await page.getByRole("button", { name: /^Active/ }).click();
        await page.getByText("Sync active again.").waitFor();
      });

      await t.step("deletes the sync and its copies through a confirmation page", async () => {
        await page.getByRole("link", { name: /^Delete/ }).click();
        await page.getByRole("heading", { name: "Delete the sync Work → Main?" }).waitFor();
        await page.getByLabel("Also remove synced events from the destination").check();
        await shot(page, "nojs-04-delete-confirm");
        await page.getByRole("button", { name: "Delete sync" }).click();
        await page.getByText("its copies were removed").waitFor();
        assert.ok(await page.getByText("No syncs yet").isVisible());
        assert.equal((await copiesIn(app, bob, "Main")).length, 0);
        await shot(page, "nojs-05-deleted");
      });

      await t.step("disconnects through a confirmation page and reconnects", async () => {
        await page.getByRole("link", { name: new RegExp(`^Disconnect\\s+${literally(bob)}$`) })
          .click();
        await page.getByRole("heading", { name: `Disconnect ${bob}?` }).waitFor();
        await shot(page, "nojs-06-disconnect-confirm");
        await page.getByRole("button", { name: "Disconnect" }).click();
        await page.getByText("The Google account is disconnected").waitFor();
        assert.deepEqual(await page.locator(".account__email").allInnerTexts(), [alice]);
        await connectAccount(page, bob);
        assert.ok(
          await page.locator(".account__email", { hasText: bob }).isVisible(),
        );
      });
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "[e2e] dashboard tests let go of their app and Chromium",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => shared!.release(),
});
