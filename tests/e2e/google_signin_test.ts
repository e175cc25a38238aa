import assert from "node:assert/strict";
import { demoPair, hasChromium, shot, strictSteps, takeBrowserWorld } from "./_app.ts";

// The isolate's app and Chromium (takeBrowserWorld: hence no op or resource leak checks); each
// test has a browser context, users and a demo pair of its own.
const shared = hasChromium ? takeBrowserWorld() : undefined;

Deno.test({
  name: "[e2e] Chromium signs up with Google through the sandbox and lands on the dashboard",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(context) {
    const t = strictSteps(context);
    const { app, chromium } = await shared!.ready;
    const { alice } = await demoPair(app, "google");
    const browser = await chromium.newContext();
    try {
      const page = await browser.context.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));

      await t.step("Continue with Google on the register page reaches the sandbox", async () => {
        await page.goto(`${app.url}/register`);
        await shot(page, "google-00-register", false);
        await page.getByRole("link", { name: "Continue with Google" }).click();
        await page.getByRole("heading", { name: "Sign in to cal-sync" }).waitFor();
        assert.ok(
          page.url().startsWith(app.sandboxUrl.replace("localhost", "127.0.0.1")) ||
            page.url().startsWith(app.sandboxUrl),
        );
        await shot(page, "google-01-consent", false);
      });

      await t.step("choosing an account signs up and lands on the dashboard", async () => {
        await page.getByRole("button", { name: `Continue as ${alice}` }).click();
        await page.waitForURL(`${app.url}/`);
        await page.getByRole("heading", { name: "Dashboard" }).waitFor();
        assert.ok(await page.getByText(alice).first().isVisible());
        await shot(page, "google-02-dashboard", false);
      });

      await t.step("signed out, Continue with Google signs in to the same account", async () => {
        await page.getByRole("button", { name: "Sign out" }).click();
        await page.waitForURL((url) => url.pathname === "/login");
        await page.getByRole("link", { name: "Continue with Google" }).click();
        await page.getByRole("button", { name: `Continue as ${alice}` }).click();
        await page.waitForURL(`${app.url}/`);
        const me = await page.evaluate(async () => (await fetch("/api/auth/me")).json());
        assert.equal(me.email, alice);
        await page.goto(`${app.url}/account`);
        await page.getByText("You can sign in with your Google account.").waitFor();
        await shot(page, "google-03-account", false);
      });
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "[e2e] a bearer-started connection completes in a cookie-less Chromium with its cookie",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const { app, chromium } = await shared!.ready;
    const { bob } = await demoPair(app, "bearer");
    const browser = await chromium.newContext();
    try {
      const email = `bearer-${crypto.randomUUID().slice(0, 8)}@cal-sync.test`;
      const password = "correct horse battery";
      const register = await fetch(`${app.url}/api/v0/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password }),
      });
      assert.equal(register.status, 201);
      await register.body?.cancel();
      const { access_token } = await (await fetch(`${app.url}/api/v0/auth/token`, {
        method: "POST",
        body: new URLSearchParams({ username: email, password }),
      })).json();
      const start = await fetch(`${app.url}/api/v0/oauth/start/source`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      const { authorization_url } = await start.json();
      const cookie = start.headers.getSetCookie().find((c) => c.startsWith("session="))!;
      assert.deepEqual(await browser.context.cookies(), [], "the browser starts cookie-less");
      await browser.context.addCookies([{
        name: "session",
        value: cookie.split(";")[0].slice("session=".length),
        url: app.url,
        httpOnly: true,
        sameSite: "Lax",
      }]);
      const page = await browser.context.newPage();
      await page.goto(authorization_url);
      await page.getByRole("heading", { name: "Choose an account" }).waitFor();
      await page.getByRole("button", { name: `Continue as ${bob}` }).click();
      await page.waitForURL((url) => url.origin === app.url && url.pathname === "/");
      assert.match(page.url(), /connect=connected&account=source/);
      const status = await (await fetch(`${app.url}/api/v0/oauth/status`, {
        headers: { authorization: `Bearer ${access_token}` },
      })).json();
      assert.equal(status.source_connected, true);
      assert.equal(status.source_email, bob);
    } finally {
      await browser.close();
    }
  },
});

Deno.test({
  name: "[e2e] Google sign-in tests let go of their app and Chromium",
  ignore: !hasChromium,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () => shared!.release(),
});
