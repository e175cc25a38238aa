import assert from "node:assert/strict";
import { nonZeroCounts, plainReason, runStatusText, runTone } from "@/components/run_words.ts";
import { formatWhen, type RunResultView } from "@/components/sync_view.ts";
import { emptyRunCounts } from "@/lib/sync/run_result.ts";

const run = (status: string, counts: Partial<RunResultView> = {}): RunResultView => ({
  status,
  ...emptyRunCounts(),
  ...counts,
});

Deno.test("a run's status is Failed only when nothing was done", () => {
  assert.equal(runStatusText(run("partial", { events_failed: 7 })), "Failed");
  assert.equal(runTone(run("partial", { events_failed: 7 })), "bad");
  assert.equal(runStatusText(run("failed")), "Failed");
  assert.equal(
    runStatusText(run("partial", { events_created: 2, events_updated: 1, events_failed: 7 })),
    "Partly failed: 3 of 10 copied",
  );
  assert.equal(runTone(run("partial", { events_created: 3, events_failed: 7 })), "warn");
  assert.equal(
    runStatusText(run("failed", { events_created: 1 })),
    "Partly failed: stopped after 1 change",
  );
  assert.equal(runStatusText(run("success")), "Succeeded");
  assert.equal(runStatusText(run("needs_reconnect")), "Needs reconnecting");
});

Deno.test("counts leave zeros out", () => {
  assert.equal(nonZeroCounts(run("success")), "no changes");
  assert.equal(
    nonZeroCounts(run("partial", { events_created: 3, events_failed: 2 })),
    "3 created, 2 not copied",
  );
  assert.doesNotMatch(nonZeroCounts(run("failed", { events_updated: 1 })), /\b0 /);
});

Deno.test("Google's raw reasons are translated, ours are left as they are", () => {
  const cases: [string, RegExp][] = [
    ["404 notFound Not Found", /no longer has this event or calendar/],
    ["invalid_grant", /reconnect it/],
    ["400 eventTypeRestriction Out of office events cannot be created", /doesn't allow/],
    ["403 forbiddenForNonOrganizer Shared properties can only be changed", /may not change/],
    ["429 rateLimitExceeded Rate Limit Exceeded", /slow down/],
    ["503 backendError Backend Error", /problem on its side/],
    ["400 invalid Bad event", /not valid for the destination/],
  ];
  for (const [raw, plain] of cases) {
    const { text, original } = plainReason(raw);
    assert.match(text, plain, raw);
    assert.equal(original, raw);
  }
  for (
    const ours of [
      "Internal error; it will be retried on the next run",
      "7 events could not be copied",
    ]
  ) {
    assert.deepEqual(plainReason(ours), { text: ours });
  }
});

Deno.test("a time in the viewer's zone names the zone; the server's says UTC", () => {
  const at = "2026-11-30T23:49:00Z";
  assert.equal(formatWhen(at), "30 Nov, 23:49 UTC");
  assert.match(formatWhen(at, true), /\d\d:\d\d (UTC|GMT[+-]?\d*|[A-Z]{2,5})$/);
});
