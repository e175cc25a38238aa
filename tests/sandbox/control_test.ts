import assert from "node:assert/strict";
import { googleError, harness } from "./_helpers.ts";

const ALICE = "alice@example.com";
const event = {
  start: { dateTime: "2030-01-01T10:00:00Z" },
  end: { dateTime: "2030-01-01T11:00:00Z" },
};

Deno.test("quota: past the per-minute limit calls answer 403 rateLimitExceeded (usageLimits)", async () => {
  await using h = await harness({ quotaPerMinute: 5 });
  const api = await h.calendarAs(ALICE);
  for (let i = 0; i < 5; i++) await api.calendarList.list();
  const err = await googleError(api.calendarList.list());
  assert.equal(err.status, 403);
  assert.equal(err.reason, "rateLimitExceeded");
  assert.equal(err.domain, "usageLimits");
  assert.deepEqual(err.body, {
    error: {
      code: 403,
      message: "Rate Limit Exceeded",
      errors: [{
        domain: "usageLimits",
        reason: "rateLimitExceeded",
        message: "Rate Limit Exceeded",
      }],
    },
  });
  // The quota is per account: Bob is unaffected.
  const bob = await h.calendarAs("bob@example.com");
  assert.equal((await bob.calendarList.list()).status, 200);
  const stats = await (await h.control("GET", "stats")).json();
  assert.equal(stats.quotaRejections, 1);
  assert.equal(stats.requests["calendarList.list"], 7);
});

Deno.test("quota: the sliding minute frees up as time passes", async () => {
  let clock = Date.now();
  await using h = await harness({ quotaPerMinute: 2, now: () => new Date(clock) });
  const api = await h.calendarAs(ALICE);
  await api.calendarList.list();
  await api.calendarList.list();
  assert.equal((await googleError(api.calendarList.list())).status, 403);
  clock += 61_000;
  assert.equal((await api.calendarList.list()).status, 200);
});

Deno.test("quota: events.patch costs 3 units", async () => {
  await using h = await harness({ quotaPerMinute: 4 });
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.insert({ calendarId: "primary", requestBody: event });
  await api.events.patch({
    calendarId: "primary",
    eventId: data.id!,
    requestBody: { summary: "x" },
  });
  assert.equal((await googleError(api.calendarList.list())).status, 403);
});

Deno.test("faults: quota_per_minute and quota_status 429 give Google's 429 body", async () => {
  await using h = await harness();
  await (await h.control("POST", "faults", { quota_per_minute: 1, quota_status: 429 })).body
    ?.cancel();
  const api = await h.calendarAs(ALICE);
  await api.calendarList.list();
  const err = await googleError(api.calendarList.list());
  assert.equal(err.status, 429);
  assert.equal(err.reason, "rateLimitExceeded");
  await (await h.control("DELETE", "faults")).body?.cancel();
  assert.equal((await api.calendarList.list()).status, 200);
});

Deno.test("faults: fail_every n answers the given status on every nth call", async () => {
  await using h = await harness();
  await (await h.control("POST", "faults", {
    fail_every: { n: 3, status: 503, reason: "backendError" },
  })).body?.cancel();
  const api = await h.calendarAs(ALICE);
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    try {
      statuses.push((await api.calendarList.list()).status);
    } catch (e) {
      statuses.push((await googleError(Promise.reject(e))).status);
    }
  }
  assert.deepEqual(statuses, [200, 200, 503, 200, 200, 503]);
  const stats = await (await h.control("GET", "stats")).json();
  assert.equal(stats.injectedFaults, 2);
});

Deno.test("faults: error_rate 1 fails every call with Google's error body", async () => {
  await using h = await harness();
  await (await h.control("POST", "faults", { error_rate: { rate: 1, status: 500 } })).body
    ?.cancel();
  const api = await h.calendarAs(ALICE);
  const err = await googleError(api.events.list({ calendarId: "primary" }));
  assert.equal(err.status, 500);
  assert.equal(err.reason, "backendError");
});

Deno.test("faults: reject_writes fails only the writes of the chosen events", async () => {
  await using h = await harness();
  await (await h.control("POST", "faults", {
    reject_writes: { summary_prefix: "bad", status: 400, reason: "invalid" },
  })).body?.cancel();
  const api = await h.calendarAs(ALICE);
  const times = {
    start: { dateTime: "2030-01-01T10:00:00Z" },
    end: { dateTime: "2030-01-01T11:00:00Z" },
  };
  const calendarId = "primary";
  const err = await googleError(
    api.events.insert({ calendarId, requestBody: { summary: "bad one", ...times } }),
  );
  assert.equal(err.status, 400);
  assert.equal(err.reason, "invalid");
  const good = await api.events.insert({ calendarId, requestBody: { summary: "good", ...times } });
  assert.equal(good.status, 200);
  const eventId = good.data.id!;
  const patched = api.events.patch({ calendarId, eventId, requestBody: { summary: "bad now" } });
  assert.equal((await googleError(patched)).status, 400);
  const put = api.events.update({ calendarId, eventId, requestBody: { summary: "bad", ...times } });
  assert.equal((await googleError(put)).status, 400);
  assert.equal((await api.events.get({ calendarId, eventId })).data.summary, "good");
  await (await h.control("DELETE", "faults")).body?.cancel();
  const fixed = await api.events.insert({ calendarId, requestBody: { summary: "bad", ...times } });
  assert.equal(fixed.status, 200);
});

