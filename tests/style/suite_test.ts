/**
 * `deno task test` runs every test file once: each is in exactly one share (tests/_suite.ts:
 * the small files' or the browser tests') or runs alone and is named by the task's command.
 */
import assert from "node:assert/strict";
import { runsAlone, shareFiles, testFiles } from "../_suite.ts";

/** How many shares of the small files, and of the browser tests. */
const SHARES = 4;
const BROWSER_SHARES = 2;

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
  const browserShares = await Promise.all(
    Array.from({ length: BROWSER_SHARES }, (_, i) => shareFiles(i, BROWSER_SHARES, "browser")),
  );
  const shared = [...shares.flat(), ...browserShares.flat()];
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
  const shareNames = [
    ...Array.from({ length: SHARES }, (_, i) => `tests/suite/share_${i + 1}_test.ts`),
    ...Array.from({ length: BROWSER_SHARES }, (_, i) => `tests/suite/browser_${i + 1}_test.ts`),
  ];
  for (const share of shareNames) {
    assert.ok(all.includes(share), `${share} is missing`);
    assert.ok(ran(share), `the test task does not run ${share}`);
  }
  const sizes = shares.map((files) => files.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `shares of similar size: ${sizes}`);
  assert.ok(Math.min(...sizes) >= 10, `shares worth an isolate: ${sizes}`);
  // Every browser test is in a browser share, and no small share starts a browser.
  const browserTests = all.filter((path) => path.startsWith("tests/e2e/"));
  assert.ok(browserTests.length >= 7, `${browserTests.length} browser test files`);
  assert.deepEqual(browserShares.flat().sort(), browserTests);
  assert.ok(browserShares.every((files) => files.length >= 3), "browser shares of similar size");
});
