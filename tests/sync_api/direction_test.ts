/** `direction` on the config API, and a two-way run's counts through the trigger and history. */
import assert from "node:assert/strict";
import {
  addEvents,
  call,
  createConfig,
  listEvents,
  openApp,
  openWorld,
  tenant,
} from "./_helpers.ts";

const world = await openWorld();
const app = await openApp(world.services);

function at(days: number): string {
  return new Date(Math.floor((Date.now() + days * 86_400_000) / 60_000) * 60_000).toISOString();
}

Deno.test("[http] direction: one way by default, both ways on request, changed in place", async (t) => {
  const ten = await tenant(app, world, "direction");
  const other = await tenant(app, world, "direction-other");

  await t.step("POST defaults to one_way and takes two_way", async () => {
    const one = await createConfig(ten);
    assert.equal(one.direction, "one_way");
    const res = await call(ten.browser, "POST", "/api/sync/config", {
      source_calendar_id: ten.sourceCal,
      dest_calendar_id: ten.destEmail,
      direction: "two_way",
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.direction, "two_way");
  });

  await t.step("a bad direction is 422 naming the field", async () => {
    const res = await call(ten.browser, "POST", "/api/sync/config", {
      source_calendar_id: ten.sourceCal,
      dest_calendar_id: ten.destCal,
      direction: "both",
    });
    assert.equal(res.status, 422);
    assert.ok(res.body.error.fields.direction);
  });

  await t.step("PATCH turns a config two-way and back; another user's id is 404", async () => {
    const created = await createConfig(other);
    const path = `/api/sync/config/${created.id}`;
    const two = await call(other.browser, "PATCH", path, { direction: "two_way" });
    assert.equal(two.status, 200);
    assert.equal(two.body.direction, "two_way");
    assert.equal((await call(other.browser, "GET", path)).body.direction, "two_way");
    const stranger = await call(ten.browser, "PATCH", path, { direction: "one_way" });
    assert.equal(stranger.status, 404);
    const back = await call(other.browser, "PATCH", path, { direction: "one_way" });
    assert.equal(back.body.direction, "one_way");
  });
});

Deno.test("[http] a two-way run reports each direction's writes in its result and history", async () => {
  const ten = await tenant(app, world, "twoway-run");
  const created = await createConfig(ten);
  const path = `/api/sync/config/${created.id}`;
  assert.equal((await call(ten.browser, "PATCH", path, { direction: "two_way" })).status, 200);
  for (
    const [cal, calendarId, summary] of [
      [ten.source, ten.sourceCal, "From A"],
      [ten.dest, ten.destCal, "From B"],
    ] as const
  ) {
    await cal.events.insert({
      calendarId,
      requestBody: {
        summary,
        start: { dateTime: at(1), timeZone: "UTC" },
        end: { dateTime: at(1.05), timeZone: "UTC" },
      },
    });
  }
  const run = await call(ten.browser, "POST", `/api/sync/trigger/${created.id}`);
  assert.equal(run.status, 200, JSON.stringify(run.body));
  assert.equal(run.body.status, "success");
  assert.ok(run.body.a_to_b >= 1, JSON.stringify(run.body));
  assert.ok(run.body.b_to_a >= 1);
  assert.equal(run.body.conflicts, 0);
  assert.deepEqual(run.body.conflict_details, []);
  const history = await call(ten.browser, "GET", `/api/sync/logs/${created.id}`);
  assert.equal(history.status, 200, JSON.stringify(history.body));
  assert.equal(history.body.logs[0].a_to_b, run.body.a_to_b);
  assert.equal(history.body.logs[0].b_to_a, run.body.b_to_a);
  assert.equal(history.body.logs[0].conflicts, 0);
});

Deno.test("[http] two-way, one side emptied: needs_review, then applied through review", async () => {
  const ten = await tenant(app, world, "twoway-guard");
  const created = await createConfig(ten);
  const path = `/api/sync/config/${created.id}`;
  assert.equal((await call(ten.browser, "PATCH", path, { direction: "two_way" })).status, 200);
  const originals = await addEvents(ten, 12, "Linked");
  const trigger = async () =>
    (await call(ten.browser, "POST", `/api/sync/trigger/${created.id}`)).body;
  assert.equal((await trigger()).a_to_b, 12);
  for (const e of originals) {
    await ten.source.events.delete({ calendarId: ten.sourceCal, eventId: e.id! });
  }
  const held = await trigger();
  assert.equal(held.status, "needs_review", JSON.stringify(held));
  assert.equal((await listEvents(ten.dest, ten.destCal)).length, 12, "nothing deleted in B");
  const stranger = await tenant(app, world, "twoway-guard-other");
  const other = await call(stranger.browser, "POST", `${path}/review`, { action: "apply" });
  assert.equal(other.status, 404);
  const review = await call(ten.browser, "POST", `${path}/review`, { action: "apply" });
  assert.equal(review.status, 200, JSON.stringify(review.body));
  const applied = await trigger();
  assert.equal(applied.status, "success", JSON.stringify(applied));
  assert.equal(applied.events_deleted, 12);
  assert.equal((await listEvents(ten.dest, ten.destCal)).length, 0);
});
