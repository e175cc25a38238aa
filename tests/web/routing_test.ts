import assert from "node:assert/strict";
import { define } from "@/lib/web/define.ts";
import type { HandlerData } from "@/lib/web/types.ts";
import { get } from "./_fixture.ts";

Deno.test("createWebApp() routes files to paths with params", async (t) => {
  await t.step("routes/index.tsx answers /", async () => {
    const res = await get("/");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(await res.text(), /^<!DOCTYPE html><html lang="en">.*<h1>Home at \/<\/h1>/);
  });

  await t.step("[id] becomes a param passed to the handler and the page", async () => {
    const res = await get("/users/ada%20b");
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<p>User ada b is ADA B<\/p>/);
  });

  await t.step("a static segment wins over a dynamic one", async () => {
    const res = await get("/users/me");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { me: true, method: "GET" });
  });

  await t.step("a handler function answers every method", async () => {
    const res = await get("/users/me", { method: "PUT" });
    assert.deepEqual(await res.json(), { me: true, method: "PUT" });
  });

  await t.step("[...path] catches the rest of the path, and its bare folder", async () => {
    assert.deepEqual(await (await get("/files/a/b%20c.txt")).json(), { path: "a/b c.txt" });
    assert.deepEqual(await (await get("/files")).json(), { path: null });
  });

  await t.step("ctx.redirect() answers 303 and refuses protocol-relative locations", async () => {
    const res = await get("/users/ada", { method: "POST" });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/users/ada");
    const sneaky = await get("/users/ada?to=//evil.example/x", { method: "POST" });
    assert.equal(sneaky.headers.get("location"), "/evil.example/x");
  });

  await t.step("a method without a handler answers 405 with Allow", async () => {
    const res = await get("/users/ada", { method: "DELETE" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET, POST, HEAD");
  });

  await t.step("HEAD runs GET and sends no body", async () => {
    const res = await get("/users/ada", { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await res.text(), "");
  });
});

Deno.test("createWebApp() runs _middleware outermost first and shares ctx.state", async () => {
  const res = await get("/api/things/7");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-trail"), "root>api>handler");
  assert.deepEqual(await res.json(), { id: "7", trail: ["root", "api", "handler"] });
});

Deno.test("createWebApp() runs only the root middleware for pages outside /api", async () => {
  const res = await get("/users/ada");
  assert.equal(res.headers.get("x-trail"), "root");
});

Deno.test("createWebApp() runs a route group's middleware for the group's routes only", async (t) => {
  await t.step("a route inside (members)/ runs it, and the group is not in the path", async () => {
    const res = await get("/club/lounge", { headers: { "x-member": "1" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-trail"), "root>members");
    assert.equal((await get("/club/lounge")).status, 403);
  });

  await t.step("a path no route matches is in no group: 404, not the group's 403", async () => {
    for (const path of ["/club/no-such-room", "/no/such/page"]) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      await res.body?.cancel();
    }
  });
});

Deno.test("createWebApp() renders a route's page with the { data } its handler returns", async (t) => {
  await t.step("with the status and headers it gives", async () => {
    const res = await get("/greet/ada");
    assert.equal(res.status, 203);
    assert.equal(res.headers.get("x-greeted"), "yes");
    assert.equal(res.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(await res.text(), /<h1>Hello ADA at \/greet\/ada<\/h1>/);
  });

  await t.step("and passes a Response it returns as it is", async () => {
    const res = await get("/greet/nobody");
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/");
  });
});

Deno.test("HandlerData reads a page's data type off its handler", () => {
  const handler = define.handlers({
    GET: () => ({ data: { count: 1 } }),
    POST: (ctx) => ctx.redirect("/"),
  });
  const data: HandlerData<typeof handler> = { count: 2 };
  // @ts-expect-error: a page of this handler gets a count, never a string
  const wrong: HandlerData<typeof handler> = { count: "2" };
  assert.equal(data.count + Number(wrong.count), 4);
});

Deno.test("createWebApp() sets a request id header on route responses", async () => {
  const res = await get("/");
  assert.match(res.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
});

Deno.test("createWebApp() serves static files with a hashed URL cached immutably", async (t) => {
  const page = await (await get("/")).text();
  const href = page.match(/href="(\/app\.css\?v=[0-9a-f]+)"/)?.[1];
  assert.ok(href, "the page links the stylesheet through asset()");

  await t.step("the hashed URL is immutable", async () => {
    const res = await get(href);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.match(await res.text(), /margin: 0/);
  });

  await t.step("the bare URL revalidates with an ETag", async () => {
    const res = await get("/app.css");
    assert.equal(res.headers.get("cache-control"), "public, max-age=300, must-revalidate");
    const etag = res.headers.get("etag")!;
    await res.body?.cancel();
    const again = await get("/app.css", { headers: { "If-None-Match": etag } });
    assert.equal(again.status, 304);
  });
});
