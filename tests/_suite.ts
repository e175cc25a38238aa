/**
 * The suite's small test files, run in a few isolates instead of one each (`tests/suite/`).
 *
 * `deno test` starts an isolate per file, and each pays ~1.5 s of CPU before its first test:
 * loading the app's modules (Hono, Preact, zod, the Google client) and opening an embedded
 * database. Most files then run for well under that. A share imports its files into one isolate,
 * which loads the modules once and opens one database (`sharedTestDb()`), shared by the files as
 * on PostgreSQL, where every file shares one database already: tests isolate by data.
 *
 * The browser tests (`tests/e2e/`) are in shares of their own (`tests/suite/browser_*_test.ts`):
 * each starts an app and Chromium, which the files of one isolate share (`takeBrowserWorld`),
 * one app and one Chromium per share instead of one per file.
 *
 * Files that run alone, as `deno task test` names them: the start-up test (`tests/smoke/`, which
 * runs `deno task start` itself) and the property tests (`*property*_test.ts`, long and
 * CPU-bound, each better in a worker of its own). Every other `*_test.ts` under `lib/` and
 * `tests/` is in exactly one share, found by walking the tree, so a new test file needs no
 * listing. `deno test FILE` still runs one file alone.
 */
import { join } from "node:path";

const ROOT = new URL("../", import.meta.url).pathname;

/** Whether a test file runs in an isolate of its own rather than in a share. */
export function runsAlone(path: string): boolean {
  return /^tests\/(smoke|suite)\//.test(path) || /property[^/]*_test\.ts$/.test(path);
}

/** Whether a test file is a browser test, in the browser shares rather than the small ones. */
export function isBrowserTest(path: string): boolean {
  return /^tests\/e2e\//.test(path);
}

/**
 * The files under `dir` (relative to the repository, paths relative too) whose name `keep`
 * accepts, through every folder but the browser tests' artifacts.
 */
export async function filesUnder(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(join(ROOT, dir))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && entry.name !== "artifacts") {
      found.push(...await filesUnder(path, keep));
    } else if (entry.isFile && keep(entry.name)) found.push(path);
  }
  return found;
}

/** Every test file of the repository (relative paths, sorted). */
export async function testFiles(): Promise<string[]> {
  const isTest = (name: string) => name.endsWith("_test.ts");
  return [...await filesUnder("lib", isTest), ...await filesUnder("tests", isTest)].sort();
}

/** The kinds of share: the small files, or the browser tests. */
export type ShareKind = "small" | "browser";

/** The files of share `index` (from 0) of `count` of a kind: every other file, in path order. */
export async function shareFiles(
  index: number,
  count: number,
  kind: ShareKind = "small",
): Promise<string[]> {
  return (await testFiles()).filter((path) => !runsAlone(path))
    .filter((path) => isBrowserTest(path) === (kind === "browser"))
    .filter((_, i) => i % count === index);
}

/** Imports share `index` of `count` of a kind into this isolate: their `Deno.test`s register here. */
export async function importShare(
  index: number,
  count: number,
  kind: ShareKind = "small",
): Promise<void> {
  for (const path of await shareFiles(index, count, kind)) {
    await import(new URL(path, `file://${ROOT}`).href);
  }
}
