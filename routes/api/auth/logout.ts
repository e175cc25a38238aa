import { signOut } from "@/lib/auth/accounts.ts";
import { clearedSessionCookie, isSecure } from "@/lib/http/auth.ts";
import { api } from "@/lib/http/api.ts";
import { define } from "@/lib/web/define.ts";

export const handler = define.handlers({
  POST: api({
    summary: "Sign out: revoke the token and clear the session cookie",
    description: "The bearer token (or the session cookie's token) that signs the request is " +
      "revoked: it answers 401 from then on, at once on the instance that answers and on the " +
      "others within SESSION_CACHE_SECONDS (5 s by default). A browser form post is " +
      "redirected to the sign-in page. Signing out without a session is not an error.",
    tags: ["auth"],
    auth: false,
    responses: { 204: { description: "Signed out" }, 303: { description: "Back to /login" } },
  }, async (ctx) => {
    if (ctx.state.session) await signOut(ctx.state.services, ctx.state.session);
    const cookie = clearedSessionCookie(isSecure(ctx.url, ctx.state.services));
    const wantsPage = ctx.req.headers.get("accept")?.includes("text/html");
    const response = wantsPage ? ctx.redirect("/login") : new Response(null, { status: 204 });
    response.headers.append("set-cookie", cookie);
    return response;
  }),
});