Deno.test("faults: latency_ms delays calendar responses", async () => {
  await using h = await harness();
  await (await h.control("POST", "faults", { latency_ms: 150 })).body?.cancel();
  const api = await h.calendarAs(ALICE);
  const t0 = performance.now();
  await api.calendarList.list();
  assert.ok(performance.now() - t0 >= 140);
});

Deno.test("faults: invalid bodies answer 400 naming the field", async () => {
  await using h = await harness();
  const res = await h.control("POST", "faults", { fail_every: { n: 0, status: 503 } });
  assert.equal(res.status, 400);
  assert.match((await res.json()).error.message, /fail_every\.n/);
  const res2 = await fetch(`${h.url}_sandbox/faults`, { method: "POST", body: "{oops" });
  assert.equal(res2.status, 400);
  await res2.body?.cancel();
});

Deno.test("control: reset with empty leaves accounts and calendars but no events", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  assert.ok((await api.events.list({ calendarId: "primary" })).data.items!.length > 0);
  const res = await h.control("POST", "reset", { empty: true });
  assert.equal(res.status, 200);
  await res.body?.cancel();
  const api2 = await h.calendarAs(ALICE);
  assert.equal((await api2.events.list({ calendarId: "primary" })).data.items!.length, 0);
  assert.equal((await api2.calendarList.list()).data.items!.length, 3);
  await (await h.control("POST", "reset")).body?.cancel();
  const api3 = await h.calendarAs(ALICE);
  assert.ok((await api3.events.list({ calendarId: "primary" })).data.items!.length > 0);
});

Deno.test("control: accounts lists the seeded accounts with calendar ids and roles", async () => {
  await using h = await harness();
  const { accounts } = await (await h.control("GET", "accounts")).json();
  const emails = accounts.map((a: { email: string }) => a.email);
  assert.deepEqual(emails, ["alice@example.com", "bob@example.com"]);
  const alice = accounts[0];
  assert.deepEqual(alice.calendars.map((c: { summary: string }) => c.summary).slice(0, 2), [
    "Work",
    "Personal",
  ]);
  assert.equal(alice.calendars[0].id, "alice@example.com");
  assert.equal(alice.calendars[0].primary, true);
  assert.ok(alice.calendars.some((c: { accessRole: string }) => c.accessRole === "reader"));
});

Deno.test("control: demo seeds Alice's and Bob's calendars and events again under new addresses", async () => {
  await using h = await harness();
  const pair = { alice: "alice-2@example.com", bob: "bob-2@example.com" };
  const res = await h.control("POST", "demo", pair);
  assert.equal(res.status, 201);
  const { accounts } = await res.json();
  const summaries = (a: { calendars: { summary: string }[] }) => a.calendars.map((c) => c.summary);
  assert.deepEqual(accounts.map((a: { email: string }) => a.email), [pair.alice, pair.bob]);
  assert.deepEqual(summaries(accounts[0]), ["Work", "Personal", "Holidays in United States"]);
  assert.deepEqual(summaries(accounts[1]), ["Main", "Family", "Holidays in United States"]);
  // The same events as the seeded Alice's, on calendars of the new account's own.
  const titles = async (email: string) => {
    const api = await h.calendarAs(email);
    const items = (await api.events.list({ calendarId: "primary", maxResults: 2500 })).data.items!;
    return items.map((e) => e.summary).sort();
  };
  assert.ok((await titles(pair.alice)).length > 3);
  assert.deepEqual(await titles(pair.alice), await titles(ALICE));
  // The holiday calendar is shared, not made again (its events are not doubled).
  const holidays = accounts[0].calendars[2].id;
  const api = await h.calendarAs(pair.bob);
  const listed = (await api.events.list({ calendarId: holidays, maxResults: 2500 })).data.items!;
  assert.equal(listed.length, new Set(listed.map((e) => `${e.summary} ${e.start?.date}`)).size);
  // Taken addresses are refused, and the seeded pair's are taken.
  const again = await h.control("POST", "demo", { alice: ALICE, bob: "bob-3@example.com" });
  assert.equal(again.status, 409);
  assert.match((await again.json()).error.message, /alice@example\.com exists already/);
  const same = await h.control("POST", "demo", { alice: "x@example.com", bob: "X@example.com" });
  assert.equal(same.status, 400);
  await same.body?.cancel();
  assert.equal((await (await h.control("GET", "accounts")).json()).accounts.length, 4);
});

