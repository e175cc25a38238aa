/**
 * Without SMTP_URL: development keeps the mail in an outbox (logged, and listed at /dev/mail);
 * production has no outbox, starts, says once that email is off, and the dashboard says so.
 */
import assert from "node:assert/strict";
import { issueToken } from "@/lib/auth/jwt.ts";
import { resetEmailsSent } from "@/lib/auth/password_reset.ts";
import { loadConfig } from "@/lib/config.ts";
import { createUser } from "@/lib/db/users.ts";
import { MAIL_OFF_MESSAGE } from "@/lib/mail/mod.ts";
import { createServices } from "@/lib/services.ts";
import { createApp } from "@/main.ts";
import { pgliteDataDir } from "../_db.ts";
import { freePort, startMain } from "../_main_process.ts";
import {
  closesTheFile,
  fromAddress,
  openTestApp,
  registerAndSignIn,
  TEST_ENCRYPTION_KEY,
  TEST_JWT_SECRET,
  testDatabaseUrl,
  uniqueAddress,
  uniqueEmail,
} from "../_helpers.ts";

const t = await openTestApp();

Deno.test("without SMTP_URL outside production, mail lands in the /dev/mail outbox", async () => {
  assert.equal(t.services.mailer.mode, "outbox");
  const { email } = await registerAndSignIn(t.app);
  const res = await t.app.request("/api/auth/password-reset", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email }),
  }, fromAddress(uniqueAddress()));
  assert.equal(res.status, 202);
  await resetEmailsSent();
  const page = await t.app.request("/dev/mail");
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /Reset your cal-sync password/);
  assert.ok(html.includes(`To ${email}`));
  assert.match(html, /<a\s+href="http:\/\/localhost\/password-reset\/confirm\?token=[\w-]+">/);
});

Deno.test("in production without SMTP_URL: no outbox page, and the dashboard says alerts are off", async () => {
  const config = await loadConfig({
    APP_ENV: "production",
    DATABASE_URL: testDatabaseUrl(),
    JWT_SECRET: TEST_JWT_SECRET,
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
    OAUTH_CLIENT_ID: "client",
    OAUTH_CLIENT_SECRET: "secret",
    API_URL: "http://localhost",
  });
  const services = createServices(config, t.db, "http://127.0.0.1:9/");
  assert.equal(services.mailer.mode, "off");
  assert.equal(await services.mailer.send({ to: "a@b.test", subject: "x", text: "y" }), false);
  const app = await createApp(services, { bundle: false });
  const outbox = await app.request("/dev/mail");
  await outbox.body?.cancel();
  assert.equal(outbox.status, 404);
  const user = await createUser(t.db, uniqueEmail("prod"), "x");
  const cookie = `session=${await issueToken(user.id, config.jwtSecret)}`;
  const dashboard = await app.request("/", { headers: { cookie } });
  assert.equal(dashboard.status, 200);
  assert.match(await dashboard.text(), /Email alerts are off/);
  const account = await app.request("/account", { headers: { cookie } });
  assert.match(await account.text(), /Email alerts are off/);
});

Deno.test("the development dashboard does not say alerts are off", async () => {
  const { token } = await registerAndSignIn(t.app);
  const dashboard = await t.app.request("/", { headers: { cookie: `session=${token}` } });
  assert.doesNotMatch(await dashboard.text(), /Email alerts are off/);
});

Deno.test({
  name: "production without SMTP_URL starts and says once that email is off",
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "cal-sync-mail-off-" });
    const embedded = testDatabaseUrl() === "memory://";
    // The embedded database laid out migrated in DATA_DIR: no initdb in the child (an empty
    // DATABASE_URL is unset).
    if (embedded) await pgliteDataDir(dataDir);
    const port = freePort();
    const app = await startMain({
      cwd: new URL("../../", import.meta.url).pathname,
      env: {
        APP_ENV: "production",
        PORT: String(port),
        DATA_DIR: dataDir,
        DATABASE_URL: embedded ? "" : testDatabaseUrl(),
        JWT_SECRET: TEST_JWT_SECRET,
        ENCRYPTION_KEYS: TEST_ENCRYPTION_KEY,
        OAUTH_CLIENT_ID: "client",
        OAUTH_CLIENT_SECRET: "secret",
        SMTP_URL: "",
      },
      timeoutMs: 60_000,
    });
    const health = await fetch(`http://127.0.0.1:${port}/api/health`);
    await health.body?.cancel();
    await app.kill("SIGTERM");
    await Deno.remove(dataDir, { recursive: true });
    const text = app.output();
    assert.equal(health.status, 200, text);
    assert.equal(text.split(MAIL_OFF_MESSAGE).length - 1, 1, text);
  },
});

closesTheFile("outbox tests close their world", () => t.close());
