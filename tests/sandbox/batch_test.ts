/**
 * Batch requests, as Google's "Sending batch requests" guide for the Calendar API describes them.
 * The Node client has no batch support, so the multipart request is built by hand and sent with
 * fetch; what the parts did is then checked through the npm client.
 */
import assert from "node:assert/strict";
import { harness } from "./_helpers.ts";

const ALICE = "alice@example.com";
const BOB = "bob@example.com";
const EVENTS = "/calendar/v3/calendars/primary/events";
const event = (summary: string) => ({
  summary,
  start: { dateTime: "2030-05-01T10:00:00Z" },
  end: { dateTime: "2030-05-01T11:00:00Z" },
});

interface InnerRequest {
  id?: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
}

interface InnerResponse {
  contentId: string | null;
  status: number;
  headers: Record<string, string>;
  // deno-lint-ignore no-explicit-any
  body: any;
}

function multipart(boundary: string, parts: InnerRequest[]): string {
  const chunks = parts.map((p) => {
    const lines = [`--${boundary}`, "Content-Type: application/http"];
    if (p.id) lines.push(`Content-ID: <${p.id}>`);
    lines.push("", `${p.method} ${p.path} HTTP/1.1`);
    for (const [k, v] of Object.entries(p.headers ?? {})) lines.push(`${k}: ${v}`);
    if (p.body !== undefined) lines.push("Content-Type: application/json; charset=UTF-8");
    lines.push("", p.body === undefined ? "" : JSON.stringify(p.body));
    return lines.join("\r\n");
  });
  return `${chunks.join("\r\n")}\r\n--${boundary}--\r\n`;
}

/** Parses Google's multipart/mixed batch response. */
function parseBatch(contentType: string, text: string): InnerResponse[] {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)![2];
  const out: InnerResponse[] = [];
  for (const chunk of text.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith("--")) break;
    const [mime, http] = chunk.replace(/^\r\n/, "").split(/\r\n\r\n(.*)/s);
    const [head, body] = http.split(/\r\n\r\n(.*)/s);
    const [statusLine, ...headerLines] = head.split("\r\n");
    const headers: Record<string, string> = {};
    for (const l of headerLines) {
      const i = l.indexOf(":");
      headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
    }
    const trimmed = (body ?? "").replace(/\r\n$/, "");
    assert.equal(new TextEncoder().encode(trimmed).length, Number(headers["content-length"]));
    out.push({
      contentId: /Content-ID: <([^>]*)>/i.exec(mime)?.[1] ?? null,
      status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)![1]),
      headers,
      body: trimmed ? JSON.parse(trimmed) : null,
    });
  }
  return out;
}

async function sendBatch(
  url: string,
  token: string | null,
  parts: InnerRequest[],
): Promise<{ status: number; parts: InnerResponse[]; raw: Response; bytes: number }> {
  const boundary = `b_${crypto.randomUUID()}`;
  const res = await fetch(`${url}batch/calendar/v3`, {
    method: "POST",
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      "content-type": `multipart/mixed; boundary=${boundary}`,
    },
    body: multipart(boundary, parts),
  });
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  return {
    status: res.status,
    parts: /^multipart\/mixed/.test(type) ? parseBatch(type, text) : [],
    raw: res,
    bytes: new TextEncoder().encode(text).length,
  };
}

async function tokenOf(
  h: { control(m: string, p: string, b?: unknown): Promise<Response> },
  email: string,
) {
  return (await (await h.control("POST", "token", { email })).json()).access_token as string;
}

