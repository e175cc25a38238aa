/**
 * Google's redirect back reaching a browser that is not signed in: the page says what happened,
 * and signing in from it finishes the connection without a second trip to Google.
 */
import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { hashPassword } from "@/lib/auth/password.ts";
import { createUser, type User } from "@/lib/db/users.ts";
import {
  anonymousOf,
  browserOf,
  type Client,
  consent,
  newGoogleAccount,
  openApp,
  openWorld,
} from "./_helpers.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openWorld();
const app = await openApp(world.services);
const ORIGIN = world.services.config.apiUrl;
const PASSWORD = "correct horse battery";

async function person(label: string): Promise<{ user: User; browser: Client }> {
  const email = `${label}-${crypto.randomUUID()}@cal-sync.test`;
  const user = await createUser(world.db, email, await hashPassword(PASSWORD, 1_000));
  return { user, browser: await browserOf(app, world, user) };
}

/** Starts connecting the source account as `browser`'s user; returns Google's redirect back. */
async function googleSendsBack(browser: Client, googleEmail: string): Promise<string> {
  const start = await browser("/api/oauth/start/source", {
    headers: { accept: "application/json" },
  });
  assert.equal(start.status, 200);
  const back = await consent((await start.json()).authorization_url, googleEmail);
  return back.pathname + back.search;
}

/** The sign-in link of the callback's page, and the page's text. */
async function signInLink(res: Response): Promise<{ href: string; text: string }> {
  assert.equal(res.status, 401);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const html = await res.text();
  const href = html.match(/<a class="button" href="([^"]+)">Sign in and finish connecting<\/a>/)
    ?.[1].replaceAll("&amp;", "&");
  assert.ok(href, "the page offers to sign in and finish");
  return { href, text: html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ") };
}

/** Posts the sign-in form at `href` as a browser would; returns where it leads and the cookie. */
async function signIn(href: string, email: string) {
  const res = await app.request(new URL(href, ORIGIN).toString(), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
    body: new URLSearchParams({ email, password: PASSWORD }),
  });
  assert.equal(res.status, 303);
  const cookie = res.headers.get("set-cookie")!.split(";")[0];
  return { location: res.headers.get("location")!, cookie };
}

async function sourceOf(browser: Client) {
  return (await (await browser("/api/oauth/status")).json()).source;
}

Deno.test(
  "[http] the callback without a session says so, and signing in finishes",
  async (t) => {
    const ada = await person("ada");
    const google = newGoogleAccount(world, "ada-src");
    const back = await googleSendsBack(ada.browser, google);

    let href = "";
    await t.step(
      "the page says this browser is not signed in, not that a session ended",
      async () => {
        const page = await signInLink(await anonymousOf(app, world)(back));
        assert.match(page.text, /Sign in to finish connecting/);
        assert.match(page.text, /this browser is not signed in to cal-sync at app\.test/);
        assert.match(page.text, /nothing is connected yet/);
        assert.doesNotMatch(page.text, /session ended/);
        href = page.href;
        assert.equal(new URL(href, ORIGIN).searchParams.get("next"), back);
        assert.equal((await sourceOf(ada.browser)).connected, false);
      },
    );

    await t.step("signing in goes back to the callback, which connects the account", async () => {
      const { location, cookie } = await signIn(href, ada.user.email);
      assert.equal(location, back);
      const res = await app.request(new URL(location, ORIGIN).toString(), { headers: { cookie } });
      assert.equal(res.status, 303);
      const dashboard = new URL(res.headers.get("location")!);
      assert.equal(dashboard.searchParams.get("connect"), "connected");
      assert.equal((await sourceOf(ada.browser)).email, google);
    });
  },
);

Deno.test(
  "[http] the callback with an expired session says the sign-in expired",
  async () => {
    const bo = await person("bo");
    const back = await googleSendsBack(bo.browser, newGoogleAccount(world, "bo-src"));
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject(
      bo.user.id,
    )
      .setIssuedAt(now - 7200).setExpirationTime(now - 3600)
      .sign(new TextEncoder().encode(world.services.config.jwtSecret));
    const res = await app.request(new URL(back, ORIGIN).toString(), {
      headers: { cookie: `session=${expired}` },
    });
    const page = await signInLink(res);
    assert.match(page.text, /your cal-sync sign-in in this browser has expired/);
  },
);

Deno.test(
  "[http] signing in as someone else cannot finish another's connection",
  async () => {
    const cy = await person("cy");
    const eve = await person("eve");
    const back = await googleSendsBack(cy.browser, newGoogleAccount(world, "cy-src"));
    const { href } = await signInLink(await anonymousOf(app, world)(back));
    const { location, cookie } = await signIn(href, eve.user.email);
    const res = await app.request(new URL(location, ORIGIN).toString(), { headers: { cookie } });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /another user/);
    assert.equal((await sourceOf(eve.browser)).connected, false);
    assert.equal((await sourceOf(cy.browser)).connected, false);
  },
);

closesTheFile("[http] callback sign-in tests close their world", () => world.close());
