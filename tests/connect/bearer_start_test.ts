/**
 * A connection started with a bearer token (a client that keeps its token in script) completes in
 * the browser Google sends back: the start sets the session cookie, and the callback still wants
 * that session, never the state alone.
 */
import assert from "node:assert/strict";
import { issueToken } from "@/lib/auth/jwt.ts";
import { getAccountByRole } from "@/lib/db/google_accounts.ts";
import { consent, newGoogleAccount, newUser, openApp, openWorld } from "./_helpers.ts";
import { jarBrowser } from "./_jar.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openWorld();
const app = await openApp(world.services);
const ORIGIN = world.services.config.apiUrl;

Deno.test("[http] GET /api/oauth/start/{account_type} with a bearer", async (t) => {
  const user = await newUser(world);
  const token = await issueToken(user.id, world.services.config.jwtSecret);
  const googleEmail = newGoogleAccount(world, "bearer");
  const start = await app.request(`${ORIGIN}/api/oauth/start/source`, {
    headers: { authorization: `Bearer ${token}`, accept: "application/json" },
  });
  assert.equal(start.status, 200);
  const { authorization_url } = await start.json();
  const cookie = start.headers.getSetCookie().find((c) => c.startsWith("session="));

  await t.step("sets the session cookie holding that token, HttpOnly and SameSite=Lax", () => {
    assert.ok(cookie);
    assert.equal(cookie.split(";")[0], `session=${token}`);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.match(cookie, /; Path=\//);
  });

  const back = await consent(authorization_url, googleEmail);
  const callback = back.pathname + back.search;

  await t.step("a browser without that cookie stores nothing", async () => {
    const res = await jarBrowser(app, ORIGIN)(callback);
    assert.equal(res.status, 401);
    await res.body?.cancel();
    assert.equal(await getAccountByRole(world.db, user.id, "source"), undefined);
  });

  await t.step(
    "a cookie-less browser given only that cookie completes the connection",
    async () => {
      const browser = jarBrowser(app, ORIGIN);
      browser.cookies.set("session", token);
      const res = await browser(callback);
      assert.equal(res.status, 303);
      assert.match(res.headers.get("location")!, /connect=connected&account=source/);
      assert.equal(
        (await getAccountByRole(world.db, user.id, "source"))?.google_email,
        googleEmail,
      );
    },
  );

  await t.step("a start signed by the cookie sets no new cookie", async () => {
    const res = await app.request(`${ORIGIN}/api/oauth/start/destination`, {
      headers: { cookie: `session=${token}`, accept: "application/json" },
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    assert.deepEqual(res.headers.getSetCookie(), []);
  });
});

closesTheFile("[http] bearer start tests close their world", () => world.close());
