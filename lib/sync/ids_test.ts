import assert from "node:assert/strict";
import { canonicalJson, contentHash, destEventId, syncClusterId } from "./ids.ts";

// The literal ids below were computed outside Deno (Python's hashlib and base64.b32hexencode),
// so a change to the encoding, the key layout or the hash shows up here, not as orphaned copies.

Deno.test("destEventId: base32hex of SHA-256 over config and source id, prefixed cs", async () => {
  assert.equal(await destEventId("cfg-1", "src-1"), "cs5ebrias3lrb5b9odh3dsduf2hcgvaguc");
  assert.equal(await destEventId("cfg-2", "src-1"), "csbis6heeuedb851aktgbovvo7vh4p7l64");
});

Deno.test("destEventId: a later generation is another id, generation 0 the plain one", async () => {
  assert.equal(await destEventId("cfg-1", "src-1", 0), "cs5ebrias3lrb5b9odh3dsduf2hcgvaguc");
  assert.equal(await destEventId("cfg-1", "src-1", 1), "cstddbnu64t3qv698v2flhsahnhnu39kcg");
});

Deno.test("destEventId: only characters Google accepts in an event id (a-v, 0-9), 5-1024 long", async () => {
  const id = await destEventId("a config", "an event_20260101T090000Z");
  assert.match(id, /^[a-v0-9]{34}$/);
});

Deno.test("syncClusterId: a version-5-shaped UUID, the same for the same pair", async () => {
  assert.equal(await syncClusterId("cfg-1", "src-1"), "20eb7559-49d3-53c4-87e6-7fd385f1566c");
  assert.equal(await syncClusterId("cfg-1", "src-1"), "20eb7559-49d3-53c4-87e6-7fd385f1566c");
  assert.notEqual(await syncClusterId("cfg-1", "src-2"), await syncClusterId("cfg-1", "src-1"));
});

Deno.test("canonicalJson: keys sorted at every depth, undefined members dropped", () => {
  assert.equal(
    canonicalJson({ z: 2, a: [1, { c: "x", b: null, d: undefined }], u: undefined }),
    '{"a":[1,{"b":null,"c":"x"}],"z":2}',
  );
  assert.equal(canonicalJson(undefined), "null");
  assert.equal(canonicalJson("é"), '"é"');
  assert.equal(canonicalJson([]), "[]");
});

Deno.test("contentHash: SHA-256 hex of the canonical JSON, so key order does not matter", async () => {
  const expected = "5cd9cfa07c5ce3c2e958eb406e7c673e347b204419d8709b0ff6e0c9f5370578";
  assert.equal(await contentHash({ z: 2, a: [1, { c: "x", b: null }] }), expected);
  assert.equal(await contentHash({ a: [1, { b: null, c: "x" }], z: 2 }), expected);
});
