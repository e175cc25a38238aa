import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { calendar } from "@googleapis/calendar";
import type { OAuth2Client } from "google-auth-library";
import { CLIENT_ID, googleError, harness, REDIRECT_URI } from "./_helpers.ts";

const SCOPES = ["https://www.googleapis.com/auth/calendar", "openid", "email"];

interface ParsedForm {
  action: string;
  fields: URLSearchParams;
  button: string;
}

/** Finds the consent form whose button mentions `text`, as a browser would see it. */
function findForm(html: string, pageUrl: string, text: string): ParsedForm {
  for (const m of html.matchAll(/<form([^>]*)>([\s\S]*?)<\/form>/g)) {
    const button = /<button[^>]*>([\s\S]*?)<\/button>/.exec(m[2])?.[1] ?? "";
    if (!button.includes(text)) continue;
    assert.match(m[1], /method="post"/);
    const action = /action="([^"]*)"/.exec(m[1])?.[1] ?? "";
    const fields = new URLSearchParams();
    for (const i of m[2].matchAll(/<input[^>]*name="([^"]*)"[^>]*value="([^"]*)"/g)) {
      const decode = (s: string) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(+n));
      fields.append(decode(i[1]), decode(i[2]));
    }
    return { action: new URL(action, pageUrl).toString(), fields, button };
  }
  throw new Error(`No form mentioning ${text}`);
}

/** Refreshes through the library's public path: a client holding only a refresh token. */
async function refresh(client: OAuth2Client, refreshToken: string) {
  client.setCredentials({ refresh_token: refreshToken });
  const { token } = await client.getAccessToken();
  return { token, credentials: client.credentials };
}

async function consent(authUrl: string, buttonText: string): Promise<URL> {
  const page = await fetch(authUrl);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /text\/html/);
  const form = findForm(await page.text(), authUrl, buttonText);
  const res = await fetch(form.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.fields,
    redirect: "manual",
  });
  await res.body?.cancel();
  assert.equal(res.status, 302);
  return new URL(res.headers.get("location")!);
}

Deno.test("consent form → code → token lists Alice's calendars over HTTP", async () => {
  await using h = await harness();
  const client = h.oauthClient();
  const authUrl = client.generateAuthUrl({
    access_type: "offline",
    prompt: "consent",
    scope: SCOPES,
    state: "st-123",
    login_hint: "alice@example.com",
  });
  const back = await consent(authUrl, "alice@example.com");
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT_URI);
  assert.equal(back.searchParams.get("state"), "st-123");
  const code = back.searchParams.get("code")!;
  assert.ok(code);
  const { tokens } = await client.getToken(code);
  assert.ok(tokens.access_token);
  assert.ok(tokens.refresh_token);
  assert.equal(tokens.token_type, "Bearer");
  assert.ok(tokens.expiry_date! > Date.now() + 3000_000, "expires_in well above 300 s");
  client.setCredentials(tokens);
  const api = calendar({ version: "v3", rootUrl: h.url, auth: client, retry: false });
  const list = await api.calendarList.list();
  const summaries = list.data.items!.map((c) => c.summary);
  assert.deepEqual(summaries.slice(0, 2), ["Work", "Personal"]);
  const primary = list.data.items!.filter((c) => c.primary);
  assert.equal(primary.length, 1);
  assert.equal(primary[0].id, "alice@example.com");
  assert.ok(list.data.items!.some((c) => c.accessRole === "reader"), "a read-only calendar");
});

Deno.test("consent page Cancel redirects with error=access_denied and the state", async () => {
  await using h = await harness();
  const authUrl = h.oauthClient().generateAuthUrl({ scope: SCOPES, state: "s1" });
  const back = await consent(authUrl, "Cancel");
  assert.equal(back.searchParams.get("error"), "access_denied");
  assert.equal(back.searchParams.get("state"), "s1");
  assert.equal(back.searchParams.get("code"), null);
});

