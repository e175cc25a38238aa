/**
 * Accessibility, measured: axe-core (npm) injected into each page in Chromium finds no serious or
 * critical violation on the signed-out pages (sign-in, registration, password reset), the
 * dashboard with a sync that ran, its history dialog (also at phone width), the sync's page, the
 * account page and the development outbox.
 */
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import {
  connectAccount,
  demoPair,
  hasChromium,
  register,
  syncHeading,
  syncName,
  takeBrowserWorld,
} from "./_app.ts";

// The isolate's app and Chromium (takeBrowserWorld: hence no op or resource leak checks).
const shared = hasChromium ? takeBrowserWorld() : undefined;

const axeSource = await Deno.readTextFile(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
);

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/**
 * Rules whose outcome can differ between the light and the dark scheme: static/styles.css's dark
 * scheme changes colour variables only, so only the rules that read colours.
 */
const COLOUR_RULES = ["color-contrast", "link-in-text-block"];

/**
 * The serious and critical violations axe finds on the page as it is now (of `rules` alone when
 * given). axe is injected once per page load (it stays until the next navigation).
 */
async function violations(page: Page, rules?: string[]): Promise<string[]> {
  // evaluate() runs outside the page's Content-Security-Policy, which refuses inline scripts.
  // deno-lint-ignore no-explicit-any
  if (!(await page.evaluate(() => Boolean((globalThis as any).axe)))) {
    await page.evaluate(axeSource);
  }
  const found = await page.evaluate(async (rules) => {
    // deno-lint-ignore no-explicit-any
    const axe = (globalThis as any).axe;
    const result = await axe.run(document, {
      resultTypes: ["violations"],
      ...(rules ? { runOnly: { type: "rule", values: rules } } : {}),
    });
    return result.violations as Violation[];
  }, rules);
  return found
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) =>
      `${v.id} (${v.impact}): ${v.help} — ${
        v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")
      }`
    );
}

Deno.test({
  name: "[e2e] axe-core finds no serious or critical violation on the app's pages",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { app, chromium } = await shared!.ready;
    const { alice, bob } = await demoPair(app, "axe");
    const browser = await chromium.newContext();
    const report: Record<string, string[]> = {};
    // Every rule in the light scheme, and the colour rules again in the dark one.
    const check = async (page: Page, name: string) => {
      await page.emulateMedia({ colorScheme: "light" });
      report[`${name} (light)`] = await violations(page);
      await page.emulateMedia({ colorScheme: "dark" });
      report[`${name} (dark)`] = await violations(page, COLOUR_RULES);
      await page.emulateMedia({ colorScheme: "light" });
    };
    try {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1100, height: 900 });
      // The harness sees what it should: a control violation planted in a page is reported.
      await page.goto(`${app.url}/login`);
      await page.evaluate(() =>
        document.querySelector("main")!.append(document.createElement("img"))
      );
      assert.match((await violations(page)).join("\n"), /^image-alt \(critical\)/m);
      // And the dark scheme's colour run sees text as dark as the dark background.
      await page.emulateMedia({ colorScheme: "dark" });
      await page.evaluate(() => {
        const faint = document.createElement("p");
        faint.textContent = "Hard to read";
        faint.style.color = "#25282c";
        document.querySelector("main")!.append(faint);
      });
      assert.match(
        (await violations(page, COLOUR_RULES)).join("\n"),
        /^color-contrast \(serious\)/m,
      );
      await page.emulateMedia({ colorScheme: "light" });

      for (const path of ["/", "/login", "/register", "/password-reset"]) {
        await page.goto(`${app.url}${path}`);
        await check(page, path);
      }

      await register(page, app, `axe-${crypto.randomUUID().slice(0, 8)}@cal-sync.test`);
      await connectAccount(page, alice);
      await connectAccount(page, bob);
      await page.getByLabel("Source calendar").selectOption({ label: "Work (primary)" });
      await page.getByLabel("Destination calendar").selectOption({ label: "Main (primary)" });
      await page.getByRole("button", { name: "Create sync" }).click();
      await page.getByRole("heading", { name: syncHeading(alice) })
        .waitFor();
      await page.getByRole("button", { name: /^Sync now/ }).click();
      await page.locator(".run-result").waitFor({ timeout: 30_000 });
      await check(page, "dashboard");

      const name = syncName({ alice, bob });
      await page.getByRole("link", { name: `History of ${name}` }).click();
      const dialog = page.getByRole("dialog", { name: `History: ${name}` });
      await dialog.locator("table.runs tbody tr").first().waitFor();
      await check(page, "history dialog");
      await page.setViewportSize({ width: 390, height: 844 });
      await check(page, "history dialog at 390 px");
      await page.keyboard.press("Escape");
      await page.setViewportSize({ width: 1100, height: 900 });

      const syncPath = await page.getByRole("link", { name: /^History\s+of/ }).getAttribute("href");
      await page.goto(`${app.url}${syncPath}`);
      await check(page, "sync page");
      for (const path of ["/account", "/account/password", "/dev/mail"]) {
        await page.goto(`${app.url}${path}`);
        await check(page, path);
      }
    } finally {
      await browser.close();
    }
    const failing = Object.entries(report).filter(([, v]) => v.length);
    console.log(`axe-core: ${Object.keys(report).length} page states checked`);
    assert.deepEqual(failing, [], JSON.stringify(Object.fromEntries(failing), null, 2));
  },
});

Deno.test({
  name: "[e2e] the axe test lets go of its app and Chromium",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => shared!.release(),
});
