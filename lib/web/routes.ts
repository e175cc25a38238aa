import type { ComponentType } from "preact";
import type { Handlers, Manifest, Middleware, MiddlewareFn, RouteModule } from "./types.ts";

/** A page or API route from `routes/`, ready for Hono. */
export interface Route {
  file: string;
  /** Hono patterns: a catch-all route also answers its bare folder. */
  patterns: string[];
  handler?: Handlers;
  // deno-lint-ignore no-explicit-any
  page?: ComponentType<any>;
  middlewares: MiddlewareFn[];
  rank: number[];
}

export interface RouteTable {
  routes: Route[];
  /** Middleware files by folder, outermost first, for paths no route matches. */
  middlewares: { folder: string[]; handlers: MiddlewareFn[] }[];
  // deno-lint-ignore no-explicit-any
  special: { app?: ComponentType<any>; notFound?: ComponentType<any>; error?: ComponentType<any> };
}

const SPECIAL = new Set(["_app", "_404", "_500", "_middleware"]);

/** Builds the route table from the manifest's `./routes/…` entries. */
export function buildRouteTable(manifest: Manifest): RouteTable {
  const middlewares: RouteTable["middlewares"] = [];
  const special: RouteTable["special"] = {};
  const pending: { segments: string[]; file: string; module: RouteModule }[] = [];

  for (const [file, module] of Object.entries(manifest.routes)) {
    const segments = routeSegments(file);
    const name = segments.at(-1) ?? "";
    if (name === "_middleware") {
      middlewares.push({ folder: segments.slice(0, -1), handlers: middlewareList(module, file) });
    } else if (segments.length === 1 && name === "_app") special.app = module.default;
    else if (segments.length === 1 && name === "_404") special.notFound = module.default;
    else if (segments.length === 1 && name === "_500") special.error = module.default;
    else if (!SPECIAL.has(name) && !name.startsWith("_")) pending.push({ segments, file, module });
  }
  middlewares.sort((a, b) => a.folder.length - b.folder.length);

  const routes = pending
    .filter(({ module }) => module.handler !== undefined || module.default !== undefined)
    .map(({ segments, file, module }): Route => {
      const folder = segments.slice(0, -1);
      return {
        file,
        patterns: honoPatterns(segments),
        handler: module.handler as Handlers | undefined,
        page: module.default,
        middlewares: middlewares
          .filter((m) => startsWith(folder, m.folder))
          .flatMap((m) => m.handlers),
        rank: segments.filter((s) => !isGroup(s)).map(segmentRank),
      };
    })
    .sort((a, b) => compareRanks(a.rank, b.rank) || a.file.localeCompare(b.file));
  return { routes, middlewares, special };
}

/**
 * The middleware that applies to a URL path no route matched, outermost first. A group's
 * middleware (`(signed_in)/_middleware.ts`) is for the group's own routes: a path that matched
 * none of them is in no group.
 */
export function middlewaresForPath(table: RouteTable, pathname: string): MiddlewareFn[] {
  const parts = pathname.split("/").filter(Boolean);
  return table.middlewares
    .filter(({ folder }) => !folder.some(isGroup) && folderMatches(folder, parts))
    .flatMap((m) => m.handlers);
}

function routeSegments(file: string): string[] {
  const path = file.replace(/^\.\/routes\//, "").replace(/\.(tsx?|jsx?)$/, "");
  return path.split("/");
}

function middlewareList(module: RouteModule, file: string): MiddlewareFn[] {
  const handler = module.handler as Middleware | undefined;
  const list = Array.isArray(handler) ? handler : [handler];
  if (!list.every((h) => typeof h === "function")) {
    throw new TypeError(`Cannot use "${file}": its handler must be a function or a list of them`);
  }
  return list as MiddlewareFn[];
}

function honoPatterns(segments: string[]): string[] {
  const parts = segments.filter((s) => !isGroup(s));
  if (parts.at(-1) === "index") parts.pop();
  const last = parts.at(-1);
  const catchAll = last?.match(/^\[\.\.\.(\w+)\]$/);
  const toHono = (s: string) => s.replace(/^\[(\w+)\]$/, ":$1");
  if (catchAll) {
    const base = "/" + parts.slice(0, -1).map(toHono).join("/");
    return [`${base === "/" ? "" : base}/:${catchAll[1]}{.+}`, base];
  }
  return ["/" + parts.map(toHono).join("/")];
}

function isGroup(segment: string): boolean {
  return /^\(.+\)$/.test(segment);
}

function segmentRank(segment: string): number {
  if (/^\[\.\.\.\w+\]$/.test(segment)) return 2;
  if (/^\[\w+\]$/.test(segment)) return 1;
  return 0;
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return b.length - a.length;
}

function startsWith(path: string[], prefix: string[]): boolean {
  return prefix.every((part, i) => path[i] === part);
}

function folderMatches(folder: string[], parts: string[]): boolean {
  return folder.length <= parts.length &&
    folder.every((segment, i) => segmentRank(segment) > 0 || segment === parts[i]);
}
