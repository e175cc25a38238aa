/** Shared setup for the sandbox contract tests: a served sandbox and Google's own clients. */
import { calendar, type calendar_v3 } from "@googleapis/calendar";
import { OAuth2Client } from "google-auth-library";
import { type SandboxOptions, startSandbox } from "../../lib/sandbox/mod.ts";

export const CLIENT_ID = "test-client.apps.googleusercontent.com";
export const CLIENT_SECRET = "test-secret";
export const REDIRECT_URI = "http://localhost:8000/oauth/callback";

export interface Harness {
  url: string;
  /** A Calendar client acting as `email` (access token from the control surface). */
  calendarAs(email: string): Promise<calendar_v3.Calendar>;
  /** An OAuth2Client whose endpoints all point at the sandbox. */
  oauthClient(): OAuth2Client;
  /** Calls the control surface. */
  control(method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a sandbox on a free port, in memory. */
export async function harness(options: SandboxOptions = {}): Promise<Harness> {
  const { url, close } = await startSandbox({ port: 0, dataFile: null, ...options });
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${url}_sandbox/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const oauthClient = () =>
    new OAuth2Client({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: REDIRECT_URI,
      endpoints: {
        oauth2AuthBaseUrl: `${url}o/oauth2/v2/auth`,
        oauth2TokenUrl: `${url}token`,
        oauth2RevokeUrl: `${url}revoke`,
        tokenInfoUrl: `${url}tokeninfo`,
        oauth2FederatedSignonPemCertsUrl: `${url}oauth2/v1/certs`,
        oauth2FederatedSignonJwkCertsUrl: `${url}oauth2/v3/certs`,
      },
    });
  return {
    url,
    control,
    oauthClient,
    async calendarAs(email: string) {
      const res = await control("POST", "token", { email });
      const { access_token } = await res.json();
      const auth = oauthClient();
      auth.setCredentials({ access_token, expiry_date: Date.now() + 3500_000 });
      return calendar({ version: "v3", rootUrl: url, auth, retry: false });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The Google error of a rejected client call: status, reason and body. */
export async function googleError(p: Promise<unknown>): Promise<{
  status: number;
  reason: string | undefined;
  domain: string | undefined;
  // deno-lint-ignore no-explicit-any
  body: any;
}> {
  try {
    await p;
  } catch (err) {
    // deno-lint-ignore no-explicit-any
    const e = err as any;
    const body = e.response?.data;
    return {
      status: e.status ?? e.code ?? e.response?.status,
      reason: body?.error?.errors?.[0]?.reason,
      domain: body?.error?.errors?.[0]?.domain,
      body,
    };
  }
  throw new Error("Expected the call to fail");
}

/** A date `days` from now, as RFC 3339. */
export function daysFromNow(days: number, base = Date.now()): string {
  return new Date(base + days * 86400000).toISOString();
}

/** A valid custom event id (base32hex). */
export function eventId(prefix = "t"): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuv";
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return prefix + Array.from(bytes, (b) => alphabet[b & 31]).join("");
}
