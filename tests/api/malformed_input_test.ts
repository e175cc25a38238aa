/**
 * Malformed input on every page and API route, enumerated from the route manifest (a new route is
 * covered without touching this file): bad path ids, query values, form and JSON bodies, an
 * undecodable cookie and a malformed Referer. Each answers 4xx or a redirect — never 5xx.
 */
import assert from "node:assert/strict";
import manifest from "@/fresh.gen.ts";
import { issueToken } from "@/lib/auth/jwt.ts";
import { getSyncLog } from "@/lib/db/sync_logs.ts";
import type { ApiSpec } from "@/lib/http/api.ts";
import type { PageSpec } from "@/lib/http/page.ts";
import { call, createConfig, openApp, openWorld, tenant } from "../sync_api/_helpers.ts";

const world = await openWorld();
const app = await openApp(world.services);
const ORIGIN = world.services.config.apiUrl;
const owner = await tenant(app, world, "owner");
const config = await createConfig(owner);
const ran = await call(owner.browser, "POST", `/api/sync/trigger/${config.id}`);
assert.equal(ran.status, 200);
const intruder = await tenant(app, world, "intruder");
const foreignConfig = await createConfig(intruder);

type Spec = Partial<ApiSpec & PageSpec>;

interface Operation {
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

const OPERATIONS = operations();
const VALID: Record<string, string> = { id: config.id, account_type: "source" };
const pathOf = (op: Operation, values: Record<string, string> = VALID) =>
  op.template.replace(/\{(\w+)\}/g, (_, name) => values[name]);

/** Raw path segments, sent as they are written here (percent escapes included). */
const BAD_PATH_VALUES = [
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
const BAD_QUERY_VALUES = [
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
const QUERY_KEYS = [
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
const BAD_BODIES: [string, string | null, BodyInit][] = [
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

async function send(
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

function assertNo5xx(res: Response, what: string) {
  assert.ok(res.status < 500, `${what} answered ${res.status}`);
}

Deno.test("[http] the route manifest has pages and API routes to try", () => {
  const templates = new Set(OPERATIONS.map((op) => op.template));
  assert.ok(templates.has("/syncs/{id}/delete"));
  assert.ok(templates.has("/api/sync/config/{id}"));
  assert.ok(OPERATIONS.length >= 25, `${OPERATIONS.length} operations`);
});

Deno.test(
  "[http] a malformed, unknown or foreign path id answers 404, never 5xx",
  async () => {
    for (const op of OPERATIONS.filter((op) => op.params.length > 0)) {
      for (const value of BAD_PATH_VALUES) {
        const values = Object.fromEntries(op.params.map((name) => [name, value]));
        const path = pathOf(op, values);
        const res = await send(op.method, path);
        const what = `${op.method} ${path.slice(0, 80)}`;
        assertNo5xx(res, what);
        if (/^[0-9a-f-]{36}$/.test(value)) {
          // Well-formed but unknown or another user's: 404, or 422 for the missing body first.
          assert.ok([404, 422].includes(res.status), `${what} answered ${res.status}`);
        } else if (op.params.includes("id") || !op.template.startsWith("/api/")) {
          assert.equal(res.status, 404, what);
        } else {
          // An account type that is not one: the API names the parameter.
          assert.equal(res.status, 422, what);
        }
      }
    }
  },
);

Deno.test("[http] malformed query values answer 4xx or a redirect, never 5xx", async () => {
  for (const op of OPERATIONS) {
    const declared = Object.keys(
      (op.spec.query as { shape?: Record<string, unknown> } | undefined)?.shape ?? {},
    );
    // A delete or disconnect that reads no query would only do its work: nothing to learn.
    if (op.destructive && declared.length === 0) continue;
    for (const value of BAD_QUERY_VALUES) {
      const query = [...new Set([...declared, ...QUERY_KEYS])].map((key) => `${key}=${value}`)
        .join("&");
      const path = `${pathOf(op)}?${query}`;
      const res = await send(op.method, path);
      const what = `${op.method} ${op.template}?…=${value.slice(0, 20)}`;
      assertNo5xx(res, what);
      if (op.template.startsWith("/api/") && declared.length > 0) {
        assert.ok(res.status >= 400, `${what} answered ${res.status}`);
      }
    }
  }
});

Deno.test(
  "[http] GET /?ran=x&log=notauuid shows the dashboard without a run result",
  async () => {
    const res = await owner.browser("/?ran=x&log=notauuid");
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<h1>Dashboard<\/h1>/);
    assert.doesNotMatch(html, /class="run-result/);
  },
);

Deno.test("[http] a run is read for its owner only, on the page and in lib/db", async () => {
  const theirs = await call(intruder.browser, "POST", `/api/sync/trigger/${foreignConfig.id}`);
  assert.equal(theirs.status, 200);
  const logId = theirs.body.sync_log_id as string;
  assert.equal((await getSyncLog(world.db, logId, intruder.user.id))?.config_id, foreignConfig.id);
  assert.equal(await getSyncLog(world.db, logId, owner.user.id), undefined);
  assert.equal(await getSyncLog(world.db, "notauuid", owner.user.id), undefined);
  const peek = await owner.browser(`/?ran=${foreignConfig.id}&log=${logId}`);
  assert.equal(peek.status, 200);
  assert.doesNotMatch(await peek.text(), /class="run-result/);
});

Deno.test("[http] malformed form and JSON bodies answer 4xx, never 5xx", async () => {
  for (const op of OPERATIONS.filter((op) => op.method !== "GET")) {
    const parsesBody = Boolean(op.spec.body || op.spec.form);
    if (op.destructive && !parsesBody) continue;
    for (const [label, type, body] of BAD_BODIES) {
      const res = await send(op.method, pathOf(op), { body, type });
      const what = `${op.method} ${op.template} with ${label}`;
      assertNo5xx(res, what);
      if (parsesBody) assert.ok(res.status >= 400, `${what} answered ${res.status}`);
    }
  }
});

Deno.test("[http] a cookie that is not valid percent-encoding breaks no route", async () => {
  for (const op of OPERATIONS) {
    const values = Object.fromEntries(op.params.map((name) => [name, "notauuid"]));
    const token = await issueToken(owner.user.id, world.services.config.jwtSecret);
    const res = await send(op.method, pathOf(op, values), {
      headers: { cookie: `theme=100%; session=${token}; x=%E0%A4%A` },
    });
    assertNo5xx(res, `${op.method} ${op.template}`);
  }
  const token = await issueToken(owner.user.id, world.services.config.jwtSecret);
  const me = await app.request(`${ORIGIN}/api/auth/me`, {
    headers: { cookie: `theme=100%; session=${token}` },
  });
  assert.equal(me.status, 200, "the session beside the bad cookie still counts");
  assert.equal((await me.json()).id, owner.user.id);
  const page = await app.request(`${ORIGIN}/`, { headers: { cookie: "theme=100%" } });
  await page.body?.cancel();
  assert.equal(page.status, 303, "an anonymous visitor is sent to sign in");
});

Deno.test("[http] a write with a malformed Referer is refused with 403", async () => {
  const referers = ["http://[bad", "::::", "not a url", "http://exa mple.com/"];
  for (const op of OPERATIONS.filter((op) => op.method !== "GET")) {
    for (const referer of referers) {
      const res = await send(op.method, pathOf(op), { headers: { referer } });
      assert.equal(res.status, 403, `${op.method} ${op.template} with Referer "${referer}"`);
    }
  }
  // Nothing was changed by the refused writes.
  const still = await call(owner.browser, "GET", `/api/sync/config/${config.id}`);
  assert.equal(still.status, 200);
});

Deno.test("[http] malformed input on the routes of an anonymous visitor", async () => {
  for (const op of OPERATIONS) {
    for (const [label, type, body] of op.method === "GET" ? [] : BAD_BODIES.slice(0, 6)) {
      const res = await send(op.method, `${pathOf(op)}?next=%09%00&log=x`, {
        body,
        type,
        headers: { cookie: "theme=100%" },
      });
      assertNo5xx(res, `anonymous ${op.method} ${op.template} with ${label}`);
    }
  }
});

Deno.test(
  "[http] every signed-in page sends an anonymous visitor to sign in, whatever the method",
  async () => {
    const pages = OPERATIONS.filter((op) => op.signedIn);
    assert.ok(pages.length >= 6, `${pages.length} signed-in page operations`);
    // PUT is handled by none of them: the group's middleware answers before any 405.
    for (const op of [...pages, ...pages.map((op) => ({ ...op, method: "PUT" }))]) {
      const path = pathOf(op);
      const res = await send(op.method, path, { headers: { cookie: "theme=dark" } });
      assert.equal(res.status, 303, `anonymous ${op.method} ${path}`);
      assert.equal(res.headers.get("location"), `/login?next=${encodeURIComponent(path)}`);
    }
  },
);

Deno.test({
  name: "[http] malformed input tests close their world",
  fn: () => world.close(),
});
