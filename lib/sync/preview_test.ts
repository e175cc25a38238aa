import assert from "node:assert/strict";
import { emptyPlan, type WriteOp } from "./plan.ts";
import { PREVIEW_LIMIT, previewOf } from "./preview.ts";

Deno.test("previewOf() lists at most 200 of each kind and counts them all", async () => {
  const ops: WriteOp[] = Array.from({ length: 250 }, (_, i) => ({
    kind: "insert",
    source: { id: `s${i}`, summary: `E${i}` },
    sourceId: `s${i}`,
    destId: `d${i}`,
    body: { summary: `[W] E${i}`, start: { date: "2030-01-01" }, end: { date: "2030-01-02" } },
    hash: "h",
    cluster: "c",
    generation: 0,
  }));
  const plan = { ...emptyPlan(), first: ops };
  const mappings = new Map();
  const preview = await previewOf({ configId: "c", now: 0, windowEnd: 1, mappings }, plan);
  assert.equal(preview.counts.create, 250);
  assert.equal(preview.create.length, PREVIEW_LIMIT);
  assert.equal(preview.create[0].summary, "[W] E0");
  assert.equal(preview.create[0].start, "2030-01-01");
  assert.equal(preview.removals, 0);
  assert.equal(preview.needs_review, false);
});
