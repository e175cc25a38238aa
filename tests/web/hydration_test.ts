import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { fixtureApp } from "./_fixture.ts";
import { CHROMIUM as executablePath } from "../_chromium.ts";

Deno.test({
  name: "boot() hydrates islands in Chromium, with shared signals and no CSP violation",
  ignore: executablePath === undefined,
  async fn() {
    const app = await fixtureApp();
    const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, app.fetch);
    const browser = await chromium.launch({ executablePath, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("console", (message) => {
        const favicon = message.location().url.endsWith("/favicon.ico");
        if (message.type() === "error" && !favicon) problems.push(message.text());
      });
      page.on("pageerror", (error) => problems.push(error.message));
      await page.goto(`http://127.0.0.1:${server.addr.port}/islands`);
      await page.waitForLoadState("networkidle");

      const counters = page.locator("button.counter");
      await counters.nth(1).click();
      await page.waitForFunction(() =>
        document.querySelectorAll("button.counter")[0]?.textContent?.endsWith(": 4")
      );
      assert.equal(
        await counters.nth(0).textContent(),
        "</script><script>alert(1)</script><!--: 4",
      );
      assert.equal(await counters.nth(1).textContent(), "second: 4");

      await counters.nth(2).click();
      await page.waitForFunction(() =>
        document.querySelectorAll("button.counter")[2]?.textContent === "nested: 2"
      );
      assert.equal(await counters.count(), 3, "hydration does not duplicate island content");
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
