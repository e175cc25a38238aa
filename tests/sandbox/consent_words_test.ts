/** The sandbox's consent page says what it is for: connecting, reconnecting, or signing in, and to which app. */
import assert from "node:assert/strict";
import { createSandbox } from "@/lib/sandbox/mod.ts";

async function consent(params: Record<string, string>): Promise<string> {
  const sandbox = createSandbox();
  try {
    const q = new URLSearchParams({
      client_id: "cal-sync-dev",
      redirect_uri: "http://localhost:8000/api/oauth/callback",
      response_type: "code",
      scope: "https://www.googleapis.com/auth/calendar openid email",
      ...params,
    });
    const res = await sandbox.fetch(new Request(`http://sandbox/o/oauth2/v2/auth?${q}`));
    assert.equal(res.status, 200);
    return await res.text();
  } finally {
    await sandbox.close();
  }
}

Deno.test("the consent page of a connect says so and names the app", async () => {
  const page = await consent({});
  assert.match(page, /Connecting a Google account's calendars to <b>cal-sync<\/b>/);
  assert.match(page, /<code>cal-sync-dev<\/code>/);
  assert.doesNotMatch(page, /Reconnecting/);
});

Deno.test("the consent page of a reconnect (login_hint) names the account", async () => {
  const page = await consent({ login_hint: "alice@example.com" });
  assert.match(page, /Reconnecting <b>alice@example\.com<\/b> to <b>cal-sync<\/b>/);
  assert.doesNotMatch(page, /Connecting a Google account/);
  // The hinted account comes first and has the focus.
  assert.ok(page.indexOf("Continue as alice@example.com") < page.indexOf("Continue as bob@"));
});