Deno.test("consent form actions work through a proxy (relative URLs)", async () => {
  await using h = await harness();
  const authUrl = h.oauthClient().generateAuthUrl({ scope: SCOPES });
  const html = await (await fetch(authUrl)).text();
  for (const m of html.matchAll(/<form([^>]*)>/g)) {
    const action = /action="([^"]*)"/.exec(m[1])?.[1];
    assert.ok(action === undefined || !/^https?:/.test(action), `absolute action ${action}`);
  }
});

Deno.test("an authorization code is single-use: a second exchange answers invalid_grant", async () => {
  await using h = await harness();
  const client = h.oauthClient();
  const back = await consent(client.generateAuthUrl({ scope: SCOPES }), "bob@example.com");
  const code = back.searchParams.get("code")!;
  await client.getToken(code);
  const err = await googleError(client.getToken(code));
  assert.equal(err.status, 400);
  assert.equal(err.body.error, "invalid_grant");
});

Deno.test("a code exchanged with another redirect_uri or client id is refused", async () => {
  await using h = await harness();
  const client = h.oauthClient();
  const code1 = (await consent(client.generateAuthUrl({ scope: SCOPES }), "bob@example.com"))
    .searchParams.get("code")!;
  const err = await googleError(
    client.getToken({ code: code1, redirect_uri: "http://evil.example/cb" }),
  );
  assert.equal(err.status, 400);
  assert.equal(err.body.error, "redirect_uri_mismatch");
  const code2 = (await consent(client.generateAuthUrl({ scope: SCOPES }), "bob@example.com"))
    .searchParams.get("code")!;
  const err2 = await googleError(client.getToken({ code: code2, client_id: "other-client" }));
  assert.equal(err2.status, 400);
  assert.equal(err2.body.error, "invalid_grant");
});

Deno.test("an unknown authorization code answers 400 invalid_grant", async () => {
  await using h = await harness();
  const err = await googleError(h.oauthClient().getToken("4/not-a-code"));
  assert.equal(err.status, 400);
  assert.equal(err.body.error, "invalid_grant");
});

Deno.test("PKCE: the code exchange needs the matching code_verifier", async () => {
  await using h = await harness();
  const client = h.oauthClient();
  const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
  const url = client.generateAuthUrl({
    scope: SCOPES,
    code_challenge: codeChallenge,
    // deno-lint-ignore no-explicit-any
    code_challenge_method: "S256" as any,
  });
  const code = (await consent(url, "alice@example.com")).searchParams.get("code")!;
  const bad = await googleError(client.getToken({ code, codeVerifier: "x".repeat(50) }));
  assert.equal(bad.body.error, "invalid_grant");
  const code2 = (await consent(url, "alice@example.com")).searchParams.get("code")!;
  const { tokens } = await client.getToken({ code: code2, codeVerifier });
  assert.ok(tokens.access_token);
});

Deno.test("PKCE: a code issued with code_challenge is refused without a code_verifier", async () => {
  await using h = await harness();
  const client = h.oauthClient();
  const { codeChallenge } = await client.generateCodeVerifierAsync();
  const url = client.generateAuthUrl({
    scope: SCOPES,
    code_challenge: codeChallenge,
    // deno-lint-ignore no-explicit-any
    code_challenge_method: "S256" as any,
  });
  const code = (await consent(url, "alice@example.com")).searchParams.get("code")!;
  const err = await googleError(client.getToken({ code }));
  assert.equal(err.status, 400);
  assert.equal(err.body.error, "invalid_grant");
});