Deno.test("control: token for an unknown account answers 404", async () => {
  await using h = await harness();
  const res = await h.control("POST", "token", { email: "nobody@example.com" });
  assert.equal(res.status, 404);
  await res.body?.cancel();
});

Deno.test("unknown paths answer Google-style JSON 404s, never a crash", async () => {
  await using h = await harness();
  for (const path of ["nope", "calendar/v3/nope", "_sandbox/nope", "calendar/v2/x"]) {
    const res = await fetch(`${h.url}${path}`);
    assert.equal(res.status === 404 || res.status === 401, true, path);
    await res.body?.cancel();
  }
});

Deno.test("sandbox.stats() and the stats endpoint count requests by route", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  await api.events.list({ calendarId: "primary" });
  await api.events.list({ calendarId: "primary" });
  const stats = await (await h.control("GET", "stats")).json();
  assert.equal(stats.requests["events.list"], 2);
  assert.ok(stats.byMethod.GET >= 2);
  assert.deepEqual(stats.oauth, {});
  assert.equal(stats.quotaPerMinute, 600);
  assert.ok(stats.total >= 2);
});

Deno.test("events.watch sends sync first, then exists on a change; channels.stop ends it", async () => {
  const received: Record<string, string>[] = [];
  const { promise: twoMessages, resolve } = Promise.withResolvers<void>();
  const receiver = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (req) => {
    received.push(Object.fromEntries(req.headers));
    if (received.length === 2) resolve();
    return new Response(null, { status: 200 });
  });
  try {
    await using h = await harness({ allowHttpWebhooks: true });
    const api = await h.calendarAs(ALICE);
    const { data: channel } = await api.events.watch({
      calendarId: "primary",
      requestBody: {
        id: crypto.randomUUID(),
        type: "web_hook",
        address: `http://127.0.0.1:${receiver.addr.port}/hook`,
        token: "tok-1",
      },
    });
    assert.equal(channel.kind, "api#channel");
    assert.ok(channel.resourceId);
    assert.ok(channel.expiration);
    await api.events.insert({ calendarId: "primary", requestBody: event });
    await twoMessages;
    assert.equal(received[0]["x-goog-resource-state"], "sync");
    assert.equal(received[1]["x-goog-resource-state"], "exists");
    assert.equal(received[0]["x-goog-channel-id"], channel.id);
    assert.equal(received[1]["x-goog-channel-token"], "tok-1");
    assert.equal(received[1]["x-goog-resource-id"], channel.resourceId);
    assert.equal(received[1]["x-goog-message-number"], "2");
    assert.ok(received[1]["x-goog-resource-uri"]);
    const stop = await api.channels.stop({
      requestBody: { id: channel.id, resourceId: channel.resourceId },
    });
    assert.equal(stop.status, 204);
    const again = await googleError(
      api.channels.stop({ requestBody: { id: channel.id, resourceId: channel.resourceId } }),
    );
    assert.equal(again.status, 404);
    await api.events.insert({ calendarId: "primary", requestBody: event });
    await h.close(); // waits for any pending delivery
    assert.equal(received.length, 2, "no message after stop");
  } finally {
    await receiver.shutdown();
  }
});

Deno.test("Push notifications guide: events.watch refuses an http:// address with 400 push.webhookUrlNotHttps", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const address = "http://127.0.0.1:9/hook";
  const err = await googleError(api.events.watch({
    calendarId: "primary",
    requestBody: { id: crypto.randomUUID(), type: "web_hook", address },
  }));
  assert.equal(err.status, 400);
  assert.equal(err.reason, "push.webhookUrlNotHttps");
  assert.equal(err.body.error.message, `WebHook callback must be HTTPS: ${address}`);
  // An https address is taken (delivery to it simply fails here, as Google drops those too).
  const ok = await api.events.watch({
    calendarId: "primary",
    requestBody: { id: crypto.randomUUID(), type: "web_hook", address: "https://127.0.0.1:9/hook" },
  });
  assert.equal(ok.status, 200);
});

Deno.test("startSandbox({ allowHttpWebhooks: true }) takes http:// addresses, as the app's built-in sandbox does", async () => {
  await using h = await harness({ allowHttpWebhooks: true });
  const api = await h.calendarAs(ALICE);
  const ok = await api.events.watch({
    calendarId: "primary",
    requestBody: { id: crypto.randomUUID(), type: "web_hook", address: "http://127.0.0.1:9/hook" },
  });
  assert.equal(ok.status, 200);
  // Other schemes stay refused.
  const err = await googleError(api.events.watch({
    calendarId: "primary",
    requestBody: { id: crypto.randomUUID(), type: "web_hook", address: "ftp://127.0.0.1/hook" },
  }));
  assert.equal(err.reason, "push.webhookUrlNotHttps");
});