Deno.test("Sending batch requests guide: each part is answered as its own request, in order, with response-<id> Content-IDs", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data: keep } = await api.events.insert({
    calendarId: "primary",
    requestBody: event("Keep"),
  });
  const { data: drop } = await api.events.insert({
    calendarId: "primary",
    requestBody: event("Drop"),
  });
  const token = await tokenOf(h, ALICE);
  await (await h.control("DELETE", "stats")).body?.cancel();

  const { status, parts, raw, bytes } = await sendBatch(h.url, token, [
    { id: "item1", method: "POST", path: EVENTS, body: event("Batched") },
    { id: "item2", method: "GET", path: `${EVENTS}/${keep.id}?fields=id,summary` },
    { id: "item3", method: "PATCH", path: `${EVENTS}/${keep.id}`, body: { summary: "Kept" } },
    { id: "item4", method: "DELETE", path: `${EVENTS}/${drop.id}` },
    { id: "item5", method: "GET", path: `${EVENTS}/nosuchevent1` },
    { method: "GET", path: "/calendar/v3/users/me/calendarList?maxResults=1" },
  ]);
  const stats = await (await h.control("GET", "stats")).json();
  assert.equal(stats.bytesSentByAccount[ALICE], bytes, "the batch response's bytes, counted once");
  assert.equal(stats.requests["events.insert"], 1);
  assert.equal(stats.requests["events.delete"], 1);
  assert.equal(stats.requests["calendarList.list"], 1);
  assert.equal(status, 200);
  assert.match(raw.headers.get("content-type")!, /^multipart\/mixed; boundary=/);
  assert.deepEqual(parts.map((p) => p.status), [200, 200, 200, 204, 404, 200]);
  assert.deepEqual(
    parts.slice(0, 5).map((p) => p.contentId),
    ["response-item1", "response-item2", "response-item3", "response-item4", "response-item5"],
  );
  assert.equal(parts[0].body.summary, "Batched");
  assert.match(parts[0].headers["content-type"], /^application\/json/);
  assert.deepEqual(parts[1].body, { id: keep.id, summary: "Keep" });
  assert.equal(parts[2].body.summary, "Kept");
  assert.equal(parts[3].body, null);
  assert.equal(parts[4].body.error.errors[0].reason, "notFound");
  assert.equal(parts[5].body.items.length, 1);

  // The writes happened.
  const batched = await api.events.get({ calendarId: "primary", eventId: parts[0].body.id });
  assert.equal(batched.data.summary, "Batched");
  assert.equal(
    (await api.events.get({ calendarId: "primary", eventId: keep.id! })).data.summary,
    "Kept",
  );
  assert.equal(
    (await api.events.get({ calendarId: "primary", eventId: drop.id! })).data.status,
    "cancelled",
  );
});

Deno.test("Sending batch requests guide: n parts count as n requests against the quota", async () => {
  await using h = await harness({ quotaPerMinute: 5 });
  const token = await tokenOf(h, ALICE);
  const get = { method: "GET", path: "/calendar/v3/users/me/calendarList" };
  const { parts } = await sendBatch(h.url, token, Array(7).fill(get));
  assert.deepEqual(parts.map((p) => p.status), [200, 200, 200, 200, 200, 403, 403]);
  assert.equal(parts[6].body.error.errors[0].reason, "rateLimitExceeded");
  const stats = await (await h.control("GET", "stats")).json();
  assert.equal(stats.requests["calendarList.list"], 7);
  assert.equal(stats.quotaRejections, 2);
});

Deno.test("Sending batch requests guide: outer headers apply to every part unless the part sets its own", async () => {
  await using h = await harness();
  const alice = await tokenOf(h, ALICE);
  const bob = await tokenOf(h, BOB);
  const list = "/calendar/v3/calendars/primary";
  const { parts } = await sendBatch(h.url, alice, [
    { method: "GET", path: list },
    { method: "GET", path: list, headers: { Authorization: `Bearer ${bob}` } },
  ]);
  assert.deepEqual(parts.map((p) => p.body.id), [ALICE, BOB]);
  const anonymous = await sendBatch(h.url, null, [{ method: "GET", path: list }]);
  assert.equal(anonymous.status, 200);
  assert.equal(anonymous.parts[0].status, 401);
});

Deno.test("Sending batch requests guide: at most 1000 parts; a body that isn't multipart/mixed answers 400", async () => {
  await using h = await harness();
  const token = await tokenOf(h, ALICE);
  const get = { method: "GET", path: "/calendar/v3/calendars/primary" };
  const tooMany = await sendBatch(h.url, token, Array(1001).fill(get));
  assert.equal(tooMany.status, 400);
  const body = await (await fetch(`${h.url}batch/calendar/v3`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: "{}",
  })).json();
  assert.equal(body.error.code, 400);
  const stats = await (await h.control("GET", "stats")).json();
  assert.equal(stats.total, 0, "a refused batch runs none of its parts");
});
