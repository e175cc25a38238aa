import { join } from "node:path";

/**
 * The files under `dir` whose names pass `keep`, sorted; subfolders too when `recursive`.
 * A missing folder has no files.
 */
export async function listFiles(
  dir: string,
  keep: (name: string) => boolean,
  recursive = true,
): Promise<string[]> {
  const out: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return out;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && recursive) out.push(...await listFiles(path, keep, true));
    else if (entry.isFile && keep(entry.name)) out.push(path);
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
