/**
 * `deno task test` runs every test file once: each is in exactly one share (tests/_suite.ts) or
 * runs alone and is named by the task's command.
 */
import assert from "node:assert/strict";
import { runsAlone, shareFiles, testFiles } from "../_suite.ts";

const SHARES = 2;

/** The paths and globs the test task passes to `deno test`, as regular expressions. */
async function taskPatterns(): Promise<RegExp[]> {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  const task = config.tasks.test;
  const command: string = typeof task === "string" ? task : task.command;
  const args: string[] = command.split(/\s+/).filter((a: string) => /^(tests|lib)\//.test(a));
  return args.map((arg) => {
    const pattern = arg.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[^/]*");
    return new RegExp(`^${pattern}${arg.endsWith("/") ? "" : "$"}`);
  });
}

Deno.test("every test file runs once under deno task test: in one share, or alone by name", async () => {
  const all = await testFiles();
  assert.ok(all.length > 80, `${all.length} test files`);
  assert.ok(all.includes("tests/style/suite_test.ts"));
  const shares = await Promise.all(
    Array.from({ length: SHARES }, (_, i) => shareFiles(i, SHARES)),
  );
  const shared = shares.flat();
  assert.equal(new Set(shared).size, shared.length, "a file in two shares");
  const patterns = await taskPatterns();
  const ran = (path: string) => patterns.some((p) => p.test(path));
  for (const path of all) {
    if (runsAlone(path)) {
      if (path.startsWith("tests/suite/")) continue;
      assert.ok(ran(path), `${path} runs alone but the test task does not name it`);
      assert.ok(!shared.includes(path), `${path} runs alone and in a share`);
    } else {
      assert.ok(shared.includes(path), `${path} is in no share`);
    }
  }
  for (let i = 1; i <= SHARES; i++) {
    assert.ok(all.includes(`tests/suite/share_${i}_test.ts`), `share ${i} has no file`);
    assert.ok(ran(`tests/suite/share_${i}_test.ts`));
  }
  assert.ok(shares.every((files) => files.length > 20), "shares of similar size");
});
