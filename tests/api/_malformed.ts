/**
 * The set-up of the malformed-input tests, split over two files that run in parallel (several
 * hundred requests each): a world with an owner, a config that ran and another user's config,
 * and every route × method of the route manifest with the bad values to send it.
 */
import assert from "node:assert/strict";
import manifest from "@/fresh.gen.ts";
import { issueToken } from "@/lib/auth/jwt.ts";
import type { ApiSpec } from "@/lib/http/api.ts";
import type { PageSpec } from "@/lib/http/page.ts";
import { call, createConfig, openApp, openWorld, tenant } from "../sync_api/_helpers.ts";

export const world = await openWorld();
export const app = await openApp(world.services);
export const ORIGIN = world.services.config.apiUrl;
export const owner = await tenant(app, world, "owner");
export const config = await createConfig(owner);
const ran = await call(owner.browser, "POST", `/api/sync/trigger/${config.id}`);
assert.equal(ran.status, 200);
export const intruder = await tenant(app, world, "intruder");
export const foreignConfig = await createConfig(intruder);

let users = 0;

/**
 * Takes the world for one test file; the file gives it back in its last test, and the last file
 * to do so closes it (both files may share one isolate: tests/_suite.ts).
 */
export function takeWorld(): { giveBack(): Promise<void> } {
  users++;
  return { giveBack: async () => void (--users === 0 && await world.close()) };
}

export type Spec = Partial<ApiSpec & PageSpec>;

export interface Operation {
  method: string;
  /** `/syncs/{id}/delete` */
  template: string;
  params: string[];
  spec: Spec;
  /** Changes what later operations see whatever the input (deletes, disconnects): run last. */
  destructive: boolean;
  /** A page of `routes/(signed_in)/`, for signed-in visitors only. */
  signedIn: boolean;
}

/** Every route × method of the manifest, with the spec `api()` or `page()` attached to it. */
function operations(): Operation[] {
  const out: Operation[] = [];
  for (const [file, module] of Object.entries(manifest.routes)) {
    const segments = file.replace(/^\.\/routes/, "").replace(/\.(tsx?|jsx?)$/, "").split("/");
    if (segments.some((s) => s.startsWith("_"))) continue;
    if (segments.at(-1) === "index") segments.pop();
    // A route group, `(name)`, is a folder that is not part of the path.
    const template = "/" + segments.filter((s) => s && !/^\(.+\)$/.test(s))
      .map((s) => s.replace(/^\[(\w+)\]$/, "{$1}")).join("/");
    const params = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    const handlers = (module.handler ?? {}) as Record<string, { spec?: Spec }>;
    const methods = Object.keys(handlers);
    if (module.default && !methods.includes("GET")) methods.push("GET");
    for (const method of methods) {
      out.push({
        method,
        template,
        params,
        spec: handlers[method]?.spec ?? {},
        destructive: method === "DELETE" || /\/(delete|disconnect|logout)$/.test(template),
        signedIn: file.startsWith("./routes/(signed_in)/"),
      });
    }
  }
  return out.sort((a, b) => Number(a.destructive) - Number(b.destructive));
}

export const OPERATIONS = operations();
export const VALID: Record<string, string> = { id: config.id, account_type: "source" };
export const pathOf = (op: Operation, values: Record<string, string> = VALID) =>
  op.template.replace(/\{(\w+)\}/g, (_, name) => values[name]);

/** Raw path segments, sent as they are written here (percent escapes included). */
export const BAD_PATH_VALUES = [
  "notauuid",
  "00000000-0000-0000-0000-00000000000g",
  "00000000-0000-0000-0000-000000000000",
  foreignConfig.id,
  "-1",
  "%27%20OR%20%271%27%3D%271",
  "%00",
  "%E0%A4%A",
  "%C3%BC",
  "x".repeat(3000),
];

/** Raw query values, sent as written. */
export const BAD_QUERY_VALUES = [
  "notauuid",
  "",
  "%00",
  "%E0%A4%A",
  "-1",
  "1e999",
  "%0D%0ASet-Cookie:%20x=y",
  "%C3%BC",
  "x".repeat(3000),
];

/** Query keys any route reads, besides those its spec declares. */
export const QUERY_KEYS = [
  "ran",
  "log",
  "notice",
  "next",
  "before",
  "limit",
  "remove_synced_events",
  "state",
  "code",
  "error",
  "connect",
  "account",
  "reason",
];

const wrongTypes = {
  email: 5,
  username: ["x"],
  password: { length: 9 },
  is_active: "maybe",
  source_calendar_id: { $ne: 1 },
  dest_calendar_id: null,
  sync_lookahead_days: "1e999",
  sync_interval_minutes: -1,
  remove_synced_events: [],
};
const withNul = Object.fromEntries(
  Object.keys(wrongTypes).map((key) => [key, `bad\u0000${key}`]),
);
const multipart = new FormData();
multipart.set("email", new Blob(["file"]), "email.txt");
multipart.set("is_active", "maybe");
multipart.set("remove_synced_events", "perhaps");
multipart.set("source_calendar_id", "\u0000");

/** Bodies no route's schema accepts: [label, content-type, body]. */
export const BAD_BODIES: [string, string | null, BodyInit][] = [
  ["truncated JSON", "application/json", '{"email": '],
  ["JSON null", "application/json", "null"],
  ["a JSON array", "application/json", "[]"],
  ["a JSON string", "application/json", '"text"'],
  ["fields of the wrong type", "application/json", JSON.stringify(wrongTypes)],
  ["NUL bytes in every field", "application/json", JSON.stringify(withNul)],
  ["JSON nested 100,000 deep", "application/json", "[".repeat(100_000) + "]".repeat(100_000)],
  ["invalid UTF-8", "application/json", new Uint8Array([0x7b, 0xff, 0xfe, 0x00, 0x7d])],
  [
    "bad percent-encoding in a form",
    "application/x-www-form-urlencoded",
    "email=%E0%A4%A&password=%&is_active=%ZZ&remove_synced_events=%",
  ],
  [
    "a form of wrong values",
    "application/x-www-form-urlencoded",
    "email=not-an-email&password=&is_active=maybe&remove_synced_events=perhaps&" +
    "sync_lookahead_days=abc",
  ],
  ["multipart with a file", null, multipart],
  ["multipart without a boundary", "multipart/form-data", "--x\r\nnonsense"],
  ["binary as text/plain", "text/plain", new Uint8Array([0, 1, 2, 255])],
  ["no content type", null, "a=b"],
];

export async function send(
  method: string,
  path: string,
  init: { body?: BodyInit; type?: string | null; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("cookie")) {
    const token = await issueToken(owner.user.id, world.services.config.jwtSecret);
    headers.set("cookie", `session=${token}`);
  }
  if (method !== "GET" && !headers.has("referer")) headers.set("origin", ORIGIN);
  if (init.type) headers.set("content-type", init.type);
  const res = await app.request(`${ORIGIN}${path}`, { method, headers, body: init.body });
  await res.body?.cancel();
  return res;
}

export function assertNo5xx(res: Response, what: string) {
  assert.ok(res.status < 500, `${what} answered ${res.status}`);
}
