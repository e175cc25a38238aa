/**
 * The README's promise: `deno task start` with nothing configured serves the app on an embedded
 * database with the Google sandbox, and a restart keeps what was registered.
 */
import assert from "node:assert/strict";
import { freePort, startMain } from "../_main_process.ts";

/** Starts the app in `cwd` with only ports set (so parallel runs don't collide) and no other env. */
function startApp(cwd: string, port: number, sandboxPort: number) {
  const env = { PORT: String(port), SANDBOX_PORT: String(sandboxPort) };
  return startMain({ cwd, env, clearEnv: true });
}

Deno.test("deno task start needs no configuration and a restart keeps users", async () => {
  const cwd = await Deno.makeTempDir({ prefix: "cal-sync-smoke-" });
  const port = freePort();
  const sandboxPort = freePort();
  const base = `http://127.0.0.1:${port}`;
  const email = `smoke-${crypto.randomUUID()}@cal-sync.test`;
  try {
    const first = await startApp(cwd, port, sandboxPort);
    try {
      assert.match(first.output(), /Generated development secrets/);
      assert.match(first.output(), /Google is SIMULATED/);
      const health = await fetch(`${base}/api/health`);
      assert.equal(health.status, 200);
      assert.deepEqual((await health.json()).database, "pglite");
      const login = await fetch(`${base}/login`);
      assert.equal(login.status, 200);
      assert.match(await login.text(), /Sign in/);
      const registered = await fetch(`${base}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "persisted-pass" }),
      });
      assert.equal(registered.status, 201);
      await registered.body?.cancel();
      const consent = await fetch(`http://127.0.0.1:${sandboxPort}/o/oauth2/v2/auth`);
      await consent.body?.cancel();
      assert.notEqual(consent.status, 404);
    } finally {
      await first.kill("SIGTERM");
    }

    const second = await startApp(cwd, port, sandboxPort);
    try {
      assert.doesNotMatch(second.output(), /Generated development secrets/);
      const token = await fetch(`${base}/api/auth/token`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password: "persisted-pass" }),
      });
      assert.equal(token.status, 200);
      const { access_token } = await token.json();
      const me = await fetch(`${base}/api/auth/me`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      assert.equal((await me.json()).email, email);
    } finally {
      await second.kill("SIGTERM");
    }
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});
