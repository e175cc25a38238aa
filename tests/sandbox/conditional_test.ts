/**
 * Conditional requests, as Google's "Version resources" guide (Calendar API) describes them:
 * `If-Match` on update/patch/delete → 412 when the etag changed; `If-None-Match` on get → 304
 * when it did not. The npm client passes headers through its second (options) argument.
 */
import assert from "node:assert/strict";
import { googleError, harness } from "./_helpers.ts";

const ALICE = "alice@example.com";
const event = {
  summary: "Versioned",
  start: { dateTime: "2030-01-01T10:00:00Z" },
  end: { dateTime: "2030-01-01T11:00:00Z" },
};
const PRECONDITION_FAILED = {
  error: {
    code: 412,
    message: "Precondition Failed",
    errors: [{
      domain: "global",
      reason: "conditionNotMet",
      message: "Precondition Failed",
      locationType: "header",
      location: "If-Match",
    }],
  },
};

Deno.test("Version resources guide: update, patch and delete with a stale If-Match answer 412 conditionNotMet", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data: v1 } = await api.events.insert({ calendarId: "primary", requestBody: event });
  const { data: v2 } = await api.events.patch({
    calendarId: "primary",
    eventId: v1.id!,
    requestBody: { summary: "Edited elsewhere" },
  });
  assert.notEqual(v2.etag, v1.etag);
  const stale = { headers: { "If-Match": v1.etag! } };
  const ref = { calendarId: "primary", eventId: v1.id! };

  const up = await googleError(
    api.events.update({ ...ref, requestBody: { ...event, summary: "Mine" } }, stale),
  );
  assert.equal(up.status, 412);
  assert.deepEqual(up.body, PRECONDITION_FAILED);
  const patch = await googleError(
    api.events.patch({ ...ref, requestBody: { summary: "x" } }, stale),
  );
  assert.equal(patch.status, 412);
  assert.deepEqual(patch.body, PRECONDITION_FAILED);
  const del = await googleError(api.events.delete(ref, stale));
  assert.equal(del.status, 412);
  assert.deepEqual(del.body, PRECONDITION_FAILED);

  // None of the refused writes happened.
  const now = await api.events.get(ref);
  assert.equal(now.data.summary, "Edited elsewhere");
  assert.equal(now.data.status, "confirmed");
  assert.equal(now.data.etag, v2.etag);

  // The current etag (or `*`) lets each write through.
  const ok = await api.events.update(
    { ...ref, requestBody: { ...event, summary: "Mine" } },
    { headers: { "If-Match": v2.etag! } },
  );
  assert.equal(ok.data.summary, "Mine");
  const ok2 = await api.events.patch(
    { ...ref, requestBody: { summary: "Mine again" } },
    { headers: { "If-Match": ok.data.etag! } },
  );
  assert.equal(ok2.data.summary, "Mine again");
  const gone = await api.events.delete(ref, { headers: { "If-Match": "*" } });
  assert.equal(gone.status, 204);
});

Deno.test("Version resources guide: If-Match on an unknown event answers 404, not 412", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const err = await googleError(
    api.events.delete({ calendarId: "primary", eventId: "nosuchevent1" }, {
      headers: { "If-Match": '"1"' },
    }),
  );
  assert.equal(err.status, 404);
});

Deno.test("Version resources guide: events.get with If-None-Match of the current etag answers 304 with no body", async () => {
  await using h = await harness();
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.insert({ calendarId: "primary", requestBody: event });
  const ref = { calendarId: "primary", eventId: data.id! };
  const accept304 = (s: number) => s === 200 || s === 304;

  const same = await api.events.get(ref, {
    headers: { "If-None-Match": data.etag! },
    validateStatus: accept304,
  });
  assert.equal(same.status, 304);
  assert.ok(!(same.data as unknown), `no body, got ${JSON.stringify(same.data)}`);

  await api.events.patch({ ...ref, requestBody: { summary: "Changed" } });
  const changed = await api.events.get(ref, {
    headers: { "If-None-Match": data.etag! },
    validateStatus: accept304,
  });
  assert.equal(changed.status, 200);
  assert.equal(changed.data.summary, "Changed");
  assert.notEqual(changed.data.etag, data.etag);
});

Deno.test("Version resources guide: every write of an event changes its etag, a reminders-only patch too", async () => {
  let clock = Date.now();
  await using h = await harness({ now: () => new Date(clock), quotaPerMinute: 100_000 });
  const api = await h.calendarAs(ALICE);
  const { data } = await api.events.insert({ calendarId: "primary", requestBody: event });
  const ref = { calendarId: "primary", eventId: data.id! };
  const etags = [data.etag!];
  clock += 1000;
  etags.push((await api.events.patch({ ...ref, requestBody: { summary: "b" } })).data.etag!);
  // Same clock, and `updated` is not bumped by reminders: the etag must still move.
  const reminders = await api.events.patch({
    ...ref,
    requestBody: { reminders: { useDefault: false, overrides: [{ method: "popup", minutes: 5 }] } },
  });
  etags.push(reminders.data.etag!);
  // 999 writes elsewhere, then another reminders-only patch at the same `updated`: an etag made of
  // `updated` and the change counter modulo 1000 would repeat here.
  const { access_token } = await (await h.control("POST", "token", { email: ALICE })).json();
  for (let batch = 0; batch < 999; batch += 111) {
    await Promise.all(Array.from({ length: 111 }, async () => {
      const res = await fetch(`${h.url}calendar/v3/calendars/primary/events`, {
        method: "POST",
        headers: { authorization: `Bearer ${access_token}`, "content-type": "application/json" },
        body: JSON.stringify(event),
      });
      assert.equal(res.status, 200);
      await res.body?.cancel();
    }));
  }
  const reminders2 = await api.events.patch({
    ...ref,
    requestBody: { reminders: { useDefault: false, overrides: [{ method: "popup", minutes: 6 }] } },
  });
  assert.equal(reminders2.data.updated, reminders.data.updated);
  etags.push(reminders2.data.etag!);
  etags.push((await api.events.update({ ...ref, requestBody: event })).data.etag!);
  etags.push((await api.events.update({ ...ref, requestBody: event })).data.etag!);
  await api.events.delete(ref);
  etags.push((await api.events.get(ref)).data.etag!);
  assert.equal(new Set(etags).size, etags.length, etags.join(" "));
  for (const e of etags) assert.match(e, /^"\d+"$/);
});