// Google's answer, as reported against its own Node clients when an upgrade began sending a
// verifier for codes issued without a challenge (google-api-nodejs-client#3680,
// google-auth-library-nodejs#2028).
Deno.test("PKCE: a code issued without code_challenge is refused when the exchange sends a code_verifier", async () => {
  await using h = await harness();
  const client = h.oauthClient();
  const { codeVerifier } = await client.generateCodeVerifierAsync();
  const url = client.generateAuthUrl({ scope: SCOPES });
  const code = (await consent(url, "alice@example.com")).searchParams.get("code")!;
  const err = await googleError(client.getToken({ code, codeVerifier }));
  assert.equal(err.status, 400);
  assert.deepEqual(err.body, {
    error: "invalid_grant",
    error_description: "code_verifier or verifier is not needed.",
  });
  const code2 = (await consent(url, "alice@example.com")).searchParams.get("code")!;
  const { tokens } = await client.getToken({ code: code2 });
  assert.ok(tokens.access_token);
});

Deno.test("refresh_token grant issues a new access token; after revoke it answers invalid_grant", async () => {
  await using h = await harness();
  const client = h.oauthClient();
  const back = await consent(
    client.generateAuthUrl({ access_type: "offline", scope: SCOPES }),
    "alice@example.com",
  );
  const { tokens } = await client.getToken(back.searchParams.get("code")!);
  const refreshed = await refresh(h.oauthClient(), tokens.refresh_token!);
  assert.ok(refreshed.token);
  assert.notEqual(refreshed.token, tokens.access_token);
  assert.ok(refreshed.credentials.expiry_date! > Date.now() + 3000_000);
  await client.revokeToken(tokens.refresh_token!);
  const err = await googleError(refresh(h.oauthClient(), tokens.refresh_token!));
  assert.equal(err.status, 400);
  assert.deepEqual(err.body, {
    error: "invalid_grant",
    error_description: "Token has been expired or revoked.",
  });
  // Access tokens of a revoked grant stop working too.
  const api = calendar({ version: "v3", rootUrl: h.url, auth: client, retry: false });
  client.setCredentials({ access_token: refreshed.token, expiry_date: Date.now() + 3000_000 });
  assert.equal((await googleError(api.calendarList.list())).status, 401);
});

Deno.test("revoking an unknown token answers 400 invalid_token", async () => {
  await using h = await harness();
  const err = await googleError(h.oauthClient().revokeToken("nope"));
  assert.equal(err.status, 400);
  assert.equal(err.body.error, "invalid_token");
});

Deno.test("without access_type=offline no refresh_token is issued", async () => {
  await using h = await harness();
  const client = h.oauthClient();
  const back = await consent(client.generateAuthUrl({ scope: SCOPES }), "alice@example.com");
  const { tokens } = await client.getToken(back.searchParams.get("code")!);
  assert.equal(tokens.refresh_token, undefined);
});

Deno.test("id_token verifies with verifyIdToken against the sandbox certs", async () => {
  await using h = await harness();
  const client = h.oauthClient();
  const back = await consent(client.generateAuthUrl({ scope: SCOPES }), "bob@example.com");
  const { tokens } = await client.getToken(back.searchParams.get("code")!);
  const ticket = await client.verifyIdToken({ idToken: tokens.id_token!, audience: CLIENT_ID });
  const payload = ticket.getPayload()!;
  assert.equal(payload.email, "bob@example.com");
  assert.equal(payload.email_verified, true);
  assert.equal(payload.aud, CLIENT_ID);
  assert.equal(payload.iss, "https://accounts.google.com");
  assert.ok(payload.sub);
  await assert.rejects(client.verifyIdToken({ idToken: tokens.id_token!, audience: "other" }));
});

Deno.test("the PEM cert endpoint serves a self-signed X.509 certificate for the key", async () => {
  await using h = await harness();
  const res = await fetch(`${h.url}oauth2/v1/certs`);
  assert.match(res.headers.get("cache-control") ?? "", /max-age=\d+/);
  const certs = await res.json();
  const [kid, pem] = Object.entries(certs)[0] as [string, string];
  assert.ok(kid);
  assert.match(pem, /^-----BEGIN CERTIFICATE-----\n/);
  const cert = new X509Certificate(pem);
  assert.ok(cert.verify(cert.publicKey));
  const jwks = await (await fetch(`${h.url}oauth2/v3/certs`)).json();
  assert.equal(jwks.keys[0].kid, kid, "same key in both formats");
});

