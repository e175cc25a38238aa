/**
 * Sign in with Google through the sandbox: a new Google identity makes an account, a returning
 * one finds it, an email that a password account holds is never merged, and a state or code is
 * good once, in the browser that started.
 */
import assert from "node:assert/strict";
import { getUserByEmail, getUserByGoogleSub, hasGoogleSignIn } from "@/lib/db/users.ts";
import { consent, newGoogleAccount, openApp, openWorld } from "./_helpers.ts";
import { type JarBrowser, jarBrowser } from "./_jar.ts";
import { closesTheFile } from "../_helpers.ts";

const world = await openWorld();
const app = await openApp(world.services);
const ORIGIN = world.services.config.apiUrl;
const PASSWORD = "correct horse battery";

const browser = () => jarBrowser(app, ORIGIN);

/** Google's stable id of a sandbox account, as its userinfo tells. */
async function subOf(email: string): Promise<string> {
  const res = await fetch(`${world.sandboxUrl}oauth2/v3/userinfo`, {
    headers: { authorization: `Bearer ${world.sandbox.issueAccessToken(email)}` },
  });
  return (await res.json()).sub;
}

/** Starts a Google sign-in in `b` and chooses `email` on the consent page: Google's redirect back. */
async function googleSendsBack(b: JarBrowser, email: string, start = "/api/auth/google/start") {
  const res = await b(start, { headers: { accept: "text/html" } });
  assert.equal(res.status, 302);
  const back = await consent(res.headers.get("location")!, email);
  assert.equal(back.pathname, "/api/auth/google/callback");
  return back.pathname + back.search;
}

async function me(b: JarBrowser) {
  const res = await b("/api/auth/me");
  return { status: res.status, body: res.status === 200 ? await res.json() : undefined };
}

async function register(email: string): Promise<void> {
  const res = await app.request(`${ORIGIN}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  assert.equal(res.status, 201);
}

Deno.test("[http] Sign in with Google", async (t) => {
  const googleEmail = newGoogleAccount(world, "newcomer");
  let userId = "";

  await t.step(
    "start asks for openid email only, with PKCE, a nonce and a browser cookie",
    async () => {
      const b = browser();
      const res = await b("/api/auth/google/start?next=%2F", { headers: { accept: "text/html" } });
      assert.equal(res.status, 302);
      const q = new URL(res.headers.get("location")!).searchParams;
      assert.deepEqual(q.get("scope")!.split(" ").sort(), ["email", "openid"]);
      assert.equal(q.get("redirect_uri"), `${ORIGIN}/api/auth/google/callback`);
      assert.equal(q.get("code_challenge_method"), "S256");
      assert.ok(q.get("nonce")!.length >= 20);
      assert.equal(q.get("access_type"), null);
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith("google_signin="))!;
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Lax/);
      assert.equal(cookie.split(";")[0], `google_signin=${q.get("state")}`);
      const page = await (await fetch(res.headers.get("location")!)).text();
      assert.match(page, /<h1>Sign in to cal-sync<\/h1>/);
    },
  );

  await t.step("a new Google identity creates an account and signs it in", async () => {
    const b = browser();
    const res = await b(await googleSendsBack(b, googleEmail));
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/");
    assert.ok(b.cookies.get("session"), "the session cookie is set");
    assert.equal(b.cookies.has("google_signin"), false, "the sign-in cookie is cleared");
    const { status, body } = await me(b);
    assert.equal(status, 200);
    assert.equal(body.email, googleEmail);
    const user = await getUserByGoogleSub(world.db, await subOf(googleEmail));
    assert.equal(user?.id, body.id);
    assert.equal((await getUserByEmail(world.db, googleEmail))?.password_hash, null);
    userId = body.id;
  });

  await t.step("the account has no password to guess", async () => {
    const res = await app.request(`${ORIGIN}/api/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: googleEmail, password: "" + PASSWORD }),
    });
    assert.equal(res.status, 401);
    await res.body?.cancel();
  });

  await t.step("a returning Google identity signs in to the same account", async () => {
    const b = browser();
    const res = await b(
      await googleSendsBack(b, googleEmail, "/api/auth/google/start?next=%2Faccount"),
    );
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/account");
    assert.equal((await me(b)).body.id, userId);
  });
});

