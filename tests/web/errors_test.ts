import assert from "node:assert/strict";
import { get } from "./_fixture.ts";

Deno.test("createWebApp() answers an unknown page path with _404 and status 404", async () => {
  const res = await get("/no/such/page");
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  assert.match(
    await res.text(),
    /<h1>Not found: No route matches &quot;\/no\/such\/page&quot;<\/h1>/,
  );
});

Deno.test("createWebApp() lets the /api middleware answer an unknown /api path", async () => {
  const res = await get("/api/no/such/thing");
  assert.equal(res.status, 404);
  assert.equal(res.headers.get("content-type"), "application/json");
  assert.equal(res.headers.get("x-trail"), "root>api");
  assert.deepEqual(await res.json(), {
    error: { message: 'No route matches "/api/no/such/thing"' },
  });
});

Deno.test("createWebApp() leaves HttpErrors under /api to the /api middleware", async (t) => {
  await t.step("a thrown 404 becomes its JSON", async () => {
    const res = await get("/api/things/missing");
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: { message: "No such thing" } });
  });

  await t.step("a missing method becomes a JSON 405", async () => {
    const res = await get("/api/things/7", { method: "POST" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("content-type"), "application/json");
  });
});

Deno.test("createWebApp() maps an HttpError thrown by a page", async (t) => {
  await t.step("404 renders _404", async () => {
    const res = await get("/errors/gone");
    assert.equal(res.status, 404);
    assert.match(await res.text(), /<h1>Not found: That thing is gone<\/h1>/);
  });

  await t.step("401 redirects to /login with the path to come back to", async () => {
    const res = await get("/errors/private?tab=2");
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/login?next=%2Ferrors%2Fprivate%3Ftab%3D2");
  });

  await t.step("another status renders _500 with that status and the error's headers", async () => {
    const res = await get("/errors/forbidden");
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("x-reason"), "owner");
    const requestId = res.headers.get("x-request-id");
    assert.match(await res.text(), new RegExp(`Error 403: Not yours \\(request ${requestId}\\)`));
  });
});

Deno.test("createWebApp() renders _500 with a request id and no stack for a page crash", async () => {
  const reported: unknown[] = [];
  const { default: manifest } = await import("./fixture/fresh.gen.ts");
  const { createWebApp } = await import("@/lib/web/app.ts");
  const app = await createWebApp(manifest, {
    state: () => ({ requestId: "req-500" }) as never,
    onError: (error) => reported.push(error),
  });
  const res = await app.request("http://localhost/errors/boom");
  assert.equal(res.status, 500);
  assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
  const body = await res.text();
  assert.match(body, /Error 500: Something went wrong \(request req-500\)/);
  assert.doesNotMatch(body, /secret stack detail|\.tsx:\d+/);
  assert.equal((reported[0] as Error).message, "secret stack detail");
});
