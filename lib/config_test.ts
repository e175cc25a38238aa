import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "./config.ts";

const KEY = btoa("0123456789abcdef0123456789abcdef");
const SECRET = "s".repeat(40);
const base = { JWT_SECRET: SECRET, ENCRYPTION_KEY: KEY };

async function refused(env: Record<string, string>): Promise<string> {
  const error = await loadConfig(env).then(() => undefined, (e) => e);
  assert.ok(error instanceof ConfigError, `expected a ConfigError for ${JSON.stringify(env)}`);
  assert.doesNotMatch(error.message, /\n/);
  return error.message;
}

Deno.test("loadConfig() applies the documented defaults", async () => {
  const config = await loadConfig(base);
  assert.equal(config.port, 8000);
  assert.equal(config.dataDir, ".data");
  assert.equal(config.databaseUrl, undefined);
  assert.equal(config.googleSandbox, true);
  assert.equal(config.sandboxPort, 8085);
  assert.equal(config.apiUrl, "http://localhost:8000");
  assert.equal(config.syncLookaheadDays, 90);
  assert.equal(config.syncConcurrency, 8);
  assert.equal(config.syncWorkers, 128);
  assert.equal(config.googleQuotaPerMinute, 600);
  assert.equal(config.trustedProxies, 0);
  assert.equal((await loadConfig({ ...base, TRUST_PROXY: "2" })).trustedProxies, 2);
  assert.equal(config.sessionCacheSeconds, 5);
  assert.equal((await loadConfig({ ...base, SESSION_CACHE_SECONDS: "0" })).sessionCacheSeconds, 0);
  assert.equal(config.smtpUrl, undefined);
  assert.equal(config.mailFrom, "cal-sync <no-reply@localhost>");
});

Deno.test("loadConfig() takes SMTP_URL and MAIL_FROM, and names either when wrong", async () => {
  const config = await loadConfig({
    ...base,
    SMTP_URL: "smtp://me:p%40ss@mail.example.com:587",
    MAIL_FROM: "Alerts <alerts@example.com>",
  });
  assert.equal(config.smtpUrl, "smtp://me:p%40ss@mail.example.com:587");
  assert.equal(config.mailFrom, "Alerts <alerts@example.com>");
  assert.match(
    await refused({ ...base, SMTP_URL: "http://mail.example.com" }),
    /^Cannot parse "SMTP_URL"/,
  );
  assert.match(await refused({ ...base, SMTP_URL: "mail.example.com" }), /"SMTP_URL"/);
  assert.match(
    await refused({ ...base, MAIL_FROM: "not an address" }),
    /^Cannot parse "MAIL_FROM"/,
  );
  assert.match(await refused({ ...base, MAIL_FROM: "a@b.c\r\nBcc: x@y.z" }), /"MAIL_FROM"/);
});

Deno.test("loadConfig() names the variable it cannot parse", async () => {
  assert.match(
    await refused({ ...base, PORT: "eighty" }),
    /^Cannot parse "PORT": expected a whole/,
  );
  assert.match(await refused({ ...base, SYNC_LOOKAHEAD_DAYS: "400" }), /"SYNC_LOOKAHEAD_DAYS"/);
  assert.match(await refused({ ...base, DATABASE_URL: "mysql://x" }), /"DATABASE_URL"/);
  assert.match(await refused({ ...base, GOOGLE_SANDBOX: "yes" }), /"GOOGLE_SANDBOX"/);
  assert.match(await refused({ ...base, TRUST_PROXY: "true" }), /"TRUST_PROXY"/);
  assert.match(await refused({ ...base, SESSION_CACHE_SECONDS: "61" }), /"SESSION_CACHE_SECONDS"/);
  assert.match(await refused({ ...base, OAUTH_CLIENT_ID: "id" }), /"OAUTH_CLIENT_SECRET"/);
});