Deno.test("[http] Sign in with Google never merges into a password account", async (t) => {
  const email = newGoogleAccount(world, "owner");
  await register(email);
  const owner = await getUserByEmail(world.db, email);

  await t.step("the same verified email signs no one in and says how to link", async () => {
    const b = browser();
    const res = await b(await googleSendsBack(b, email));
    assert.equal(res.status, 409);
    const html = await res.text();
    assert.match(html, /Sign in with your password first/);
    assert.match(html, /Link Google/);
    assert.equal(b.cookies.has("session"), false);
    assert.equal(await hasGoogleSignIn(world.db, owner!.id), false);
    assert.equal(await getUserByGoogleSub(world.db, await subOf(email)), undefined);
  });

  await t.step("signed in with the password, the account page links Google", async () => {
    const b = browser();
    const login = await b("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email, password: PASSWORD }),
    });
    assert.equal(login.status, 303);
    const page = await (await b("/account")).text();
    assert.match(page, /action="\/api\/auth\/google\/link"/);
    const start = await b("/api/auth/google/link", {
      method: "POST",
      headers: { accept: "text/html" },
    });
    assert.equal(start.status, 303);
    const back = await consent(start.headers.get("location")!, email);
    const res = await b(back.pathname + back.search);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get("location"), "/account?google=linked");
    assert.equal(await hasGoogleSignIn(world.db, owner!.id), true);
  });

  await t.step("from then on Google signs in to that account", async () => {
    const b = browser();
    assert.equal((await b(await googleSendsBack(b, email))).status, 303);
    assert.equal((await me(b)).body.id, owner!.id);
  });

  await t.step("a Google account that signs in to another user is not linked again", async () => {
    const other = `other-${crypto.randomUUID()}@cal-sync.test`;
    await register(other);
    const b = browser();
    await b("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: other, password: PASSWORD }),
    });
    const start = await b("/api/auth/google/link", { method: "POST" });
    const back = await consent(start.headers.get("location")!, email);
    const res = await b(back.pathname + back.search);
    assert.equal(res.status, 409);
    assert.match(await res.text(), /already signs in to another cal-sync account/);
    const otherUser = await getUserByEmail(world.db, other);
    assert.equal(await hasGoogleSignIn(world.db, otherUser!.id), false);
  });
});

Deno.test("[http] Google sign-in states and codes are good once, in one browser", async (t) => {
  const email = newGoogleAccount(world, "replay");

  await t.step("a replayed state is refused", async () => {
    const b = browser();
    const callback = await googleSendsBack(b, email);
    const cookie = b.cookies.get("google_signin")!;
    assert.equal((await b(callback)).status, 303);
    b.cookies.set("google_signin", cookie);
    b.cookies.delete("session");
    const replay = await b(callback);
    assert.equal(replay.status, 400);
    assert.match(await replay.text(), /already used or has expired/);
    assert.equal(b.cookies.has("session"), false);
  });

  await t.step("a replayed code is refused by Google, under a fresh state", async () => {
    const first = browser();
    const used = new URL(await googleSendsBack(first, email), ORIGIN);
    assert.equal((await first(used.pathname + used.search)).status, 303);
    const b = browser();
    const fresh = new URL(await googleSendsBack(b, email), ORIGIN);
    fresh.searchParams.set("code", used.searchParams.get("code")!);
    const res = await b(fresh.pathname + fresh.search);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /Google sign-in failed/);
    assert.equal(b.cookies.has("session"), false);
  });

  await t.step("a callback link opened in another browser signs no one in", async () => {
    const attacker = browser();
    const callback = await googleSendsBack(attacker, email);
    const victim = browser();
    const res = await victim(callback);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /started in another browser/);
    assert.equal(victim.cookies.has("session"), false);
  });

  await t.step("a link is finished only by the user who started it", async () => {
    const owner = `linker-${crypto.randomUUID()}@cal-sync.test`;
    await register(owner);
    const b = browser();
    await b("/login", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: owner, password: PASSWORD }),
    });
    const start = await b("/api/auth/google/link", { method: "POST" });
    const back = await consent(start.headers.get("location")!, newGoogleAccount(world, "l"));
    b.cookies.delete("session");
    const res = await b(back.pathname + back.search);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /started by another user/);
  });

  await t.step("cancelling on Google's page goes back to sign in", async () => {
    const b = browser();
    const res = await b("/api/auth/google/start", { headers: { accept: "text/html" } });
    const back = await consent(res.headers.get("location")!, "cancel");
    const answer = await b(back.pathname + back.search);
    assert.equal(answer.status, 303);
    assert.equal(answer.headers.get("location"), "/login");
  });
});

Deno.test("[pages] the sign-in and registration pages offer Continue with Google", async () => {
  for (const path of ["/login?next=%2Faccount", "/register?next=%2Faccount"]) {
    const html = await (await browser()(path)).text();
    assert.match(
      html,
      /<a class="button button--quiet button--google" href="\/api\/auth\/google\/start\?next=%2Faccount">Continue with Google<\/a>/,
    );
  }
});

closesTheFile("[http] Google sign-in tests close their world", () => world.close());
