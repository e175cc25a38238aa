import assert from "node:assert/strict";
import manifest from "@/fresh.gen.ts";
import { apiRoutes, openApiPath } from "@/lib/http/openapi.ts";
import { openTestApp } from "../_helpers.ts";

const t = await openTestApp();
const { app } = t;

Deno.test("GET /api/health answers after a real query", async () => {
  const res = await app.request("/api/health");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  const body = await res.json();
  assert.equal(body.status, "ok");
  assert.equal(body.database, t.db.kind);
  assert.equal(body.version, t.services.config.version);
});

Deno.test("an unknown /api path answers JSON 404", async () => {
  const res = await app.request("/api/no/such/thing");
  assert.equal(res.status, 404);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal((await res.json()).error.code, 404);
});

Deno.test("an unexpected failure answers JSON 500 with a request id and no stack", async () => {
  const failing = { ...t.services.db, query: () => Promise.reject(new Error("disk on fire")) };
  const { createApp } = await import("@/main.ts");
  const broken = await createApp({ ...t.services, db: failing }, { bundle: false });
  const originalError = console.error;
  const logged: unknown[] = [];
  console.error = (...args: unknown[]) => logged.push(args);
  try {
    const res = await broken.request("/api/health");
    assert.equal(res.status, 500);
    const { error } = await res.json();
    assert.equal(error.code, 500);
    assert.equal(error.message, "Internal server error");
    assert.equal(error.request_id, res.headers.get("x-request-id"));
    assert.doesNotMatch(JSON.stringify(error), /disk on fire|at /);
    assert.match(JSON.stringify(logged), /disk on fire/);
  } finally {
    console.error = originalError;
  }
});

Deno.test("every response carries the security headers", async () => {
  for (const path of ["/api/health", "/login", "/api/nope"]) {
    const res = await app.request(path);
    await res.body?.cancel();
    assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
    assert.ok(res.headers.get("content-security-policy"), path);
    assert.ok(res.headers.get("referrer-policy"), path);
  }
});

Deno.test("GET /api/openapi.json documents every /api operation", async () => {
  const res = await app.request("/api/openapi.json");
  assert.equal(res.status, 200);
  const doc = await res.json();
  assert.equal(doc.openapi, "3.1.0");
  const routes = apiRoutes(manifest.routes);
  assert.ok(routes.length >= 5);
  for (const route of routes) {
    for (const method of Object.keys(route.handlers)) {
      const operation = doc.paths[route.path]?.[method.toLowerCase()];
      assert.ok(operation?.summary, `${method} ${route.path} is documented`);
    }
  }
  const register = doc.paths["/api/auth/register"].post;
  assert.deepEqual(
    register.requestBody.content["application/json"].schema.required.sort(),
    ["email", "password"],
  );
  assert.ok(register.responses["422"]);
});

Deno.test("GET /api/docs lists every operation with a form to try it", async () => {
  const res = await app.request("/api/docs");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
  const html = await res.text();
  for (const route of apiRoutes(manifest.routes)) {
    assert.ok(html.includes(`<code>${route.path}</code>`), route.path);
  }
  assert.match(html, /frsh:island:ApiConsole/);
  assert.match(
    html,
    /<textarea[^>]*>\{\n {2}&quot;email&quot;: &quot;[^&]+&quot;,\n {2}&quot;password&quot;/,
  );
});

Deno.test("openApiPath() turns route files into OpenAPI paths", () => {
  assert.equal(openApiPath("./routes/api/sync/config/[id].ts"), "/api/sync/config/{id}");
  assert.equal(openApiPath("./routes/api/sync/index.ts"), "/api/sync");
  assert.equal(openApiPath("./routes/api/openapi.json.ts"), "/api/openapi.json");
});
