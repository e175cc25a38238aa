/** Bad requests never crash the sandbox: each gets Google's error body (raw HTTP on purpose). */
import assert from "node:assert/strict";
import { harness } from "./_helpers.ts";

const TZ = { timeZone: "UTC" };
const start = { dateTime: "2030-01-01T10:00:00", ...TZ };
const end = { dateTime: "2030-01-01T11:00:00", ...TZ };

const CASES: [string, string, unknown?][] = [
  ["PATCH", "/abc12", "null"],
  ["POST", "", "null"],
  ["PUT", "/abc12", "{"],
  ["POST", "", { start: { dateTime: 123 }, end: { dateTime: [] } }],
  ["POST", "", { start: "x", end: 5 }],
  ["POST", "", { start: { date: "2030-02-30" }, end: { date: "2030-03-01" } }],
  ["POST", "", { start: { ...start, timeZone: "Mars/Base" }, end }],
  ["POST", "", { start, end, recurrence: "RRULE:FREQ=DAILY" }],
  ["POST", "", { start, end, recurrence: ["RRULE:FREQ=MINUTELY"] }],
  ["POST", "", { start, end, recurrence: ["EXDATE:garbage", "RRULE:FREQ=DAILY"] }],
  ["POST", "", { start, end, extendedProperties: { private: [1] } }],
  ["POST", "", { start, end, reminders: { overrides: [null] } }],
  ["POST", "", { start, end, colorId: 99 }],
  ["POST", "", { start, end, id: 42 }],
  ["GET", "?pageToken=garbage"],
  ["GET", "?syncToken=garbage"],
  ["GET", "?maxResults=abc"],
  ["GET", "?timeMin=yesterday"],
  ["GET", "?orderBy=weird"],
  ["GET", "/%F0%9F%98%80"],
  ["GET", "/%E0%A4%A"],
  ["GET", "/abc_20300101T100000Z/instances"],
  ["DELETE", "/x_20300101"],
  ["POST", "/watch", { id: "a", type: "web_hook", address: "not a url" }],
  ["POST", "/watch", { type: "carrier-pigeon" }],
];

Deno.test("malformed requests and unknown ids answer Google's 4xx errors, never 500", async () => {
  await using h = await harness();
  const { access_token } = await (await h.control("POST", "token", {
    email: "alice@example.com",
  })).json();
  const base = `${h.url}calendar/v3/calendars/primary/events`;
  for (const [method, suffix, body] of CASES) {
    const res = await fetch(base + suffix, {
      method,
      headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const label = `${method} ${suffix} ${JSON.stringify(body)}`;
    assert.ok(res.status === 400 || res.status === 404, `${label} → ${res.status}`);
    const json = await res.json();
    assert.equal(json.error.code, res.status, label);
    assert.ok(json.error.errors[0].reason, label);
  }
  // Still serving.
  const ok = await fetch(`${h.url}calendar/v3/users/me/calendarList`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
});

Deno.test("malformed OAuth requests answer OAuth error bodies", async () => {
  await using h = await harness();
  const post = (path: string, body: string) =>
    fetch(`${h.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
  for (
    const [path, body, error] of [
      ["token", "", "unsupported_grant_type"],
      ["token", "grant_type=authorization_code&client_id=a", "invalid_request"],
      ["token", "grant_type=authorization_code&client_id=a&client_secret=b", "invalid_request"],
      ["token", "grant_type=password&client_id=a&client_secret=b", "unsupported_grant_type"],
      [
        "token",
        "grant_type=refresh_token&client_id=a&client_secret=b&refresh_token=x",
        "invalid_grant",
      ],
      ["revoke", "token=nope", "invalid_token"],
      ["tokeninfo", "access_token=nope", "invalid_token"],
    ]
  ) {
    const res = await post(path, body);
    assert.equal(res.status, 400, `${path} ${body}`);
    assert.equal((await res.json()).error, error, `${path} ${body}`);
  }
  const page = await fetch(`${h.url}o/oauth2/v2/auth?client_id=x`);
  assert.equal(page.status, 400);
  assert.match(await page.text(), /Missing required parameter/);
});
