import { isSecure, sessionCookie } from "./auth.ts";
import type { Services } from "@/lib/services.ts";

/** A 303 to `next` (same-site paths only) that also sets the session cookie. */
export function signedInRedirect(
  token: string,
  next: string | null,
  url: URL,
  services: Services,
): Response {
  const location = next?.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\")
    ? next
    : "/";
  return new Response(null, {
    status: 303,
    headers: { location, "set-cookie": sessionCookie(token, isSecure(url, services)) },
  });
}
