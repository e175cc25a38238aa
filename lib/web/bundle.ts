import { dirname, join, relative, resolve } from "node:path";
import { listFiles } from "./_files.ts";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sha256Hex } from "../crypto/hash.ts";

/** The browser build of the runtime and the islands, held in memory. */
export interface IslandBundle {
  buildId: string;
  /** Output files keyed by their path below the build root, e.g. `islands/PasswordField.js`. */
  files: Map<string, Uint8Array>;
  runtime: string;
  /** Island name → the output path of its chunk. */
  islands: Map<string, string>;
}

export interface BundleOptions {
  /** The folder holding `deno.json`; its imports and lock file drive the bundle. */
  projectDir: string;
  /** Island name → absolute path of its module. */
  islands: Map<string, string>;
  /** Where builds are cached, one folder per build id. */
  cacheDir: string;
}

const RUNTIME = fileURLToPath(new URL("./runtime.ts", import.meta.url));
const SOURCE_EXTENSIONS = /\.(ts|tsx|js|jsx|mjs|json)$/;

/**
 * A hash of everything the browser build depends on: the runtime, the islands' folders, the
 * project's `components/` and `lib/`, `deno.json`, `deno.lock` and the Deno version.
 */
export async function computeBuildId(options: Omit<BundleOptions, "cacheDir">): Promise<string> {
  const { projectDir } = options;
  const roots = new Set([
    dirname(RUNTIME),
    ...[...options.islands.values()].map((file) => dirname(file)),
    join(projectDir, "components"),
    join(projectDir, "lib"),
  ]);
  const files = new Set([join(projectDir, "deno.json"), join(projectDir, "deno.lock")]);
  for (const root of roots) for (const file of await listFiles(root, isSource)) files.add(file);
  const parts = [`deno ${Deno.version.deno}`];
  for (const file of [...files].sort()) {
    const content = await readIfExists(file);
    if (content) parts.push(`${relative(projectDir, file)}\0${await sha256Hex(content)}`);
  }
  return (await sha256Hex(parts.join("\n"))).slice(0, 16);
}

/**
 * Bundles the runtime and the islands for the browser with `deno bundle`, or loads the cached
 * build for the same sources. A cache folder that cannot be written only costs a rebuild.
 */
export async function bundleIslands(input: BundleOptions): Promise<IslandBundle> {
  // `deno bundle` runs in the project folder: a cache path relative to ours must not move.
  const options = { ...input, cacheDir: resolve(input.cacheDir) };
  const buildId = await computeBuildId(options);
  const cached = await loadBuild(join(options.cacheDir, buildId), buildId);
  if (cached) return cached;

  let workDir: string;
  try {
    await Deno.mkdir(options.cacheDir, { recursive: true });
    workDir = await Deno.makeTempDir({ dir: options.cacheDir, prefix: ".build-" });
  } catch {
    workDir = await Deno.makeTempDir({ prefix: "cal-sync-build-" });
  }
  const outDir = join(workDir, "out");
  const entries = [RUNTIME, ...options.islands.values()];
  await runDenoBundle(options.projectDir, workDir, outDir, entries);

  const base = commonDir(entries);
  const toOutput = (file: string) => relative(base, file).replace(/\.[jt]sx?$/, ".js");
  const meta = {
    runtime: toOutput(RUNTIME),
    islands: Object.fromEntries([...options.islands].map(([name, file]) => [name, toOutput(file)])),
  };
  await Deno.writeTextFile(join(outDir, "meta.json"), JSON.stringify(meta));
  const target = join(options.cacheDir, buildId);
  try {
    await Deno.rename(outDir, target);
    await Deno.remove(workDir, { recursive: true });
    return (await loadBuild(target, buildId))!;
  } catch {
    // Another process finished the same build first, or the cache is read-only: use ours.
    const build = await loadBuild(outDir, buildId);
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
    if (!build) throw new Error(`Cannot read the island bundle in "${outDir}"`);
    return build;
  }
}

async function runDenoBundle(
  projectDir: string,
  workDir: string,
  outDir: string,
  entries: string[],
): Promise<void> {
  const config = join(workDir, "deno.json");
  await Deno.writeTextFile(config, JSON.stringify(await browserConfig(projectDir)));
  const args = [
    "bundle",
    "--quiet",
    `--config=${config}`,
    `--lock=${join(projectDir, "deno.lock")}`,
    "--platform=browser",
    "--minify",
    "--code-splitting",
    `--outdir=${outDir}`,
    ...entries,
  ];
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: projectDir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`Cannot bundle the islands: deno bundle failed: ${stderr}`);
  }
}

/**
 * The project's import map made absolute, with the automatic JSX runtime: pages render through
 * `precompile` on the server, but its templates cannot be rendered by Preact in the browser.
 */
async function browserConfig(projectDir: string) {
  const project = JSON.parse(await Deno.readTextFile(join(projectDir, "deno.json")));
  const imports: Record<string, string> = {};
  for (const [key, value] of Object.entries(project.imports ?? {}) as [string, string][]) {
    const local = value.startsWith("./") || value.startsWith("../");
    imports[key] = local ? new URL(value, pathToFileURL(`${projectDir}/`)).href : value;
  }
  return {
    imports,
    compilerOptions: {
      ...project.compilerOptions,
      jsx: "react-jsx",
      jsxImportSource: "preact",
    },
  };
}

async function loadBuild(dir: string, buildId: string): Promise<IslandBundle | undefined> {
  let meta: { runtime: string; islands: Record<string, string> };
  try {
    meta = JSON.parse(await Deno.readTextFile(join(dir, "meta.json")));
  } catch {
    return undefined;
  }
  const files = new Map<string, Uint8Array>();
  for (const file of await listFiles(dir, isSource)) {
    const path = relative(dir, file);
    if (path !== "meta.json") files.set(path, await Deno.readFile(file));
  }
  return { buildId, files, runtime: meta.runtime, islands: new Map(Object.entries(meta.islands)) };
}

function isSource(name: string): boolean {
  return SOURCE_EXTENSIONS.test(name);
}

async function readIfExists(file: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

function commonDir(files: string[]): string {
  const split = files.map((file) => dirname(resolve(file)).split("/"));
  const common: string[] = [];
  for (let i = 0; split.every((parts) => i < parts.length && parts[i] === split[0][i]); i++) {
    common.push(split[0][i]);
  }
  return common.join("/") || "/";
}
