import type { Context } from "hono";
import { sha256Hex } from "../crypto/hash.ts";
import { IMMUTABLE } from "./islands.ts";

/** One file of the static folder, held in memory with its content hash. */
export interface StaticFile {
  body: Uint8Array;
  contentType: string;
  hash: string;
}

const CONTENT_TYPES: Record<string, string> = {
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  ico: "image/x-icon",
  webp: "image/webp",
  woff2: "font/woff2",
  txt: "text/plain; charset=utf-8",
  webmanifest: "application/manifest+json",
};

/** Reads every file under `dir` into a map keyed by URL path (`/styles.css`). */
export async function loadStaticFiles(dir: string): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  const walk = async (folder: string, prefix: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(folder));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory) await walk(path, `${prefix}/${entry.name}`);
      if (!entry.isFile || entry.name.startsWith(".")) continue;
      const body = await Deno.readFile(path);
      const extension = entry.name.split(".").pop()?.toLowerCase() ?? "";
      files.set(`${prefix}/${entry.name}`, {
        body,
        contentType: CONTENT_TYPES[extension] ?? "application/octet-stream",
        hash: (await sha256Hex(body)).slice(0, 12),
      });
    }
  };
  await walk(dir, "");
  return files;
}

/** A static file's URL with its content hash (`/styles.css?v=…`), which is cached for good. */
export function assetUrls(files: Map<string, StaticFile>): (path: string) => string {
  return function assetUrl(path: string): string {
    const file = files.get(path);
    return file ? `${path}?v=${file.hash}` : path;
  };
}

/** Answers a static file: immutable under its hashed URL, revalidated under its plain one. */
export function serveStatic(c: Context, file: StaticFile): Response {
  const etag = `"${file.hash}"`;
  const versioned = c.req.query("v") === file.hash;
  const headers = {
    "Content-Type": file.contentType,
    "Cache-Control": versioned ? IMMUTABLE : "public, max-age=300, must-revalidate",
    ETag: etag,
  };
  // A compressed answer carries the weak form (W/"…"): If-None-Match compares weakly.
  const known = c.req.header("If-None-Match")?.split(",").map((t) => t.trim().replace(/^W\//, ""));
  if (known?.includes(etag)) return new Response(null, { status: 304, headers });
  return new Response(file.body as Uint8Array<ArrayBuffer>, { headers });
}
