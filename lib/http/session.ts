import { z } from "zod";
import { typedEmail } from "@/lib/auth/accounts.ts";
import type { Services } from "@/lib/services.ts";
import { isSecure, sessionCookie } from "./auth.ts";
import type { FormFailure } from "./page.ts";

/**
 * A path on this site built only of URL-safe ASCII: no scheme, no `//` or `/\` (which browsers
 * read as another host), and no tab, CR, LF or other control character, which browsers strip or
 * a response header refuses — `/\t/evil.example` becomes `//evil.example` once the tab is gone.
 */
const SAFE_PATH = /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/?%#]*$/;

/** `next` when it is a safe same-site path, else `/`. */
export function safeNext(next: string | null | undefined): string {
  return next && next.length <= 8192 && SAFE_PATH.test(next) ? next : "/";
}

/** The `next` of the sign-in and registration pages: where to go after, `/` unless safe. */
export const NextQuery = z.object({
  next: z.string().optional().catch(undefined).transform(safeNext),
});

/**
 * What the sign-in and registration pages show: empty, or after a failure what was wrong (a
 * message above the form, or by field) and the email as it was typed. `next` (safe, from
 * `NextQuery`) goes on to the other page's link.
 */
export function accountFormData(next: string, failure?: FormFailure) {
  return {
    email: typedEmail(failure?.values),
    error: failure?.message,
    fields: failure?.fields,
    /** Where to go once signed in (safe), for the other ways in (Continue with Google). */
    next,
    /** The query that keeps `next` on the way to the other page, or "" for the default. */
    nextQuery: next === "/" ? "" : `?next=${encodeURIComponent(next)}`,
  };
}

/** A 303 to `next` (safe same-site paths only, else `/`) that also sets the session cookie. */
export function signedInRedirect(
  token: string,
  next: string | null,
  url: URL,
  services: Services,
): Response {
  return new Response(null, {
    status: 303,
    headers: {
      location: safeNext(next),
      "set-cookie": sessionCookie(token, isSecure(url, services)),
    },
  });
}
