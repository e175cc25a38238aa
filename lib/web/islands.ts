import type { Context } from "hono";
import { basename, dirname, extname, join } from "node:path";
import { bundleIslands, computeBuildId, type IslandBundle } from "./bundle.ts";
import { type IslandEntry, registerIslands, type ScriptUrls } from "./render.tsx";
import type { Manifest } from "./types.ts";

/** Where the browser build is served: `/_frsh/js/<build id>/<file>`. */
export const JS_PREFIX = "/_frsh/js";

/** Cached for a year: a build's URL changes whenever its content does. */
export const IMMUTABLE = "public, max-age=31536000, immutable";

/** The islands of a manifest, registered for rendering, and where the browser finds them. */
export interface Islands {
  /** The browser build, when it was bundled. */
  bundle?: IslandBundle;
  /** What pages point at; undefined when the app has no islands. */
  scripts?: ScriptUrls;
}

export interface IslandOptions {
  /** Where island builds are cached; `.data/bundles` unless told. */
  bundleDir?: string;
  /** Skip bundling (tests that never load scripts); pages still point at the build id. */
  bundle?: boolean;
}

/**
 * Registers the manifest's islands with the renderer and builds their browser bundle (or, with
 * `bundle: false`, only works out the build id the pages will name).
 */
export async function prepareIslands(
  manifest: Manifest,
  root: string,
  options: IslandOptions,
): Promise<Islands> {
  const islands = islandEntries(manifest, root);
  registerIslands(islands);
  if (islands.length === 0) return {};
  const files = new Map(islands.map((island) => [island.name, island.file]));
  const projectDir = findProjectDir(root);
  if (options.bundle ?? true) {
    const cacheDir = options.bundleDir ?? join(".data", "bundles");
    const bundle = await bundleIslands({ projectDir, islands: files, cacheDir });
    return { bundle, scripts: scriptUrls(bundle.buildId, bundle.runtime, bundle.islands) };
  }
  const buildId = await computeBuildId({ projectDir, islands: files });
  const names = new Map(islands.map((island) => [island.name, `${island.name}.js`]));
  return { scripts: scriptUrls(buildId, "runtime.js", names) };
}

/** The Hono handler of `JS_PREFIX/:buildId/*`: a file of the current build, cached for good. */
export function serveIslandFiles(bundle: IslandBundle | undefined) {
  const prefix = `${JS_PREFIX}/${bundle?.buildId}/`;
  return function islandFiles(c: Context): Response {
    const file = c.req.path.startsWith(prefix)
      ? bundle?.files.get(c.req.path.slice(prefix.length))
      : undefined;
    if (!file) return c.text("Not found\n", 404);
    return c.body(file as Uint8Array<ArrayBuffer>, 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": IMMUTABLE,
    });
  };
}

function islandEntries(manifest: Manifest, root: string): IslandEntry[] {
  return Object.entries(manifest.islands).map(([file, module]) => {
    if (typeof module.default !== "function") {
      throw new TypeError(`Cannot use island "${file}": it has no default export component`);
    }
    return {
      name: basename(file, extname(file)),
      file: join(root, file),
      component: module.default,
    };
  });
}

function scriptUrls(buildId: string, runtime: string, islands: Map<string, string>): ScriptUrls {
  const url = (path: string) => `${JS_PREFIX}/${buildId}/${path}`;
  return {
    runtime: url(runtime),
    islands: new Map([...islands].map(([name, path]) => [name, url(path)])),
  };
}

function findProjectDir(start: string): string {
  for (let dir = start; dir !== dirname(dir); dir = dirname(dir)) {
    try {
      Deno.statSync(join(dir, "deno.json"));
      return dir;
    } catch {
      // keep looking upwards
    }
  }
  throw new Error(`Cannot find "deno.json" above "${start}"`);
}
