/** Google OAuth 2.0 / OpenID Connect endpoints: consent page, token, revoke, userinfo, certs. */
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import { json, OAuthError } from "./_errors.ts";
import { type AuthCode, type Grant, randomId, randomToken } from "./_state.ts";
import { ACCESS_TOKEN_SECONDS, type Store } from "./_store.ts";
import { selfSignedCertificate } from "./_x509.ts";

export const ISSUER = "https://accounts.google.com";
const CODE_TTL_MS = 10 * 60 * 1000;
const IDENTITY_SCOPES = new Set(["openid", "email", "profile"]);

interface Keys {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  pem: string;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function formParams(req: Request): Promise<URLSearchParams> {
  const type = req.headers.get("content-type") ?? "";
  const text = await req.text();
  if (type.includes("application/json")) {
    try {
      const obj = JSON.parse(text);
      return new URLSearchParams(
        Object.entries(obj ?? {}).map(([k, v]) => [k, String(v)] as [string, string]),
      );
    } catch {
      throw new OAuthError(400, "invalid_request", "Invalid JSON payload received.");
    }
  }
  return new URLSearchParams(text);
}

async function sha256Base64Url(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
  );
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

type TokenBody = Record<string, unknown>;

/** PKCE: a code issued with a code_challenge needs its verifier; one issued without refuses one. */
async function checkCodeVerifier(code: AuthCode, form: URLSearchParams): Promise<void> {
  if (!code.codeChallenge) {
    // Google refuses a verifier the code was not issued for (no code_challenge).
    if (form.has("code_verifier")) {
      throw new OAuthError(400, "invalid_grant", "code_verifier or verifier is not needed.");
    }
    return;
  }
  const verifier = form.get("code_verifier");
  if (!verifier) throw new OAuthError(400, "invalid_grant", "Missing code verifier.");
  const expected = code.codeChallengeMethod === "S256" ? await sha256Base64Url(verifier) : verifier;
  if (expected !== code.codeChallenge) {
    throw new OAuthError(400, "invalid_grant", "Invalid code verifier.");
  }
}

/** The OAuth half of the sandbox. */
export class OAuthServer {
  #keys?: Promise<Keys>;

  constructor(readonly store: Store) {}

