import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { bundleIslands, computeBuildId } from "@/lib/web/bundle.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
const islands = new Map([["PasswordField", `${ROOT}/islands/PasswordField.tsx`]]);

Deno.test("bundleIslands() builds the app's islands for the browser and caches them", async () => {
  const cacheDir = await Deno.makeTempDir({ prefix: "cal-sync-bundle-test-" });
  try {
    const first = await bundleIslands({ projectDir: ROOT, islands, cacheDir });
    assert.match(first.buildId, /^[0-9a-f]{16}$/);
    const chunk = new TextDecoder().decode(first.files.get(first.islands.get("PasswordField")!));
    assert.match(chunk, /password-field__toggle/);
    const runtime = new TextDecoder().decode(first.files.get(first.runtime));
    assert.match(runtime, /frsh:island:/);

    const started = performance.now();
    const again = await bundleIslands({ projectDir: ROOT, islands, cacheDir });
    assert.ok(performance.now() - started < 500, "a cached build loads without bundling");
    assert.equal(again.buildId, first.buildId);
    assert.deepEqual([...again.files.keys()].sort(), [...first.files.keys()].sort());
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("computeBuildId() is stable and changes with the islands", async () => {
  const a = await computeBuildId({ projectDir: ROOT, islands });
  assert.equal(await computeBuildId({ projectDir: ROOT, islands }), a);
  const other = new Map([["Counter", `${ROOT}/tests/web/fixture/islands/Counter.tsx`]]);
  assert.notEqual(await computeBuildId({ projectDir: ROOT, islands: other }), a);
});
