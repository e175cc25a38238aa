/**
 * Malformed input on every page and API route, the second half (see malformed_input_test.ts):
 * bad form and JSON bodies, an undecodable cookie, a malformed Referer and anonymous visitors.
 * Each answers 4xx or a redirect — never 5xx.
 */
import assert from "node:assert/strict";
import { issueToken } from "@/lib/auth/jwt.ts";
import { call } from "../sync_api/_helpers.ts";
import {
  app,
  assertNo5xx,
  BAD_BODIES,
  config,
  OPERATIONS,
  ORIGIN,
  owner,
  pathOf,
  send,
  takeWorld,
  world,
} from "./_malformed.ts";
import { closesTheFile } from "../_helpers.ts";

const held = takeWorld();

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

closesTheFile(
  "[http] malformed input tests (bodies, cookies, referers) close their world",
  () => held.giveBack(),
);
