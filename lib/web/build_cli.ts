/**
 * Prebuilds the island bundle, e.g. in the Dockerfile, so the server starts without bundling:
 * `deno run -A lib/web/build_cli.ts [bundleDir]` (default `.data/bundles`), then start the app
 * with the same `bundleDir`.
 */
import { join } from "node:path";
import { bundleIslands } from "./bundle.ts";
import { listIslands } from "./manifest.ts";

const projectDir = Deno.cwd();
const cacheDir = Deno.args[0] ?? join(".data", "bundles");
const islands = await listIslands(projectDir);
if (islands.size === 0) {
  console.log("No islands: nothing to bundle");
} else {
  const bundle = await bundleIslands({ projectDir, islands, cacheDir });
  console.log(`Bundled ${islands.size} island(s) as build ${bundle.buildId} in ${cacheDir}`);
}
