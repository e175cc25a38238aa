import {
  SIGN_IN_COOKIE,
  SIGN_IN_COOKIE_PATH,
  SIGN_IN_STATE_SECONDS,
  type StartGoogleSignIn,
  startGoogleSignIn,
} from "@/lib/auth/google_signin.ts";
import type { Services } from "@/lib/services.ts";
import { isSecure } from "./auth.ts";
import { getCookies } from "./cookies.ts";

/** The cookie that binds a Google sign-in to this browser; HttpOnly, for the callback only. */
export function signInStateCookie(state: string, secure: boolean): string {
  return [
    `${SIGN_IN_COOKIE}=${state}`,
    `Path=${SIGN_IN_COOKIE_PATH}`,
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${SIGN_IN_STATE_SECONDS}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function clearedSignInStateCookie(secure: boolean): string {
  return `${SIGN_IN_COOKIE}=; Path=${SIGN_IN_COOKIE_PATH}; HttpOnly; SameSite=Lax; Max-Age=0${
    secure ? "; Secure" : ""
  }`;
}

/** The sign-in state this browser holds, if any. */
export function signInStateOf(req: Request): string | undefined {
  return getCookies(req.headers)[SIGN_IN_COOKIE];
}

/**
 * Starts a Google sign-in and answers it: Google's consent URL as JSON for a client that asks
 * for JSON (not HTML) or `alwaysJson`, else a redirect there; either way with the cookie that binds the attempt
 * to this browser.
 */
export async function googleSignInAnswer(
  req: Request,
  url: URL,
  services: Services,
  start: StartGoogleSignIn,
  redirectStatus = 302,
  alwaysJson = false,
): Promise<Response> {
  const { authorizationUrl, state } = await startGoogleSignIn(services, start);
  const accept = req.headers.get("accept") ?? "";
  const response = alwaysJson ||
      (accept.includes("application/json") && !accept.includes("text/html"))
    ? Response.json({ authorization_url: authorizationUrl })
    : new Response(null, { status: redirectStatus, headers: { location: authorizationUrl } });
  response.headers.append("set-cookie", signInStateCookie(state, isSecure(url, services)));
  response.headers.set("cache-control", "no-store");
  return response;
}