Deno.test("the JWK cert endpoint publishes the id_token key", async () => {
  await using h = await harness();
  const res = await fetch(`${h.url}oauth2/v3/certs`);
  const body = await res.json();
  assert.equal(body.keys[0].kty, "RSA");
  assert.equal(body.keys[0].alg, "RS256");
  assert.ok(body.keys[0].kid);
});

Deno.test("OIDC userinfo (v3 and openidconnect v1) names the connected account", async () => {
  await using h = await harness();
  const client = h.oauthClient();
  const back = await consent(client.generateAuthUrl({ scope: SCOPES }), "alice@example.com");
  const { tokens } = await client.getToken(back.searchParams.get("code")!);
  client.setCredentials(tokens);
  for (const path of ["oauth2/v3/userinfo", "v1/userinfo"]) {
    const res = await client.request<{ email: string; email_verified: boolean }>({
      url: `${h.url}${path}`,
    });
    assert.equal(res.data.email, "alice@example.com");
    assert.equal(res.data.email_verified, true);
  }
  const info = await client.getTokenInfo(tokens.access_token!);
  assert.equal(info.email, "alice@example.com");
  assert.ok(info.scopes.includes("https://www.googleapis.com/auth/calendar"));
  const bad = await fetch(`${h.url}oauth2/v3/userinfo`, {
    headers: { authorization: "Bearer nope" },
  });
  assert.equal(bad.status, 401);
  assert.equal((await bad.json()).error, "invalid_request");
});

Deno.test("an expired access token gets Google's 401 body", async () => {
  let clock = Date.now();
  await using h = await harness({ now: () => new Date(clock) });
  const api = await h.calendarAs("alice@example.com");
  await api.calendarList.list();
  clock += 3600_000;
  const err = await googleError(api.calendarList.list());
  assert.equal(err.status, 401);
  assert.equal(err.reason, "authError");
  assert.equal(err.body.error.status, "UNAUTHENTICATED");
  assert.equal(err.body.error.errors[0].location, "Authorization");
});

Deno.test("an unknown access token gets 401 authError", async () => {
  await using h = await harness();
  const res = await fetch(`${h.url}calendar/v3/users/me/calendarList`, {
    headers: { authorization: "Bearer not-a-token" },
  });
  assert.equal(res.status, 401);
  const body = await res.json();
  assert.equal(body.error.code, 401);
  assert.equal(body.error.errors[0].reason, "authError");
});

Deno.test("a new account from the control surface appears on the consent page at once", async () => {
  await using h = await harness();
  const res = await h.control("POST", "accounts", {
    email: "carol@example.com",
    calendars: ["Carol main", "Carol side"],
  });
  const account = await res.json();
  assert.equal(account.calendars[0].id, "carol@example.com");
  assert.equal(account.calendars.length, 2);
  const client = h.oauthClient();
  const back = await consent(client.generateAuthUrl({ scope: SCOPES }), "carol@example.com");
  const { tokens } = await client.getToken(back.searchParams.get("code")!);
  client.setCredentials(tokens);
  const api = calendar({ version: "v3", rootUrl: h.url, auth: client, retry: false });
  const list = await api.calendarList.list();
  assert.deepEqual(list.data.items!.map((c) => c.summary), ["Carol main", "Carol side"]);
});

Deno.test("the revoke fault invalidates an account's tokens", async () => {
  await using h = await harness();
  const client = h.oauthClient();
  const back = await consent(
    client.generateAuthUrl({ access_type: "offline", scope: SCOPES }),
    "alice@example.com",
  );
  const { tokens } = await client.getToken(back.searchParams.get("code")!);
  await (await h.control("POST", "faults", { revoke: "alice@example.com" })).body?.cancel();
  const err = await googleError(refresh(h.oauthClient(), tokens.refresh_token!));
  assert.equal(err.body.error, "invalid_grant");
});