  /** The id_token signing key, created once and kept in the state. */
  keys(): Promise<Keys> {
    this.#keys ??= (async () => {
      let jwk = this.store.state.signingKey;
      if (!jwk) {
        const pair = await generateKeyPair("RS256", { extractable: true, modulusLength: 2048 });
        jwk = { ...(await exportJWK(pair.privateKey)), kid: randomId(40) };
        this.store.state.signingKey = jwk;
        this.store.changed();
      }
      const privateKey = await importJWK(jwk as JWK, "RS256") as CryptoKey;
      const publicJwk: JWK = { kty: jwk.kty, n: jwk.n, e: jwk.e };
      const publicKey = await importJWK(publicJwk, "RS256", { extractable: true }) as CryptoKey;
      return {
        kid: jwk.kid!,
        privateKey,
        publicJwk: { ...publicJwk, kid: jwk.kid, alg: "RS256", use: "sig" },
        pem: await selfSignedCertificate(
          privateKey,
          publicKey,
          "securetoken.system.gserviceaccount.com",
          this.store.now(),
        ),
      };
    })();
    return this.#keys;
  }

  /** Forgets cached keys (after a reset replaced the state). */
  forgetKeys(): void {
    this.#keys = undefined;
  }

  async handle(req: Request, url: URL, path: string, origin: string): Promise<Response | null> {
    const res = await this.#route(req, url, path, origin);
    if (res) this.store.countOAuth(`${req.method} ${path}`);
    return res;
  }

  async #route(req: Request, url: URL, path: string, origin: string): Promise<Response | null> {
    try {
      switch (path) {
        case "/o/oauth2/v2/auth":
        case "/o/oauth2/auth":
          if (req.method === "GET") return this.consentPage(url);
          if (req.method === "POST") return await this.consentSubmit(req, url);
          return null;
        case "/token":
        case "/o/oauth2/token":
          return req.method === "POST" ? await this.token(req) : null;
        case "/revoke":
        case "/o/oauth2/revoke":
          return await this.revoke(req, url);
        case "/tokeninfo":
        case "/oauth2/v3/tokeninfo":
          return await this.tokenInfo(req, url);
        case "/oauth2/v3/userinfo":
        case "/v1/userinfo":
        case "/oauth2/v2/userinfo":
        case "/oauth2/v1/userinfo":
          return this.userInfo(req, url, path);
        case "/oauth2/v1/certs": {
          const k = await this.keys();
          return json({ [k.kid]: k.pem }, 200, { "cache-control": "public, max-age=19800" });
        }
        case "/oauth2/v3/certs": {
          const k = await this.keys();
          return json({ keys: [k.publicJwk] }, 200, { "cache-control": "public, max-age=19800" });
        }
        case "/.well-known/openid-configuration":
          return this.discovery(origin);
      }
      return null;
    } catch (err) {
      if (err instanceof OAuthError) return err.toResponse();
      throw err;
    }
  }

  #errorPage(status: number, error: string, detail: string): Response {
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Error ${status}: ${
      escapeHtml(error)
    }</title></head><body><h1>Access blocked: authorization error</h1><p>Error ${status}: ${
      escapeHtml(error)
    }</p><p>${escapeHtml(detail)}</p><p>Google sandbox</p></body></html>`;
    return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8" } });
  }

  #checkAuthParams(p: URLSearchParams): Response | null {
    for (const name of ["client_id", "redirect_uri", "response_type", "scope"]) {
      if (!p.get(name)) {
        return this.#errorPage(400, "invalid_request", `Missing required parameter: ${name}`);
      }
    }
    try {
      new URL(p.get("redirect_uri")!);
    } catch {
      return this.#errorPage(400, "invalid_request", "Invalid parameter value for redirect_uri");
    }
    if (p.get("response_type") !== "code") {
      return this.#errorPage(
        400,
        "unsupported_response_type",
        `Unsupported response_type: ${p.get("response_type")}`,
      );
    }
    return null;
  }

  consentPage(url: URL): Response {
    const p = url.searchParams;
    const bad = this.#checkAuthParams(p);
    if (bad) return bad;
    const hint = (p.get("login_hint") ?? "").toLowerCase();
    const accounts = Object.values(this.store.state.accounts);
    accounts.sort((a, b) => (a.email === hint ? -1 : b.email === hint ? 1 : 0));
    const hidden = [...p.entries()].map(([k, v]) =>
      `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`
    ).join("");
    const scopes = (p.get("scope") ?? "").split(/\s+/).filter(Boolean);
    // Identity scopes only: the app signs someone in rather than connecting their calendars.
    const signIn = scopes.every((s) => IDENTITY_SCOPES.has(s));
    const forms = accounts.map((a) =>
      `<li><form method="post">${hidden}<input type="hidden" name="account" value="${
        escapeHtml(a.email)
      }"><button type="submit"${a.email === hint ? " autofocus" : ""}>Continue as ${
        escapeHtml(a.email)
      }</button></form></li>`
    ).join("\n");
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in - Google Accounts (sandbox)</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
ul{list-style:none;padding:0}li{margin:.5rem 0}button{font-size:1rem;padding:.6rem 1rem;width:100%;
text-align:left;cursor:pointer}.note{color:#555;font-size:.9rem}
.hint{background:#e8f0fe;border-radius:.5rem;padding:.6rem .8rem}</style></head>
<body><h1>${signIn ? "Sign in to cal-sync" : "Choose an account"}</h1>
<p>${
      signIn
        ? "Choose an account to sign in with. Only your email address is shared."
        : "Choose the account whose calendars cal-sync may connect."
    }</p>
${purposeLine(signIn, hint, p.get("client_id")!)}
<p class="note">This is the cal-sync Google sandbox: Google is simulated, no data leaves this machine.</p>
<p>to continue to <b>${escapeHtml(p.get("client_id")!)}</b>, which asks for:</p>
<ul class="note">${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>
<ul>
${forms}
</ul>
<form method="post">${hidden}<input type="hidden" name="cancel" value="1"><button type="submit">Cancel</button></form>
</body></html>`;
    return new Response(html, {
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    });
  }

  async consentSubmit(req: Request, url: URL): Promise<Response> {
    const form = await formParams(req);
    // The form repeats the authorization parameters; the query string is the fallback.
    const p = new URLSearchParams(url.searchParams);
    for (const [k, v] of form) p.set(k, v);
    const bad = this.#checkAuthParams(p);
    if (bad) return bad;
    const redirect = new URL(p.get("redirect_uri")!);
    const state = p.get("state");
    if (form.get("cancel")) {
      redirect.searchParams.set("error", "access_denied");
      if (state !== null) redirect.searchParams.set("state", state);
      return Response.redirect(redirect.toString(), 302);
    }
    const email = (form.get("account") ?? "").toLowerCase();
    if (!this.store.state.accounts[email]) {
      return this.#errorPage(400, "invalid_request", `Unknown sandbox account: ${email}`);
    }
    const code = `4/sandbox-${randomToken(30)}`;
    const scope = this.#expandScope(p.get("scope")!);
    this.store.state.codes[code] = {
      email,
      clientId: p.get("client_id")!,
      redirectUri: p.get("redirect_uri")!,
      scope,
      offline: p.get("access_type") === "offline",
      nonce: p.get("nonce") ?? undefined,
      codeChallenge: p.get("code_challenge") ?? undefined,
      codeChallengeMethod: p.get("code_challenge_method") ?? undefined,
      expiresAt: this.store.now().getTime() + CODE_TTL_MS,
      used: false,
    };
    this.store.changed();
    if (state !== null) redirect.searchParams.set("state", state);
    redirect.searchParams.set("code", code);
    redirect.searchParams.set("scope", scope);
    redirect.searchParams.set("authuser", "0");
    redirect.searchParams.set("prompt", "consent");
    return Response.redirect(redirect.toString(), 302);
  }

  #expandScope(scope: string): string {
    const out: string[] = [];
    for (const s of scope.split(/\s+/).filter(Boolean)) {
      if (s === "email") out.push("https://www.googleapis.com/auth/userinfo.email");
      else if (s === "profile") out.push("https://www.googleapis.com/auth/userinfo.profile");
      else out.push(s);
    }
    return [...new Set(out)].join(" ");
  }

  #clientCredentials(req: Request, form: URLSearchParams): { id: string; secret: string } {
    let id = form.get("client_id") ?? "";
    let secret = form.get("client_secret") ?? "";
    const h = req.headers.get("authorization");
    if (h && /^Basic\s+/i.test(h)) {
      try {
        const [u, s] = atob(h.replace(/^Basic\s+/i, "")).split(":");
        id ||= decodeURIComponent(u);
        secret ||= decodeURIComponent(s ?? "");
      } catch {
        throw new OAuthError(401, "invalid_client", "Unauthorized");
      }
    }
    if (!id) {
      throw new OAuthError(400, "invalid_request", "Could not determine client ID from request.");
    }
    if (!secret) throw new OAuthError(400, "invalid_request", "client_secret is missing.");
    return { id, secret };
  }

  async #idToken(
    email: string,
    clientId: string,
    nonce: string | undefined,
  ): Promise<string> {
    const account = this.store.state.accounts[email];
    const k = await this.keys();
    const iat = Math.floor(this.store.now().getTime() / 1000);
    const claims: Record<string, unknown> = {
      azp: clientId,
      email,
      email_verified: true,
      name: account.name,
      given_name: account.name,
    };
    if (nonce) claims.nonce = nonce;
    return await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: k.kid, typ: "JWT" })
      .setIssuer(ISSUER)
      .setAudience(clientId)
      .setSubject(account.sub)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ACCESS_TOKEN_SECONDS)
      .sign(k.privateKey);
  }

  async token(req: Request): Promise<Response> {
    const form = await formParams(req);
    const grantType = form.get("grant_type");
    if (!grantType) throw new OAuthError(400, "unsupported_grant_type", "Invalid grant_type: ");
    const client = this.#clientCredentials(req, form);
    const headers = { "cache-control": "no-cache, no-store, max-age=0, must-revalidate" };
    if (grantType === "authorization_code") {
      return json(await this.#authorizationCodeGrant(form, client.id), 200, headers);
    }
    if (grantType === "refresh_token") {
      return json(await this.#refreshTokenGrant(form, client.id), 200, headers);
    }
    throw new OAuthError(400, "unsupported_grant_type", `Invalid grant_type: ${grantType}`);
  }

  /** Redeems an authorization code (once, by the client and redirect URI it was issued to). */
  async #authorizationCodeGrant(form: URLSearchParams, clientId: string): Promise<TokenBody> {
    const state = this.store.state;
    const code = form.get("code");
    if (!code) throw new OAuthError(400, "invalid_request", "Missing required parameter: code");
    const c = state.codes[code];
    if (!c) throw new OAuthError(400, "invalid_grant", "Malformed auth code.");
    if (c.used || c.expiresAt <= this.store.now().getTime()) {
      throw new OAuthError(400, "invalid_grant", "Bad Request");
    }
    if (c.clientId !== clientId) throw new OAuthError(400, "invalid_grant", "Bad Request");
    if (form.get("redirect_uri") !== c.redirectUri) {
      throw new OAuthError(400, "redirect_uri_mismatch", "Bad Request");
    }
    await checkCodeVerifier(c, form);
    c.used = true;
    if (!state.accounts[c.email]) throw new OAuthError(400, "invalid_grant", "Bad Request");
    const grant: Grant = {
      id: randomId(20),
      email: c.email,
      clientId: c.clientId,
      scope: c.scope,
      revoked: false,
    };
    state.grants[grant.id] = grant;
    const body = await this.#tokenBody(grant, { offline: c.offline, nonce: c.nonce });
    this.store.changed();
    return body;
  }

  /** A new access token for a refresh token whose grant stands. */
  async #refreshTokenGrant(form: URLSearchParams, clientId: string): Promise<TokenBody> {
    const state = this.store.state;
    const refresh = form.get("refresh_token");
    if (!refresh) {
      throw new OAuthError(400, "invalid_request", "Missing required parameter: refresh_token");
    }
    const grant = state.grants[state.refreshTokens[refresh] ?? ""];
    if (!grant || grant.revoked || !state.accounts[grant.email]) {
      throw new OAuthError(400, "invalid_grant", "Token has been expired or revoked.");
    }
    if (grant.clientId !== clientId) {
      throw new OAuthError(401, "unauthorized_client", "Unauthorized");
    }
    return await this.#tokenBody(grant, { offline: false, nonce: undefined });
  }

  /** The token answer for a grant: access token, refresh token if offline, id_token if openid. */
  async #tokenBody(
    grant: Grant,
    opts: { offline: boolean; nonce: string | undefined },
  ): Promise<TokenBody> {
    const body: TokenBody = {
      access_token: this.store.issueAccessToken(grant.email, {
        grantId: grant.id,
        clientId: grant.clientId,
        scope: grant.scope,
      }),
      expires_in: ACCESS_TOKEN_SECONDS,
    };
    if (opts.offline) {
      const refresh = `1//sandbox-${randomToken(40)}`;
      this.store.state.refreshTokens[refresh] = grant.id;
      body.refresh_token = refresh;
    }
    body.scope = grant.scope;
    body.token_type = "Bearer";
    if (grant.scope.split(" ").includes("openid")) {
      body.id_token = await this.#idToken(grant.email, grant.clientId, opts.nonce);
    }
    return body;
  }

  async revoke(req: Request, url: URL): Promise<Response> {
    const form = req.method === "POST" ? await formParams(req) : new URLSearchParams();
    const token = url.searchParams.get("token") ?? form.get("token");
    const state = this.store.state;
    let grantId: string | null | undefined;
    if (token && state.refreshTokens[token]) grantId = state.refreshTokens[token];
    else if (token && state.accessTokens[token]) {
      grantId = state.accessTokens[token].grantId;
      delete state.accessTokens[token];
    } else {
      throw new OAuthError(400, "invalid_token", "Bad Request");
    }
    if (grantId && state.grants[grantId]) state.grants[grantId].revoked = true;
    this.store.changed();
    return json({}, 200);
  }

  #bearerAccount(req: Request, url: URL) {
    const h = req.headers.get("authorization");
    const token = h ? /^Bearer\s+(.+)$/i.exec(h.trim())?.[1] : url.searchParams.get("access_token");
    return token ? this.store.accountForToken(token) : undefined;
  }

  async tokenInfo(req: Request, url: URL): Promise<Response> {
    const form = req.method === "POST" ? await formParams(req) : new URLSearchParams();
    const explicit = url.searchParams.get("access_token") ?? form.get("access_token");
    const token = explicit ??
      /^Bearer\s+(.+)$/i.exec(req.headers.get("authorization")?.trim() ?? "")?.[1];
    const t = token ? this.store.state.accessTokens[token] : undefined;
    const auth = token ? this.store.accountForToken(token) : undefined;
    if (!t || !auth) throw new OAuthError(400, "invalid_token", "Invalid Value");
    const account = this.store.state.accounts[t.email];
    const expiresIn = Math.max(0, Math.floor((t.expiresAt - this.store.now().getTime()) / 1000));
    const body: Record<string, unknown> = {
      azp: t.clientId,
      aud: t.clientId,
      sub: account.sub,
      scope: t.scope,
      exp: String(Math.floor(t.expiresAt / 1000)),
      expires_in: String(expiresIn),
    };
    if (t.scope.includes("email") || t.scope.includes("openid")) {
      body.email = t.email;
      body.email_verified = "true";
    }
    body.access_type =
      t.grantId && Object.values(this.store.state.refreshTokens).includes(t.grantId)
        ? "offline"
        : "online";
    return json(body);
  }

  userInfo(req: Request, url: URL, path: string): Response {
    const auth = this.#bearerAccount(req, url);
    if (!auth) {
      return json(
        { error: "invalid_request", error_description: "Invalid Credentials" },
        401,
        {
          "www-authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"',
        },
      );
    }
    const account = this.store.state.accounts[auth.email];
    if (path === "/oauth2/v2/userinfo" || path === "/oauth2/v1/userinfo") {
      return json({
        id: account.sub,
        email: account.email,
        verified_email: true,
        name: account.name,
        given_name: account.name,
        picture: "https://lh3.googleusercontent.com/a/default-user=s96-c",
      });
    }
    return json({
      sub: account.sub,
      name: account.name,
      given_name: account.name,
      picture: "https://lh3.googleusercontent.com/a/default-user=s96-c",
      email: account.email,
      email_verified: true,
    });
  }

  discovery(origin: string): Response {
    return json({
      issuer: ISSUER,
      authorization_endpoint: `${origin}o/oauth2/v2/auth`,
      token_endpoint: `${origin}token`,
      userinfo_endpoint: `${origin}v1/userinfo`,
      revocation_endpoint: `${origin}revoke`,
      jwks_uri: `${origin}oauth2/v3/certs`,
      response_types_supported: ["code"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: ["RS256"],
      scopes_supported: ["openid", "email", "profile"],
      token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
      code_challenge_methods_supported: ["plain", "S256"],
      grant_types_supported: ["authorization_code", "refresh_token"],
    });
  }
}

/**
 * What the consent is for, in words: signing in, connecting an account's calendars, or
 * reconnecting one (the app names it with `login_hint`), and to which app (its client id).
 */
function purposeLine(signIn: boolean, hint: string, clientId: string): string {
  const app = `<b>cal-sync</b> (client <code>${escapeHtml(clientId)}</code>)`;
  if (signIn) {
    return hint
      ? `<p class="hint" id="login-hint">Signing in to ${app} as <b>${
        escapeHtml(hint)
      }</b> was asked for. You can still choose another account.</p>`
      : "";
  }
  return hint
    ? `<p class="hint" id="login-hint">Reconnecting <b>${
      escapeHtml(hint)
    }</b> to ${app}: Google no longer accepted its earlier permission. Choose the same account to let its syncs run again.</p>`
    : `<p class="hint" id="purpose">Connecting a Google account's calendars to ${app}: choose the account.</p>`;
}