Deno.test("loadConfig() stops production without strong secrets", async () => {
  const prod = { APP_ENV: "production", OAUTH_CLIENT_ID: "id", OAUTH_CLIENT_SECRET: "secret" };
  assert.match(await refused({ ...prod, ENCRYPTION_KEY: KEY }), /^Missing "JWT_SECRET"/);
  assert.match(await refused({ ...prod, JWT_SECRET: SECRET }), /^Missing "ENCRYPTION_KEYS"/);
  assert.match(await refused({ ...prod, ...base, JWT_SECRET: "short" }), /"JWT_SECRET".*32/);
  assert.match(await refused({ ...prod, JWT_SECRET: SECRET, ENCRYPTION_KEYS: "abc" }), /32 random/);
  assert.match(await refused({ ...base, APP_ENV: "production" }), /GOOGLE_SANDBOX/);
  const config = await loadConfig({
    ...prod,
    JWT_SECRET: SECRET,
    ENCRYPTION_KEYS: `${KEY},${KEY}`,
  });
  assert.equal(config.encryptionKeys.length, 2);
  assert.equal(config.googleSandbox, false);
});

Deno.test("loadConfig() generates development secrets once and keeps them", async () => {
  const dataDir = await Deno.makeTempDir();
  const log = console.log;
  const said: string[] = [];
  console.log = (line: string) => said.push(line);
  try {
    const first = await loadConfig({ DATA_DIR: dataDir });
    const second = await loadConfig({ DATA_DIR: dataDir });
    assert.equal(first.jwtSecret, second.jwtSecret);
    assert.deepEqual(first.encryptionKeys, second.encryptionKeys);
    assert.ok(first.jwtSecret.length >= 32);
    assert.equal(said.length, 1);
    assert.match(said[0], /Generated development secrets/);
    const mode = (await Deno.stat(`${dataDir}/secrets.json`)).mode! & 0o777;
    assert.equal(mode, 0o600);
  } finally {
    console.log = log;
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("loadConfig() turns push on only where Google could deliver", async () => {
  const prod = {
    ...base,
    APP_ENV: "production",
    OAUTH_CLIENT_ID: "id",
    OAUTH_CLIENT_SECRET: "secret",
  };
  // Production: HTTPS only; unset or http leaves push off (polling).
  assert.equal((await loadConfig(prod)).webhookUrl, undefined);
  assert.equal(
    (await loadConfig({ ...prod, WEBHOOK_URL: "http://cal.example.com" })).webhookUrl,
    undefined,
  );
  const https = await loadConfig({ ...prod, WEBHOOK_URL: "https://cal.example.com/" });
  assert.equal(https.webhookUrl, "https://cal.example.com");
  assert.equal(https.pushBackstopMinutes, 60);
  // The built-in sandbox delivers to the app's own origin in development; tests opt in.
  assert.equal((await loadConfig(base)).webhookUrl, "http://localhost:8000");
  assert.equal((await loadConfig({ ...base, APP_ENV: "test" })).webhookUrl, undefined);
  const dev = await loadConfig({ ...base, WEBHOOK_URL: "http://localhost:8000" });
  assert.equal(dev.webhookUrl, "http://localhost:8000");
  assert.match(await refused({ ...base, PUSH_BACKSTOP_MINUTES: "0" }), /PUSH_BACKSTOP_MINUTES/);
});

Deno.test("loadConfig() hashes passwords at OWASP's cost, and cheaply only under APP_ENV=test", async () => {
  assert.equal((await loadConfig(base)).passwordIterations, 600_000);
  const production = {
    ...base,
    APP_ENV: "production",
    OAUTH_CLIENT_ID: "id",
    OAUTH_CLIENT_SECRET: "secret",
  };
  assert.equal((await loadConfig(production)).passwordIterations, 600_000);
  assert.equal((await loadConfig({ ...base, APP_ENV: "test" })).passwordIterations, 1_000);
});
