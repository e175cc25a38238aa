import assert from "node:assert/strict";
import { calendar } from "@googleapis/calendar";
import { OAuth2Client } from "google-auth-library";
import { createSandbox, startSandbox } from "../../lib/sandbox/mod.ts";

const MAIN = new URL("../../lib/sandbox/main.ts", import.meta.url).pathname;

Deno.test("deno task sandbox alone serves consent → code → token → Alice's calendars", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "--memory"],
    env: { SANDBOX_PORT: "0" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let banner = "";
    while (!banner.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      banner += value;
    }
    assert.match(banner, /Google is simulated/);
    const url = /(http:\/\/\S+\/)/.exec(banner)![1];
    const client = new OAuth2Client({
      clientId: "cli",
      clientSecret: "sec",
      redirectUri: "http://localhost:9/cb",
      endpoints: { oauth2AuthBaseUrl: `${url}o/oauth2/v2/auth`, oauth2TokenUrl: `${url}token` },
    });
    const authUrl = client.generateAuthUrl({
      access_type: "offline",
      scope: ["https://www.googleapis.com/auth/calendar"],
      state: "abc",
    });
    const html = await (await fetch(authUrl)).text();
    const form = /<form method="post">((?:(?!<\/form>)[\s\S])*alice@example\.com[\s\S]*?)<\/form>/
      .exec(html)![1];
    const fields = new URLSearchParams();
    for (const m of form.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
      fields.append(m[1], m[2].replace(/&#(\d+);/g, (_, n) => String.fromCharCode(+n)));
    }
    const res = await fetch(authUrl, { method: "POST", body: fields, redirect: "manual" });
    await res.body?.cancel();
    const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
    const { tokens } = await client.getToken(code);
    client.setCredentials(tokens);
    const api = calendar({ version: "v3", rootUrl: url, auth: client, retry: false });
    const list = await api.calendarList.list();
    assert.deepEqual(list.data.items!.slice(0, 2).map((c) => c.summary), ["Work", "Personal"]);
    // Like Google, the standalone sandbox takes only https push addresses by default.
    const watch = api.events.watch({
      calendarId: "primary",
      requestBody: { id: "cli-1", type: "web_hook", address: "http://127.0.0.1:9/hook" },
    });
    await assert.rejects(watch, (e: { status?: number }) => e.status === 400);
  } finally {
    await reader.cancel();
    child.kill("SIGTERM");
    await child.status;
  }
});

Deno.test("deno task sandbox --allow-http-webhooks lets events.watch take an http:// address", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "--memory", "--allow-http-webhooks"],
    env: { SANDBOX_PORT: "0" },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let banner = "";
    while (!banner.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      banner += value;
    }
    assert.match(banner, /http:\/\/ addresses/);
    const url = /(http:\/\/\S+\/)/.exec(banner)![1];
    const res = await fetch(`${url}_sandbox/token`, {
      method: "POST",
      body: JSON.stringify({ email: "alice@example.com" }),
    });
    const { access_token } = await res.json();
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token, expiry_date: Date.now() + 3_000_000 });
    const api = calendar({ version: "v3", rootUrl: url, auth, retry: false });
    const { status } = await api.events.watch({
      calendarId: "primary",
      requestBody: { id: "cli-2", type: "web_hook", address: "http://127.0.0.1:9/hook" },
    });
    assert.equal(status, 200);
  } finally {
    await reader.cancel();
    child.kill("SIGTERM");
    await child.status;
  }
});

Deno.test("state kept in the data file survives a restart", async () => {
  const dir = await Deno.makeTempDir();
  const dataFile = `${dir}/sandbox.json`;
  try {
    const first = await startSandbox({ port: 0, dataFile });
    const token = first.sandbox.issueAccessToken("alice@example.com");
    const auth = new OAuth2Client();
    auth.setCredentials({ access_token: token, expiry_date: Date.now() + 3000_000 });
    const api = calendar({ version: "v3", rootUrl: first.url, auth, retry: false });
    const { data } = await api.events.insert({
      calendarId: "primary",
      requestBody: {
        summary: "persisted",
        start: { date: "2030-01-01" },
        end: { date: "2030-01-02" },
      },
    });
    await first.close();
    const second = await startSandbox({ port: 0, dataFile });
    try {
      const api2 = calendar({ version: "v3", rootUrl: second.url, auth, retry: false });
      const got = await api2.events.get({ calendarId: "primary", eventId: data.id! });
      assert.equal(got.data.summary, "persisted");
    } finally {
      await second.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createSandbox().fetch serves without a socket; seed: false starts empty", async () => {
  const sandbox = createSandbox({ seed: false });
  const res = await sandbox.fetch(new Request("http://sandbox.test/_sandbox/accounts"));
  assert.deepEqual(await res.json(), { accounts: [] });
  const acct = sandbox.addAccount("dave@example.com", ["Dave"]);
  assert.deepEqual(acct, {
    email: "dave@example.com",
    calendars: [{ id: "dave@example.com", summary: "Dave" }],
  });
  const token = sandbox.issueAccessToken("dave@example.com");
  const list = await sandbox.fetch(
    new Request("http://sandbox.test/calendar/v3/users/me/calendarList", {
      headers: { authorization: `Bearer ${token}` },
    }),
  );
  assert.equal((await list.json()).items[0].primary, true);
  assert.equal(sandbox.stats().requests["calendarList.list"], 1);
  await sandbox.close();
});
