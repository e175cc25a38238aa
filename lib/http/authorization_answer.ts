import type { Ctx } from "@/lib/web/types.ts";

/**
 * Where to send the person for Google's consent: a browser's page (it accepts HTML) is
 * redirected there, a script that accepts JSON gets `{authorization_url}`.
 */
export function authorizationAnswer(ctx: Ctx, authorizationUrl: string, status: 302 | 303) {
  const accept = ctx.req.headers.get("accept") ?? "";
  if (accept.includes("application/json") && !accept.includes("text/html")) {
    return ctx.json({ authorization_url: authorizationUrl });
  }
  return ctx.redirect(authorizationUrl, status);
}
